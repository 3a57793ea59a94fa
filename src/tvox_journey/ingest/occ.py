"""The TVox OCC Notification Service configuration that matches this contract (pure).

Native layout: where the `eventtype`/`event` values are documented (Inbound)
one web service at /tvox/events reads them from the variables; every other
(type, event) gets its own URI /tvox/events/{type}/{event}, so no guessed
value is relied upon (docs/assumptions.md). Tutorial layout: the tutorial's
nine URIs. Variable names follow the effective mapping (built-in, mapping
file, admin page), so what TVox sends is what the installation reads.
`tvox-journey tvox-config` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from tvox_journey.ingest.contract import TUTORIAL_ROUTES, Route
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.native import (
    CHANNELS,
    NATIVE_ROUTE,
    NATIVE_TYPES,
    EventRow,
    NativeType,
    native_type,
)
from tvox_journey.ingest.parse import POPUP_VARIABLE

CONNECT_TIMEOUT = 2  # seconds; the OCC takes whole seconds
RESPONSE_TIMEOUT = 5  # we answer after the commit: leave room for a busy database


@dataclass(frozen=True)
class Variable:
    """One row of "Variabili": TVox's name -> the name sent to us."""

    tvox: str  # Variabile evento di notifica
    web_service: str  # Variabile web service


@dataclass(frozen=True)
class OccEvent:
    """One event row of a web service, as the OCC asks for it, and what it stands for here."""

    channel: str  # Canale
    type: str  # Tipo
    event: str  # Evento
    filter: str | None  # Filtro: one service code, None for every service
    filterable: bool  # the OCC offers Filtro for this type
    call_type: str
    action: str
    eventtype_value: str | None  # what TVox sends in `eventtype`, when documented
    event_value: str | None  # what TVox sends in `event`, when documented
    labels_documented: bool  # Tipo and Evento labels seen in a source (else assumed)
    variables: list[Variable]
    popup_variables: list[Variable] = field(default_factory=list)


@dataclass(frozen=True)
class WebService:
    """One OCC Notification Service entry ("Nuovo")."""

    name: str  # Nome
    method: str  # Tipo: GET or POST
    uri: str  # Uri
    username: str | None
    password: str | None  # where the password is configured, never the password
    connect_timeout: int  # Timeout connessione
    response_timeout: int  # Timeout risposta
    events: list[OccEvent]


@dataclass(frozen=True)
class OccConfiguration:
    layout: str
    base_url: str
    web_services: list[WebService]


def _variables(names: dict[str, str], variables: tuple[str, ...] | list[str]) -> list[Variable]:
    return [Variable(v, names.get(v, v)) for v in variables]


def _popups(names: dict[str, str]) -> list[Variable]:
    configured = sorted((v, i) for v, i in names.items() if POPUP_VARIABLE.fullmatch(v))
    return [Variable(v, i) for v, i in configured] or [Variable("popup1", "popup1")]


def _event(
    spec: NativeType, row: EventRow, channel: str, names: dict[str, str], filter_: str | None
) -> OccEvent:
    return OccEvent(
        channel=channel,
        type=spec.label,
        event=row.label,
        filter=filter_ if spec.filterable else None,
        filterable=spec.filterable,
        call_type=spec.call_type.value,
        action=row.action.value,
        eventtype_value=spec.eventtype_value,
        event_value=row.event_value,
        labels_documented=spec.label_verified and row.label_verified,
        variables=_variables(names, spec.variables),
        popup_variables=_popups(names) if spec.popups else [],
    )


@dataclass(frozen=True)
class _Common:
    base_url: str
    method: str
    username: str | None
    password: str | None
    connect_timeout: int
    response_timeout: int
    filter: str | None

    def service(
        self, name: str, path: str, events: list[OccEvent], query: dict[str, str] | None = None
    ) -> WebService:
        uri = f"{self.base_url}/{path}" + (f"?{urlencode(query)}" if query else "")
        return WebService(
            name, self.method, uri, self.username, self.password,
            self.connect_timeout, self.response_timeout, events,
        )  # fmt: skip


def native_services(
    common: _Common, mappings: Mappings, types: frozenset[str] | None = None
) -> list[WebService]:
    """The native layout: /tvox/events for documented values, a URI per type and event otherwise."""
    names = mappings.names(NATIVE_ROUTE)
    services: list[WebService] = []
    for spec in NATIVE_TYPES:
        if types is not None and spec.call_type.value not in types:
            continue
        if spec.eventtype_value is not None and all(row.event_value for row in spec.events):
            rows = [
                _event(spec, row, channel, names, common.filter)
                for channel in spec.channels
                for row in spec.events
            ]
            services.append(common.service(f"tvox-journey {spec.call_type.value}", NATIVE_ROUTE, rows))
            continue
        for channel in spec.channels:
            value = CHANNELS[channel]
            for row in spec.events:
                title = (
                    f"tvox-journey {spec.call_type.value}{' ' + value if value else ''} {row.action.value}"
                )
                path = f"{NATIVE_ROUTE}/{spec.call_type.value}/{row.action.value}"
                event = _event(spec, row, channel, names, common.filter)
                services.append(common.service(title, path, [event], {"channel": value} if value else None))
    return services


def _tutorial_events(route: Route, names: dict[str, str], filter_: str | None) -> list[OccEvent]:
    spec = native_type(route.call_type)
    labels = route.label.split(" + ")
    variables = [Variable(v, names.get(v, w)) for w, v in route.mapping.items()]
    return [
        OccEvent(
            channel="Telefonico",
            type=spec.label,
            event=label,
            filter=filter_ if spec.filterable else None,
            filterable=spec.filterable,
            call_type=route.call_type.value,
            action=route.action.value,
            eventtype_value=None,
            event_value=None,
            labels_documented=True,  # the tutorial shows these rows
            variables=variables,
        )
        for label in labels
    ]


def tutorial_services(common: _Common, mappings: Mappings) -> list[WebService]:
    """The tutorial layout: its nine URIs (`.php` accepted too) with its variable names."""
    return [
        common.service(
            f"tvox-journey {path}", path, _tutorial_events(route, mappings.names(path), common.filter)
        )
        for path, route in TUTORIAL_ROUTES.items()
    ]


def occ_configuration(
    mappings: Mappings,
    *,
    base_url: str,
    username: str | None = None,
    password: str | None = None,
    layout: str = "native",
    method: str = "GET",
    connect_timeout: int = CONNECT_TIMEOUT,
    response_timeout: int = RESPONSE_TIMEOUT,
    service_filter: str | None = None,
    types: frozenset[str] | None = None,
) -> OccConfiguration:
    """Every web service to create in the OCC for an installation with these mappings.

    `username` is the webhook user; `password` says where its password is
    configured (never the password itself), None when webhooks take none.
    """
    base = base_url.rstrip("/")
    common = _Common(base, method, username, password, connect_timeout, response_timeout, service_filter)
    services = (
        native_services(common, mappings, types)
        if layout == "native"
        else tutorial_services(common, mappings)
    )
    return OccConfiguration(layout, base, services)
