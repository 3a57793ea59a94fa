"""The delays from TVox's event time to the arrival here, and what they say about the clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tvox_journey.ingest.checklist import build_checklist
from tvox_journey.ingest.checklist_text import sayer
from tvox_journey.ingest.checklist_timing import percentile, route_timing
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.occ import occ_configuration
from tvox_journey.store.setup import PathTraffic, Traffic

EN = sayer("en", UTC)
IT = sayer("it", UTC)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_percentiles_are_nearest_rank() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 5)) == (3.0, 5.0, 1.0)
    assert percentile([7.0], 95) == 7.0


def test_prompt_deliveries_need_nothing_done() -> None:
    timing = route_timing([0.012, 0.020, 0.015, 0.3], EN)
    assert timing is not None
    assert (timing.count, timing.level, timing.kind) == (4, "ok", None)
    assert (
        timing.message
        == "delay from the event's time to its arrival: p50 15 ms, p95 300 ms (4 requests in the last hour)"
    )
    assert route_timing([], EN) is None


@pytest.mark.parametrize(
    ("delays", "kind", "level", "says"),
    [
        ([-30.2, -30.1, -30.0], "negative", "warn", "TVox's clock is about 30.1 s ahead of this server's"),
        (
            [-2.5],
            "negative",
            "warn",
            "about 2.5 s ahead",
        ),  # one is enough: no delivery comes before its event
        ([300.1, 300.05, 300.2, 300.0], "offset", "warn", "a constant delay of about 5 min 0 s"),
        (
            [3600.1, 3600.05, 3600.2],
            "zone",
            "warn",
            "a constant offset of about 1 h 0 min: a time zone set wrong",
        ),
        ([-7200.1, -7200.0, -7199.9], "zone", "warn", "a constant offset of about 2 h 0 min"),
        ([19800.2, 19800.1, 19800.3], "zone", "warn", "about 5 h 30 min"),  # half-hour zones exist
        (
            [86400 * 900, 86400 * 900 + 1800],
            "old",
            "info",
            "events from about 900 days ago: old traffic replayed",
        ),
    ],
)
def test_delays_that_point_at_a_clock_are_named(
    delays: list[float], kind: str, level: str, says: str
) -> None:
    timing = route_timing(delays, EN)
    assert timing is not None
    assert (timing.kind, timing.level) == (kind, level)
    assert says in timing.message


@pytest.mark.parametrize(
    "delays",
    [
        [0.1, 45.0, 300.0, 900.0],  # late and scattered (TVox retrying): no clock to blame
        [300.0, 300.1],  # too few to call it constant
        [-0.5, -0.4, -0.6],  # within a second: clocks a little apart, nothing to do
    ],
)
def test_scattered_late_or_slightly_negative_delays_blame_no_clock(delays: list[float]) -> None:
    timing = route_timing(delays, EN)
    assert timing is not None and timing.kind is None and timing.level == "ok"


def test_durations_are_written_for_people_in_both_languages() -> None:
    assert [EN.duration(s) for s in (0.0123, 1.55, -2.0, 61, 3725, 3 * 86400)] == [
        "12 ms", "1.6 s", "-2.0 s", "1 min 1 s", "1 h 2 min", "3 days"
    ]  # fmt: skip
    assert [IT.duration(s) for s in (1.5, 86400)] == ["1,5 s", "1 giorno"]


def test_a_clock_warning_leaves_a_working_route_working_and_raises_its_level() -> None:
    ring = "/tvox/events/service/ring"
    names = frozenset({"dateISO", "idlastcall", "pin", "servizio", "cli"})
    seen = PathTraffic(ring, accepted=3, accepted_recent=3, last_accepted_at=NOW, sampled=3, names=names,
                       filled=names, delays=(3600.1, 3600.2, 3600.0))  # fmt: skip
    config = occ_configuration(Mappings(), base_url="", types=frozenset({"service"}))
    traffic = Traffic((seen,), NOW - timedelta(hours=24), 3, True, True)
    found = build_checklist(
        [config], Mappings(), traffic, now=NOW, zone=ZoneInfo("Europe/Rome"), language="it"
    )
    row = next(r for r in found.rows if r.path == ring)
    assert (row.status, row.level) == ("working", "warn")
    assert row.timing is not None and row.timing.kind == "zone"
    assert [p.kind for p in row.problems] == ["clock"]
    assert "un fuso orario sbagliato da una parte" in row.problems[0].message
