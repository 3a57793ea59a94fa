"""Native notifications: `eventtype` / `event` values, URI hints beating variables, unknown values."""

from __future__ import annotations

import pytest

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.native import (
    EVENT_VALUES,
    NATIVE_TYPES,
    TYPE_VALUES,
    Hint,
    NativeKind,
    action_of,
    call_type_of,
    is_known_variable,
    resolve,
)
from tvox_journey.ingest.parse import Variables, map_variables


def variables(mapping: dict[str, str] | None = None, **params: str) -> Variables:
    return map_variables(list(params.items()), mapping or {})


def test_documented_inbound_values_are_verified_and_resolve() -> None:
    assert TYPE_VALUES["INBOUNDCALL"].verified
    assert {k for k, v in EVENT_VALUES.items() if v.verified} == {"NEW", "ANSWER", "HANGUP"}
    kind = resolve(variables(eventtype="INBOUNDCALL", event="ANSWER"))
    assert kind == NativeKind(CallType.INBOUND, Action.ANSWER)


def test_guessed_values_are_marked_as_assumptions() -> None:
    for value in ("OUTBOUNDCALL", "SERVICECALL", "TRANSFERCALL", "POWERDIALER", "CHAT"):
        assert not TYPE_VALUES[value].verified
    for value in ("RINGING", "NOANSWER", "ABANDON"):
        assert not EVENT_VALUES[value].verified


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("inboundcall", CallType.INBOUND),
        ("OutboundCall", CallType.OUTBOUND),
        ("service", CallType.SERVICE),
        ("CONTACT_CENTER", CallType.SERVICE),
        ("answer_service", CallType.ANSWER_SERVICE),
        ("Answer-Service", CallType.ANSWER_SERVICE),
        ("transfercall", CallType.TRANSFER),
        ("power_dialer", CallType.POWER_DIALER),
        ("chat", CallType.CHAT),
    ],
)
def test_type_values_are_case_and_separator_insensitive(value: str, expected: CallType) -> None:
    assert call_type_of(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("new", Action.NEW),
        ("Ringing", Action.RING),
        ("ring", Action.RING),
        ("no_answer", Action.NO_ANSWER),
        ("NOANSWER", Action.NO_ANSWER),
        ("abandon", Action.ABANDON),
        ("hangup", Action.HANGUP),
        ("transfer", Action.TRANSFER),
    ],
)
def test_event_values_are_case_and_separator_insensitive(value: str, expected: Action) -> None:
    assert action_of(value) is expected


def test_uri_hints_beat_the_variables() -> None:
    sent = variables(eventtype="INBOUNDCALL", event="NEW")
    kind = resolve(sent, uri_type=Hint("service", "type"), uri_event=Hint("ring", "event"))
    assert kind == NativeKind(CallType.SERVICE, Action.RING)


def test_a_blank_uri_hint_falls_back_to_the_variable() -> None:
    kind = resolve(variables(eventtype="INBOUNDCALL", event="HANGUP"), uri_type=Hint(" ", "type"))
    assert kind.call_type is CallType.INBOUND


def test_unknown_event_is_unknown_with_its_raw_value_kept() -> None:
    kind = resolve(variables(eventtype="INBOUNDCALL", event="PARKED"))
    assert kind == NativeKind(CallType.INBOUND, Action.UNKNOWN, "PARKED")


def test_unknown_type_names_the_variable_as_it_arrived() -> None:
    with pytest.raises(InvalidEvent) as raised:
        resolve(variables({"tipo": "eventtype"}, tipo="FAXCALL", event="NEW"))
    assert raised.value.variable == "tipo"
    assert "FAXCALL" in raised.value.reason


def test_unknown_type_in_the_uri_names_the_uri_parameter() -> None:
    with pytest.raises(InvalidEvent) as raised:
        resolve(variables(event="NEW"), uri_type=Hint("fax", "type"))
    assert raised.value.variable == "type"


def test_missing_type_or_event_is_refused() -> None:
    with pytest.raises(InvalidEvent) as raised:
        resolve(variables(event="NEW"))
    assert raised.value.variable == "eventtype"
    with pytest.raises(InvalidEvent) as raised:
        resolve(variables(eventtype="INBOUNDCALL", event=""))
    assert raised.value.variable == "event"


def test_a_very_long_unknown_value_is_cut_in_the_message() -> None:
    with pytest.raises(InvalidEvent) as raised:
        resolve(variables(eventtype="X" * 5000, event="NEW"))
    assert len(raised.value.reason) < 200


def test_every_occ_row_resolves_to_its_own_action_and_type() -> None:
    for spec in NATIVE_TYPES:
        assert call_type_of(spec.call_type.value) is spec.call_type
        if spec.eventtype_value is not None:
            assert call_type_of(spec.eventtype_value) is spec.call_type
        for row in spec.events:
            assert action_of(row.action.value) is row.action
            if row.event_value is not None:
                assert action_of(row.event_value) is row.action
        assert all(is_known_variable(v) for v in spec.variables)


def test_popup_variables_are_known_variables() -> None:
    assert is_known_variable("popup1") and is_known_variable("popup12")
    assert not is_known_variable("popup") and not is_known_variable("callerNumber")
