"""The parser: errors name the variable as it arrived; times outside the accepted range are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tvox_journey.domain.events import EARLIEST_EVENT_TIME, LATEST_EVENT_TIME, Action, CallType
from tvox_journey.domain.numbers import MAX_NUMBER_LENGTH
from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.parse import MAX_CALL_ID_LENGTH, map_variables, parse_event

RING = {
    "dateTime": "2020-11-20T10:24:08.674Z",
    "callId": "1605867847.783@d92061befe",
    "agent": "op1",
    "service": "customercare",
    "callerNumber": "0452224600",
}


def refusal(route: str, params: dict[str, str]) -> InvalidEvent:
    tutorial = TUTORIAL_ROUTES[route]
    variables = map_variables(params.items(), tutorial.mapping, tutorial.required)
    with pytest.raises(InvalidEvent) as raised:
        parse_event(tutorial.call_type, tutorial.action, variables)
    return raised.value


def native_refusal(call_type: CallType, params: dict[str, str]) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as raised:
        parse_event(call_type, Action.RING, map_variables(params.items(), {}))
    return raised.value


def test_a_call_id_too_long_names_the_variable_the_mapping_read() -> None:
    too_long = "x" * (MAX_CALL_ID_LENGTH + 1)
    error = refusal("service/ring", {**RING, "callId": too_long})
    assert (error.variable, error.reason) == ("callId", f"longer than {MAX_CALL_ID_LENGTH} characters")
    native = native_refusal(CallType.SERVICE, {"dateISO": RING["dateTime"], "idlastcall": too_long})
    assert native.variable == "idlastcall"
    chat = native_refusal(CallType.CHAT, {"dateISO": RING["dateTime"], "uniqueid": too_long})
    assert chat.variable == "uniqueid"


def test_a_number_too_long_is_refused_naming_its_variable_not_cut() -> None:
    error = refusal("service/ring", {**RING, "callerNumber": "3" * (MAX_NUMBER_LENGTH + 1)})
    assert (error.variable, error.reason) == ("callerNumber", f"longer than {MAX_NUMBER_LENGTH} characters")
    outbound = native_refusal(
        CallType.OUTBOUND, {"dateISO": RING["dateTime"], "id": "c1", "dnis": "4" * (MAX_NUMBER_LENGTH + 1)}
    )
    assert outbound.variable == "dnis"


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:30:00Z",
        "0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59.999Z",
        "2100-01-01T00:00:00Z",
        "2099-12-31T23:30:00-05:00",
        "2000-01-01T00:30:00+01:00",
    ],
)
def test_a_time_out_of_the_accepted_range_is_refused_naming_the_variable(text: str) -> None:
    error = refusal("service/ring", {**RING, "dateTime": text})
    assert error.variable == "dateTime"
    assert error.reason.startswith("out of the accepted range (from 2000-01-01T00:00:00Z")


@pytest.mark.parametrize(
    "text", ["2000-01-01T00:00:00Z", "2099-12-31T23:59:59.999999Z", "2000-01-01T01:00:00+01:00"]
)
def test_the_edges_of_the_accepted_range_are_accepted(text: str) -> None:
    tutorial = TUTORIAL_ROUTES["service/ring"]
    variables = map_variables({**RING, "dateTime": text}.items(), tutorial.mapping, tutorial.required)
    event = parse_event(tutorial.call_type, tutorial.action, variables)
    assert EARLIEST_EVENT_TIME <= event.occurred.at < LATEST_EVENT_TIME


def test_a_dateymdms_out_of_range_is_refused_too() -> None:
    params = {"dateYMDms": "99991231233000", "idlastcall": "c1", "cli": "0452224600"}
    assert native_refusal(CallType.SERVICE, params).variable == "dateYMDms"
    assert EARLIEST_EVENT_TIME == datetime(2000, 1, 1, tzinfo=UTC)


def test_an_agent_or_service_code_too_long_is_refused_naming_it() -> None:
    error = refusal("service/ring", {**RING, "agent": "é" * 256})
    assert (error.variable, error.reason) == ("agent", "longer than 255 characters")
    assert refusal("service/ring", {**RING, "service": "s" * 256}).variable == "service"
