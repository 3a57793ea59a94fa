"""A scenario request as it goes on the wire: the tutorial's URIs or the native endpoint, GET or POST."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from tvox_journey.ingest.contract import find_tutorial_route, tutorial_mapping
from tvox_journey.sim import Request

NATIVE_PATH = "/tvox/events"
FORM = "application/x-www-form-urlencoded"


class Endpoint(StrEnum):
    """Which webhooks to call: the tutorial's URIs, or the native /tvox/events."""

    TUTORIAL = "tutorial"
    NATIVE = "native"


class MethodChoice(StrEnum):
    """GET or POST for every request, or each scenario request's own (mixed)."""

    GET = "get"
    POST = "post"
    MIXED = "mixed"


@dataclass(frozen=True, slots=True)
class Wire:
    """One HTTP request as it goes on the wire: method, path, query and form body."""

    method: str
    path: str
    query: str
    body: bytes | None


def native_form(request: Request, index: int) -> tuple[str, list[tuple[str, str]]]:
    """A tutorial request as the native endpoint takes it: TVox's own variable names.

    Even positions carry the type and event as `eventtype` / `event` variables,
    odd ones in the `/tvox/events/{type}/{event}` path, so both forms get traffic.
    """
    route = find_tutorial_route(request.path)
    if route is None:
        raise ValueError(f"not a tutorial path: {request.path}")
    names = tutorial_mapping(route)
    params = [(names.get(wire, wire), value) for wire, value in request.params]
    if index % 2:
        return f"{NATIVE_PATH}/{route.call_type.value}/{route.action.value}", params
    kind = [("eventtype", route.call_type.value.upper()), ("event", route.action.value.upper())]
    return NATIVE_PATH, kind + params


def to_wire(
    request: Request,
    *,
    endpoint: Endpoint = Endpoint.TUTORIAL,
    method: MethodChoice = MethodChoice.MIXED,
    index: int = 0,
) -> Wire:
    """The HTTP request to send for a scenario request; `mixed` keeps the scenario's own method."""
    verb = request.method if method is MethodChoice.MIXED else method.value.upper()
    if endpoint is Endpoint.NATIVE:
        path, params = native_form(request, index)
    else:
        path, params = "/" + request.path.lstrip("/"), list(request.params)
    encoded = urlencode(params)
    if verb == "GET":
        return Wire("GET", path, encoded, None)
    return Wire("POST", path, "", encoded.encode())
