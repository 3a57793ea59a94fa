"""The setup checklist: statuses and explanations from the expected configuration and the observed traffic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tvox_journey.ingest.checklist import build_checklist
from tvox_journey.ingest.checklist_model import Checklist, ServiceRow
from tvox_journey.ingest.checklist_text import Language
from tvox_journey.ingest.mapping import Mappings, route_of
from tvox_journey.ingest.occ import occ_configuration
from tvox_journey.store.setup import PathTraffic, Traffic

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/service/ring", "service/ring"),
        ("/service/ring.php", "service/ring"),
        ("/tvox/events", "tvox/events"),
        ("/tvox/events/SERVICE/Ring", "tvox/events/service/ring"),
        ("/tvox/events/answer-service/no_answer", "tvox/events/answer_service/no_answer"),
        ("/tvox/events/service", "tvox/events/service"),
        ("/tvox/events/fax/ring", None),
        ("/tvox/events/service/explode", None),
        ("/tvox/events.php", None),
        ("/service/rign", None),
        ("/wp-login.php", None),
    ],
)
def test_route_of_a_path_is_the_event_logs_route_key(path: str, route: str | None) -> None:
    assert route_of(path) == route


def checklist(*paths: PathTraffic, layout: str = "native", mappings: Mappings | None = None,
              covers_since: bool = True, language: Language = "en") -> Checklist:  # fmt: skip
    mappings = mappings or Mappings()
    config = occ_configuration(mappings, base_url="", layout=layout, types=frozenset({"service", "inbound"}))
    traffic = Traffic(paths, NOW - timedelta(hours=24), 100, covers_since, True)
    return build_checklist([config], mappings, traffic, now=NOW, zone=ROME, language=language)


def row(found: Checklist, path: str) -> ServiceRow:
    return next(r for r in found.rows if r.path == path)


RING = "/tvox/events/service/ring"
RING_NAMES = frozenset({"dateISO", "idlastcall", "pin", "servizio", "cli"})


def test_uri_fixed_type_and_event_and_known_variables_are_not_unread() -> None:
    names = RING_NAMES | {"type", "event", "channel", "popup1"}
    seen = PathTraffic(RING, accepted=2, accepted_recent=2, last_accepted_at=NOW, sampled=2, names=names,
                       filled=RING_NAMES)  # fmt: skip
    ring = row(checklist(seen), RING)
    assert (ring.status, ring.level, ring.problems) == ("working", "ok", ())
    assert ring.summary == "working: the last at 2026-11-20 11:00:00, 2 in the last 24 hours"


def test_a_mapped_name_counts_as_its_variable() -> None:
    mappings = Mappings(rows={"tvox/events": {"numero": "cli"}})
    names = RING_NAMES - {"cli"} | {"numero"}
    seen = PathTraffic(RING, accepted=1, last_accepted_at=NOW, sampled=1, names=names, filled=names)
    assert row(checklist(seen, mappings=mappings), RING).status == "working"


def test_an_unknown_event_value_makes_the_route_incomplete_with_a_warning() -> None:
    names = frozenset({"dateISO", "id", "clid", "eventtype", "event", "userdnis", "dnis"})
    seen = PathTraffic("/tvox/events", unrecognized=3, last_unrecognized_at=NOW,
                       last_unrecognized_reason="unrecognized event 'TRANSFERRING'", sampled=3,
                       names=names, filled=names)  # fmt: skip
    inbound = row(checklist(seen), "/tvox/events")
    assert (inbound.status, inbound.level) == ("incomplete", "warn")
    assert (
        "3 events with an unknown `event` value (unrecognized event 'TRANSFERRING')"
        in inbound.problems[0].message
    )


def test_refusals_before_the_last_accepted_request_only_warn() -> None:
    seen = PathTraffic(RING, accepted=5, accepted_recent=5, last_accepted_at=NOW, refused=2, refused_recent=2,
                       last_refused_at=NOW - timedelta(hours=1), last_refused_status=403,
                       last_refused_reason="address 192.0.2.9 is not in webhook_allow_networks",
                       sampled=5, names=RING_NAMES, filled=RING_NAMES)  # fmt: skip
    ring = row(checklist(seen), RING)
    assert (ring.status, ring.level) == ("working", "warn")
    assert ring.problems[0].message.startswith(
        "2 refused in the last 24 hours, the last at 2026-11-20 10:00:00: 403"
    )


def test_a_failing_route_says_what_to_do_in_italian() -> None:
    seen = PathTraffic(RING, refused=1, refused_recent=1, last_refused_at=NOW, last_refused_status=403,
                       last_refused_reason="address 192.0.2.9 is not in webhook_allow_networks")  # fmt: skip
    ring = row(checklist(seen, language="it"), RING)
    assert (ring.status, ring.level) == ("failing", "fail")
    assert ring.summary.startswith("in errore: 1 rifiutata, l'ultima alle 2026-11-20 11:00:00: 403 address")
    assert ring.summary.endswith(
        "L'indirizzo di TVox non è in TVOX_JOURNEY_WEBHOOK_ALLOW_NETWORKS: aggiungerlo"
    )


def test_counts_read_from_part_of_the_window_are_lower_bounds() -> None:
    seen = PathTraffic(RING, accepted=9, accepted_recent=9, last_accepted_at=NOW, sampled=9,
                       names=RING_NAMES, filled=RING_NAMES)  # fmt: skip
    ring = row(checklist(seen, covers_since=False), RING)
    assert "at least 9 in the last 24 hours" in ring.summary and not ring.recent_complete


def test_nothing_received_is_waiting_and_needs_nothing_done() -> None:
    found = checklist()
    assert {(r.status, r.level) for r in found.rows} == {("waiting", "info")}
    assert (found.last_request.level, found.last_request.message) == ("info", "none yet")


def test_an_old_last_request_is_a_warning() -> None:
    seen = PathTraffic(RING, accepted=1, last_accepted_at=NOW - timedelta(days=3), sampled=1,
                       names=RING_NAMES, filled=RING_NAMES)  # fmt: skip
    last = checklist(seen).last_request
    assert last.level == "warn" and "72 hours ago" in last.message


def test_stray_paths_get_a_guess() -> None:
    strays = {s.path: s for s in checklist(
        PathTraffic("/tvox/events/fax/ring", refused=1, last_refused_at=NOW),
        PathTraffic("/service/ring.php", accepted=1, last_accepted_at=NOW),
        PathTraffic("/tvox/events/outbound/new", accepted=1, last_accepted_at=NOW),
        PathTraffic("/ring.php", refused=1, last_refused_at=NOW, refused_names=frozenset({"callId"})),
    ).strays}  # fmt: skip
    assert "unknown type or event" in strays["/tvox/events/fax/ring"].guess
    assert "a tutorial Uri, but the native layout is checked" in strays["/service/ring.php"].guess
    assert (
        "the checked configuration does not have (a type not among those checked"
        in strays["/tvox/events/outbound/new"].guess
    )
    assert strays["/ring.php"].guess.startswith("TVox requests at an unknown Uri")
    assert {s.level for s in strays.values()} == {"warn"}


def test_an_event_of_a_web_service_with_several_that_never_arrives_makes_it_incomplete() -> None:
    names = frozenset({"dateISO", "id", "clid", "eventtype", "event", "userdnis", "dnis"})
    seen = PathTraffic("/tvox/events", accepted=4, accepted_recent=4, last_accepted_at=NOW, sampled=4,
                       names=names, filled=names,
                       kinds=frozenset({("inbound", "answer"), ("inbound", "hangup")}))  # fmt: skip
    inbound = row(checklist(seen), "/tvox/events")
    assert (inbound.status, inbound.level) == ("incomplete", "warn")
    assert [p.kind for p in inbound.problems] == ["event_missing"]
    assert inbound.problems[0].message == (
        "no «Nuova chiamata» (Inbound) event among the newest 4 requests: does this web service lack the "
        "event row Tipo: Inbound, Evento: Nuova chiamata?"
    )
    every = frozenset({("inbound", "new"), ("inbound", "answer"), ("inbound", "hangup")})
    whole = PathTraffic("/tvox/events", accepted=3, last_accepted_at=NOW, sampled=3, names=names,
                        filled=names, kinds=every)  # fmt: skip
    assert row(checklist(whole), "/tvox/events").status == "working"
