"""TVox's own notifications: `eventtype` / `event` values, and what each type's rows carry.

Only Inbound (`INBOUNDCALL` with `NEW`, `ANSWER`, `HANGUP`) is documented by
the vendor; every other value below is an assumption (fact sheet
../shared/reference/tvox-notification-service.md §2 and §5, items 2-4), marked
`verified=False` and listed in docs/assumptions.md. Where a real TVox sends
something else, the type and event can be fixed in the URI instead
(`/tvox/events/{type}/{event}` or `?type=...&event=...`), which beats the
variables. Pure: imports `domain` and `ingest` only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from tvox_journey.domain.events import Action, CallType
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.parse import POPUP_VARIABLE, Variables

NATIVE_ROUTE = "tvox/events"
URI_TYPE = "type"  # query parameter (or path segment) fixing the type in the TVox URI
URI_EVENT = "event"  # query parameter (or path segment) fixing the event
MAX_ECHO = 64  # how much of an unknown value an error message repeats


@dataclass(frozen=True, slots=True)
class WireValue:
    """What one `eventtype` or `event` value stands for, and whether a source proves it."""

    meaning: CallType | Action
    verified: bool


def _table(
    verified: Mapping[str, CallType | Action], assumed: Mapping[str, CallType | Action]
) -> Mapping[str, WireValue]:
    rows = {k: WireValue(v, False) for k, v in assumed.items()}
    rows.update({k: WireValue(v, True) for k, v in verified.items()})
    return MappingProxyType(rows)


# Keys are normalized (upper case, no `_`, `-`, `.` or spaces): see `normalize`.
# Our own slugs (`service`, `answer_service`...) are accepted too, for URIs.
TYPE_VALUES: Mapping[str, WireValue] = _table(
    {"INBOUNDCALL": CallType.INBOUND},  # [NS-1.1.0][NS-1.2.2]
    {
        "INBOUND": CallType.INBOUND,
        "OUTBOUNDCALL": CallType.OUTBOUND,  # [unverified] name
        "OUTBOUND": CallType.OUTBOUND,
        "SERVICECALL": CallType.SERVICE,  # [unverified] name
        "SERVICE": CallType.SERVICE,
        "CONTACTCENTER": CallType.SERVICE,
        "CONTACTCENTERCALL": CallType.SERVICE,
        "CONTACTCENTERSERVICE": CallType.SERVICE,
        "ANSWERSERVICE": CallType.ANSWER_SERVICE,
        "ANSWERSERVICECALL": CallType.ANSWER_SERVICE,
        "TRANSFERCALL": CallType.TRANSFER,  # [unverified] name
        "TRANSFER": CallType.TRANSFER,
        "TRANSFERRED": CallType.TRANSFER,
        "TRANSFERED": CallType.TRANSFER,  # "Transfered" (sic) in NS 1.1.0
        "TRANSFERREDCALL": CallType.TRANSFER,
        "POWERDIALER": CallType.POWER_DIALER,
        "POWERDIALERCALL": CallType.POWER_DIALER,
        "CHAT": CallType.CHAT,
        "CHATCALL": CallType.CHAT,
        "SERVICECHAT": CallType.CHAT,
        "CONTACTCENTERCHAT": CallType.CHAT,
        "INBOUNDCHAT": CallType.CHAT,
    },
)

EVENT_VALUES: Mapping[str, WireValue] = _table(
    {"NEW": Action.NEW, "ANSWER": Action.ANSWER, "HANGUP": Action.HANGUP},  # Inbound [NS]
    {
        "RING": Action.RING,
        "RINGING": Action.RING,  # [unverified] name
        "NOANSWER": Action.NO_ANSWER,
        "NOTANSWERED": Action.NO_ANSWER,
        "AGENTNOANSWER": Action.NO_ANSWER,
        "ABANDON": Action.ABANDON,
        "ABANDONED": Action.ABANDON,
        "HANGUPBEFOREANSWER": Action.ABANDON,
        "TRANSFER": Action.TRANSFER,
        "TRANSFERRED": Action.TRANSFER,
        "TRANSFERED": Action.TRANSFER,
        "START": Action.NEW,  # chat session opened
        "END": Action.HANGUP,  # chat session closed
        "CLOSE": Action.HANGUP,
        "CLOSED": Action.HANGUP,
    },
)

_SEPARATORS = re.compile(r"[\s_.\-]+")


def normalize(value: str) -> str:
    """The table key of a wire value: `answer_service`, `Answer-Service` -> `ANSWERSERVICE`."""
    return _SEPARATORS.sub("", value).upper()


def call_type_of(value: str) -> CallType | None:
    """The call type an `eventtype` value (or URI type) stands for; None when unknown."""
    found = TYPE_VALUES.get(normalize(value))
    return found.meaning if found is not None and isinstance(found.meaning, CallType) else None


def action_of(value: str) -> Action:
    """The action an `event` value (or URI event) stands for; Action.UNKNOWN when unknown."""
    found = EVENT_VALUES.get(normalize(value))
    return found.meaning if found is not None and isinstance(found.meaning, Action) else Action.UNKNOWN


@dataclass(frozen=True, slots=True)
class Hint:
    """A type or event fixed in the TVox URI, and the name to blame when it is wrong."""

    value: str
    name: str


@dataclass(frozen=True, slots=True)
class NativeKind:
    """The type and action of a native notification; `raw_event` keeps an unknown `event`."""

    call_type: CallType
    action: Action
    raw_event: str | None = None


def _echo(value: str) -> str:
    return repr(value[:MAX_ECHO] + ("..." if len(value) > MAX_ECHO else ""))


def _given(variables: Variables, variable: str, hint: Hint | None) -> Hint | None:
    """The URI's value when fixed there, else the variable's (None when neither is sent or both blank)."""
    if hint is not None and hint.value.strip():
        return hint
    value = variables.values.get(variable, "").strip()
    return Hint(value, variables.name(variable)) if value else None


def resolve(
    variables: Variables, *, uri_type: Hint | None = None, uri_event: Hint | None = None
) -> NativeKind:
    """The type and action of a notification: the URI's, else the `eventtype` / `event` variables'.

    Raises:
        InvalidEvent: no type or no event is given, or the type is unknown.
    """
    given_type = _given(variables, "eventtype", uri_type)
    if given_type is None:
        raise InvalidEvent(variables.name("eventtype"), f"missing (or fix it in the URI: ?{URI_TYPE}=...)")
    call_type = call_type_of(given_type.value)
    if call_type is None:
        raise InvalidEvent(given_type.name, f"unknown type {_echo(given_type.value)}")
    given_event = _given(variables, "event", uri_event)
    if given_event is None:
        raise InvalidEvent(variables.name("event"), f"missing (or fix it in the URI: ?{URI_EVENT}=...)")
    action = action_of(given_event.value)
    raw = given_event.value[:MAX_ECHO] if action is Action.UNKNOWN else None
    return NativeKind(call_type, action, raw)


# What to configure in the OCC, per type (for `tvox-config` and docs/webhooks.md).


@dataclass(frozen=True, slots=True)
class EventRow:
    """One OCC event row: its action, the Italian "Evento" label and the `event` value TVox sends."""

    action: Action
    label: str
    event_value: str | None  # what TVox sends in `event`, only when a source shows it
    label_verified: bool  # the OCC label is seen in a source


@dataclass(frozen=True, slots=True)
class NativeType:
    """One OCC "Tipo": its labels, known `eventtype` value, event rows and variables to map."""

    call_type: CallType
    label: str  # the OCC "Tipo" label
    label_verified: bool
    channels: tuple[str, ...]  # OCC "Canale"; with several, one web service each
    eventtype_value: str | None  # what TVox sends in `eventtype`, only when a source shows it
    events: tuple[EventRow, ...]
    variables: tuple[str, ...]  # TVox variables worth mapping ("Variabile evento di notifica")
    filterable: bool = False  # "Filtro" by service is offered
    popups: bool = False  # "Variabili popup" are offered


# Channel labels in the OCC, and the `channel` value the URI fixes for chats.
CHANNELS: Mapping[str, str] = MappingProxyType(
    {"Telefonico": "", "Chat - WEB": "web", "Chat - WhatsApp": "whatsapp"}
)

_COMMON = ("dateISO", "eventtype", "event")
_CALLER = ("clidname", "clidsurname", "clidcompany")
_SERVICE_VARIABLES = (*_COMMON, "idlastcall", "pin", "servizio", "cli", "dnis", *_CALLER, "abandonedCallId")
# Contact Center rows [tdoc]; the value names are inferred, the labels are the OCC's.
_SERVICE_EVENTS = (
    EventRow(Action.RING, "Chiamata in ring", None, True),
    EventRow(Action.ANSWER, "Chiamata di servizio, risposta", None, True),
    EventRow(Action.HANGUP, "Chiamata di servizio, abbattuta", None, True),
    EventRow(Action.ABANDON, "Chiamata abbattuta", None, True),
    EventRow(Action.NO_ANSWER, "Mancata risposta dell'agente", None, False),  # no label seen
)
# Answer Service, Power Dialer and chat rows: assumed to mirror Contact Center (fact sheet §2.4, §2.6, §2.7).
_ASSUMED_SERVICE_EVENTS = tuple(replace(row, label_verified=False) for row in _SERVICE_EVENTS)
_CALL_EVENTS = (  # Outbound labels [tdoc]; values inferred
    EventRow(Action.NEW, "Nuova chiamata", None, True),
    EventRow(Action.ANSWER, "Chiamata risposta", None, True),
    EventRow(Action.HANGUP, "Chiamata abbattuta", None, True),
)

NATIVE_TYPES: tuple[NativeType, ...] = (
    NativeType(
        CallType.INBOUND,
        "Inbound",
        True,
        ("Telefonico",),
        "INBOUNDCALL",
        (
            EventRow(Action.NEW, "Nuova chiamata", "NEW", False),  # label inferred from Outbound
            EventRow(Action.ANSWER, "Chiamata risposta", "ANSWER", True),
            EventRow(Action.HANGUP, "Chiamata abbattuta", "HANGUP", True),
        ),
        (*_COMMON, "id", "clid", "dnis", *_CALLER, "cliduid", "userdnis"),
    ),
    NativeType(
        CallType.OUTBOUND,
        "Chiamata outbound",
        True,
        ("Telefonico",),
        None,
        _CALL_EVENTS,
        (*_COMMON, "id", "dnis", "userclid"),
        popups=True,
    ),
    NativeType(
        CallType.SERVICE,
        "Chiamata servizio",
        True,
        ("Telefonico",),
        None,
        _SERVICE_EVENTS,
        _SERVICE_VARIABLES,
        filterable=True,
        popups=True,
    ),
    NativeType(
        CallType.ANSWER_SERVICE,
        "Answer Service",
        False,
        ("Telefonico",),
        None,
        _ASSUMED_SERVICE_EVENTS,
        _SERVICE_VARIABLES,
        filterable=True,
        popups=True,
    ),
    NativeType(
        CallType.TRANSFER,
        "Trasferita",
        True,
        ("Telefonico",),
        None,
        (EventRow(Action.TRANSFER, "Chiamata trasferita", None, True),),
        (*_COMMON, "id", "clid", "userdnis"),
    ),
    NativeType(
        CallType.POWER_DIALER,
        "Power Dialer",
        False,
        ("Telefonico",),
        None,
        _ASSUMED_SERVICE_EVENTS[:4],
        (*_COMMON, "idlastcall", "id", "pin", "servizio", "dnis", "campaignId", "listId"),
        popups=True,
    ),
    NativeType(
        CallType.CHAT,
        "Contact Center",
        False,
        ("Chat - WEB", "Chat - WhatsApp"),
        None,
        _ASSUMED_SERVICE_EVENTS[:4],
        (*_COMMON, "uniqueid", "pin", "servizio", "cli", *_CALLER),
        filterable=True,
        popups=True,
    ),
)

# Every TVox variable the parser reads (domain fields) or the resolver reads.
KNOWN_VARIABLES: frozenset[str] = frozenset(
    {
        "dateISO", "dateYMDms", "eventtype", "event", "id", "idlastcall", "uniqueid",
        "cli", "clid", "dnis", "pin", "userclid", "userdnis", "servizio",
        "clidname", "clidsurname", "clidcompany", "cliduid", "abandonedCallId",
        "campaignId", "listId", "channel",
    }
)  # fmt: skip


def is_known_variable(name: str) -> bool:
    """A TVox variable this service understands (`popup1`, `popup2`... included)."""
    return name in KNOWN_VARIABLES or POPUP_VARIABLE.fullmatch(name) is not None


def native_type(call_type: CallType) -> NativeType:
    """The OCC description of a call type."""
    return next(t for t in NATIVE_TYPES if t.call_type is call_type)
