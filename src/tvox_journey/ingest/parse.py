"""Parse a notification's variables into a CallEvent, or raise InvalidEvent.

Pure: the TVox time zone (for `dateYMDms`) is passed in, the clock is never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from tvox_journey.domain.events import (
    EARLIEST_EVENT_TIME,
    LATEST_EVENT_TIME,
    Action,
    CallEvent,
    CallType,
    Instant,
)
from tvox_journey.domain.numbers import MAX_NUMBER_LENGTH
from tvox_journey.ingest.errors import InvalidEvent

MAX_VALUE_LENGTH = 1024
MAX_CALL_ID_LENGTH = 255
MAX_CODE_LENGTH = 255  # agent and service codes (their display names are keyed by 255 characters)
POPUP_VARIABLE = re.compile(r"popup\d{1,3}")  # TVox's `popup1`, `popup2`...
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Where each field comes from, per type, in order of preference (fact sheet §7).
_CALL_ID = {
    CallType.CHAT: ("uniqueid", "idlastcall", "id"),
    CallType.SERVICE: ("idlastcall", "id", "uniqueid"),
    CallType.ANSWER_SERVICE: ("idlastcall", "id", "uniqueid"),
    CallType.POWER_DIALER: ("idlastcall", "id", "uniqueid"),
}
_CALL_ID_DEFAULT = ("id", "idlastcall", "uniqueid")
_NUMBER = {
    CallType.OUTBOUND: ("dnis",),
    CallType.POWER_DIALER: ("dnis", "cli", "clid"),
    CallType.INBOUND: ("clid", "cli"),
    CallType.TRANSFER: ("clid", "cli"),
}
_NUMBER_DEFAULT = ("cli", "clid")
_AGENT = {
    CallType.OUTBOUND: ("userclid", "pin"),
    CallType.INBOUND: ("userdnis", "pin"),
    CallType.TRANSFER: ("pin", "userclid"),
}
_AGENT_DEFAULT = ("pin", "userdnis", "userclid")
_CALLED = {CallType.OUTBOUND: (), CallType.POWER_DIALER: ()}


def number_variables(call_type: CallType) -> tuple[str, ...]:
    """The TVox variables the contact's number is read from for a type, in order of preference."""
    return _NUMBER.get(call_type, _NUMBER_DEFAULT)


@dataclass(frozen=True, slots=True)
class Variables:
    """A notification's values by TVox variable name, with the names they arrived as."""

    values: Mapping[str, str]
    wire_names: Mapping[str, str]
    popups: tuple[tuple[str, str], ...] = ()
    required: frozenset[str] = field(default_factory=frozenset)

    def name(self, variable: str) -> str:
        return self.wire_names.get(variable, variable)


def map_variables(
    params: Iterable[tuple[str, str]],
    mapping: Mapping[str, str],
    required: frozenset[str] = frozenset(),
) -> Variables:
    """Rename wire parameters to TVox variables; a name not in the mapping keeps its own.

    Raises:
        InvalidEvent: a variable is repeated with different values.
    """
    values: dict[str, str] = {}
    wire_names: dict[str, str] = {}
    popups: dict[str, str] = {}
    for wire, value in params:
        variable = mapping.get(wire, wire)
        if POPUP_VARIABLE.fullmatch(variable):
            popups.setdefault(wire, value)
            continue
        if variable in values and values[variable] != value:
            raise InvalidEvent(wire, "repeated with different values")
        values[variable] = value
        wire_names.setdefault(variable, wire)
    # A variable never sent is named as the mapping expects it (the last mapping entry wins).
    expected = {variable: wire for wire, variable in mapping.items()}
    return Variables(values, {**expected, **wire_names}, tuple(popups.items()), required)


def _pick(variables: Variables, names: tuple[str, ...]) -> tuple[str, str | None]:
    """The first of `names` that was sent (even empty), as (variable, value)."""
    for name in names:
        if name in variables.values:
            return name, variables.values[name]
    return names[0] if names else "", None


