"""The date parser: `dateISO` with `Z`, offsets and up to nanoseconds; `dateYMDms` in the TVox zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.parse import map_variables, parse_event, parse_instant

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-11-20T10:24:08.674Z", datetime(2020, 11, 20, 10, 24, 8, 674000, tzinfo=UTC)),
        ("2020-11-20T11:24:08.674+01:00", datetime(2020, 11, 20, 10, 24, 8, 674000, tzinfo=UTC)),
        ("2020-11-20T11:24:08+0100", datetime(2020, 11, 20, 10, 24, 8, tzinfo=UTC)),
        ("2020-11-20T05:24:08-05:00", datetime(2020, 11, 20, 10, 24, 8, tzinfo=UTC)),
        ("2020-11-20 10:24Z", datetime(2020, 11, 20, 10, 24, tzinfo=UTC)),
        # nanoseconds (nine digits) are cut to microseconds, never rounded into the next second
        ("2020-11-20T10:24:08.999999999Z", datetime(2020, 11, 20, 10, 24, 8, 999999, tzinfo=UTC)),
        ("2020-11-20T10:24:08.1234567+00:00", datetime(2020, 11, 20, 10, 24, 8, 123456, tzinfo=UTC)),
        # no offset: the TVox zone's local time (CET in November)
        ("2020-11-20T11:24:08.674", datetime(2020, 11, 20, 10, 24, 8, 674000, tzinfo=UTC)),
    ],
)
def test_iso_times_with_any_offset_and_precision_become_the_same_utc_instant(
    text: str, expected: datetime
) -> None:
    parsed = parse_instant(text, ROME)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20201120112408", datetime(2020, 11, 20, 10, 24, 8, tzinfo=UTC)),  # CET, UTC+1
        ("20200720112408", datetime(2020, 7, 20, 9, 24, 8, tzinfo=UTC)),  # CEST, UTC+2
        ("20201231235959", datetime(2020, 12, 31, 22, 59, 59, tzinfo=UTC)),
    ],
)
def test_date_ymdms_is_the_tvox_zones_local_time(text: str, expected: datetime) -> None:
    assert parse_instant(text, ROME) == expected


def test_date_ymdms_in_utc_is_taken_as_written() -> None:
    assert parse_instant("20201120112408", UTC) == datetime(2020, 11, 20, 11, 24, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["20-11-2020 10:24:08", "2020-13-20T10:24:08Z", "2020112011240", "2020-11-20T10:24:08.Z", "soon"]
)
def test_what_is_no_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text, UTC)


def event_at(params: dict[str, str]) -> datetime:
    variables = map_variables([("callId", "c1"), *params.items()], {"callId": "idlastcall"})
    return parse_event(CallType.SERVICE, Action.RING, variables, tvox_timezone=ROME).occurred.at


def test_a_notification_with_only_date_ymdms_is_placed_in_time_and_keeps_the_text_sent() -> None:
    variables = map_variables([("callId", "c1"), ("dateYMDms", "20201120112408")], {"callId": "idlastcall"})
    event = parse_event(CallType.SERVICE, Action.RING, variables, tvox_timezone=ROME)
    assert event.occurred.at == datetime(2020, 11, 20, 10, 24, 8, tzinfo=UTC)
    assert event.occurred.text == "20201120112408"


def test_date_iso_wins_over_date_ymdms_when_both_are_sent() -> None:
    both = {"dateISO": "2020-11-20T10:24:08Z", "dateYMDms": "20000101000000"}
    assert event_at(both) == datetime(2020, 11, 20, 10, 24, 8, tzinfo=UTC)


def test_a_bad_date_ymdms_is_refused_naming_the_variable_and_the_expected_shape() -> None:
    variables = map_variables(
        [("callId", "c1"), ("quando", "2020-11-20")], {"callId": "idlastcall", "quando": "dateYMDms"}
    )
    with pytest.raises(InvalidEvent) as refused:
        parse_event(CallType.SERVICE, Action.RING, variables, tvox_timezone=ROME)
    assert refused.value.variable == "quando" and "yyyyMMddHHmmss" in refused.value.reason
