"""The wire contract: tutorial routes and the TVox variables each one carries.

Wire names (`callId`, `callerNumber`...) live only here, in `sim/` and in
`transfer/`. A route maps the names a TVox administrator typed ("Variabile web
service") to TVox's own variable names ("Variabile evento di notifica").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tvox_journey.domain.events import Action, CallType


@dataclass(frozen=True, slots=True)
class Route:
    """A webhook path: the event it stands for and its variable mapping (wire -> TVox)."""

    path: str
    call_type: CallType
    action: Action
    mapping: Mapping[str, str]
    required: frozenset[str] = field(default_factory=frozenset)
    label: str = ""  # the TVox OCC event label (Italian), for tvox-config


# Without these no event can be placed in a call's timeline or linked to a contact.
_REQUIRED = frozenset({"dateISO", "idlastcall", "id", "cli", "clid", "dnis"})


def _route(path: str, call_type: CallType, action: Action, label: str, **mapping: str) -> tuple[str, Route]:
    return path, Route(
        path=path,
        call_type=call_type,
        action=action,
        mapping=MappingProxyType(mapping),
        required=frozenset(mapping.values()) & _REQUIRED,
        label=label,
    )


# The tutorial's nine URIs (../shared/reference/tutorial-contract.md, "Endpoints").
TUTORIAL_ROUTES: Mapping[str, Route] = MappingProxyType(
    dict(
        [
            _route(
                "service/ring",
                CallType.SERVICE,
                Action.RING,
                "Chiamata in ring",
                dateTime="dateISO",
                callId="idlastcall",
                agent="pin",
                service="servizio",
                callerNumber="cli",
            ),
            _route(
                "service/answer",
                CallType.SERVICE,
                Action.ANSWER,
                "Chiamata di servizio, risposta",
                dateTime="dateISO",
                callId="idlastcall",
                callerNumber="cli",
            ),
            _route(
                "service/hangup",
                CallType.SERVICE,
                Action.HANGUP,
                "Chiamata di servizio, abbattuta + Chiamata abbattuta",
                dateTime="dateISO",
                callId="idlastcall",
                callerNumber="cli",
            ),
            _route(
                "outbound/new",
                CallType.OUTBOUND,
                Action.NEW,
                "Nuova chiamata",
                dateTime="dateISO",
                callId="id",
                calledNumber="dnis",
                agent="userclid",
            ),
            _route(
                "outbound/answer",
                CallType.OUTBOUND,
                Action.ANSWER,
                "Chiamata risposta",
                dateTime="dateISO",
                callId="id",
                calledNumber="dnis",
            ),
            _route(
                "outbound/hangup",
                CallType.OUTBOUND,
                Action.HANGUP,
                "Chiamata abbattuta",
                dateTime="dateISO",
                callId="id",
                calledNumber="dnis",
            ),
            _route(
                "transfer/transfer",
                CallType.TRANSFER,
                Action.TRANSFER,
                "Chiamata trasferita",
                dateTime="dateISO",
                callId="id",
                callerNumber="clid",
                transferToAgent="userdnis",
            ),
            _route(
                "transfer/answer",
                CallType.INBOUND,
                Action.ANSWER,
                "Chiamata risposta",
                dateTime="dateISO",
                callId="id",
                callerNumber="clid",
            ),
            _route(
                "transfer/hangup",
                CallType.INBOUND,
                Action.HANGUP,
                "Chiamata abbattuta",
                dateTime="dateISO",
                callId="id",
                callerNumber="clid",
            ),
        ]
    )
)

# A published tutorial request sends the transfer target as `transfer=op2`.
TUTORIAL_ALIASES: Mapping[str, str] = MappingProxyType({"transfer": "userdnis"})


def find_tutorial_route(path: str) -> Route | None:
    """The tutorial route for a request path, with or without `.php` and slashes."""
    key = path.strip("/")
    if key.endswith(".php"):
        key = key[: -len(".php")]
    return TUTORIAL_ROUTES.get(key)