def _text(
    variables: Variables,
    names: tuple[str, ...],
    required: bool = False,
    max_length: int = MAX_VALUE_LENGTH,
) -> str | None:
    """The first of `names` sent, stripped; errors name the variable as it arrived."""
    name, value = _pick(variables, names)
    wire = variables.name(name)
    if value is None:
        if required or name in variables.required:
            raise InvalidEvent(wire, "missing")
        return None
    value = value.strip()
    if len(value) > max_length:
        raise InvalidEvent(wire, f"longer than {max_length} characters")
    if _CONTROL.search(value):
        raise InvalidEvent(wire, "contains control characters")
    if not value:
        if required or name in variables.required:
            raise InvalidEvent(wire, "empty")
        return None
    return value


ACCEPTED_RANGE = (
    f"from {EARLIEST_EVENT_TIME:%Y-%m-%dT%H:%M:%SZ} to before {LATEST_EVENT_TIME:%Y-%m-%dT%H:%M:%SZ}"
)


def parse_instant(text: str, tvox_timezone: tzinfo) -> datetime:
    """An ISO-8601 time (`Z` or an offset; naive means the TVox zone) or `yyyyMMddHHmmss`.

    Raises:
        ValueError: not such a time.
    """
    if re.fullmatch(r"\d{14}", text):
        local = datetime.strptime(text, "%Y%m%d%H%M%S")
        return local.replace(tzinfo=tvox_timezone).astimezone(UTC)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?", text):
        raise ValueError("not ISO-8601")
    normalized = re.sub(r"\.(\d{6})\d+", r".\1", text)
    parsed = datetime.fromisoformat(normalized)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tvox_timezone)
    return parsed.astimezone(UTC)


def _occurred(variables: Variables, tvox_timezone: tzinfo) -> Instant:
    name, text = _pick(variables, ("dateISO", "dateYMDms"))
    wire = variables.name(name)
    if text is None or not text.strip():
        raise InvalidEvent(wire, "missing" if text is None else "empty")
    text = text.strip()
    try:
        at = parse_instant(text, tvox_timezone)
    except (ValueError, OverflowError):
        expected = "yyyyMMddHHmmss" if name == "dateYMDms" else "ISO-8601, e.g. 2020-11-20T10:24:08.674Z"
        raise InvalidEvent(wire, f"not a date/time ({expected})") from None
    if not EARLIEST_EVENT_TIME <= at < LATEST_EVENT_TIME:
        raise InvalidEvent(wire, f"out of the accepted range ({ACCEPTED_RANGE})")
    return Instant(at, text)


def parse_event(
    call_type: CallType,
    action: Action,
    variables: Variables,
    *,
    tvox_timezone: tzinfo = UTC,
    raw_event: str | None = None,
) -> CallEvent:
    """The CallEvent a notification stands for.

    Raises:
        InvalidEvent: a required variable is missing, empty, too long or unparsable.
    """
    call_id_names = _CALL_ID.get(call_type, _CALL_ID_DEFAULT)
    call_id = _text(variables, call_id_names, required=True, max_length=MAX_CALL_ID_LENGTH)
    assert call_id is not None
    occurred = _occurred(variables, tvox_timezone)
    agent_names = _AGENT.get(call_type, _AGENT_DEFAULT)
    return CallEvent(
        call_id=call_id,
        call_type=call_type,
        action=action,
        occurred=occurred,
        # Refused when too long, never cut: two long "numbers" must not share a journey.
        number=_text(variables, number_variables(call_type), max_length=MAX_NUMBER_LENGTH),
        agent=None
        if call_type is CallType.TRANSFER
        else _text(variables, agent_names, max_length=MAX_CODE_LENGTH),
        service=_text(variables, ("servizio",), max_length=MAX_CODE_LENGTH),
        target_agent=(
            _text(variables, ("userdnis",), max_length=MAX_CODE_LENGTH)
            if call_type is CallType.TRANSFER
            else None
        ),
        called_number=_text(variables, _CALLED.get(call_type, ("dnis",))),
        channel=_text(variables, ("channel",)),
        campaign_id=_text(variables, ("campaignId", "campaignid")),
        list_id=_text(variables, ("listId", "listid")),
        abandoned_call_id=_text(variables, ("abandonedCallId",)),
        caller_name=_text(variables, ("clidname",)),
        caller_surname=_text(variables, ("clidsurname",)),
        caller_company=_text(variables, ("clidcompany",)),
        popups=tuple(sorted((k, v.strip()[:MAX_VALUE_LENGTH]) for k, v in variables.popups)),
        raw_event=raw_event,
    )
