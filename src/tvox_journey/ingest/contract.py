"""The wire contract: tutorial routes and the TVox variables each one carries.

Wire names (`callId`, `callerNumber`...) live only here, in `sim/` and in
`transfer/`. A route maps the names a TVox administrator typed ("Variabile web
service") to TVox's own variable names ("Variabile evento di notifica").

`route_event` is the one way from a route and a request's parameters to an
event: the webhooks, the legacy import, the simulator's expectations and the
tests all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, tzinfo
from types import MappingProxyType

from tvox_journey.domain.events import Action, CallEvent, CallType
from tvox_journey.ingest.parse import map_variables, parse_event


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
# The number of the tutorial's contact, Mario Rossi: the demo seeds it and the card points to it.
TUTORIAL_NUMBER = "0452224600"
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


def tutorial_mapping(route: Route) -> Mapping[str, str]:
    """The tutorial's names for a route's variables, its published aliases (`transfer`) included."""
    return MappingProxyType({**TUTORIAL_ALIASES, **route.mapping})


def route_event(
    route: Route,
    params: Iterable[tuple[str, str]],
    *,
    tvox_timezone: tzinfo = UTC,
    raw_event: str | None = None,
) -> CallEvent:
    """The event a request on `route` carries: `params` renamed by the route's mapping, then parsed.

    Raises:
        InvalidEvent: a variable is repeated with different values, or missing, empty or unparsable.
    """
    variables = map_variables(params, route.mapping, route.required)
    return parse_event(
        route.call_type, route.action, variables, tvox_timezone=tvox_timezone, raw_event=raw_event
    )


def tutorial_event(path: str, params: Iterable[tuple[str, str]], *, tvox_timezone: tzinfo = UTC) -> CallEvent:
    """The event a request on a tutorial path (`.php` or not) carries, with the tutorial's names.

    Raises:
        ValueError: not a tutorial path.
        InvalidEvent: as `route_event`.
    """
    route = find_tutorial_route(path)
    if route is None:
        raise ValueError(f"not a tutorial path: {path}")
    return route_event(replace(route, mapping=tutorial_mapping(route)), params, tvox_timezone=tvox_timezone)
