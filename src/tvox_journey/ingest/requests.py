"""A webhook request read: its route key for the log, and its event or why it has none.

The one reading of a request, from its path and parameters with the current
variable mapping: the webhooks read each request as it arrives, and a replay
(replay.py) reads a stored one again after a mapping was fixed. Pure: imports
`domain` and `ingest` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

from tvox_journey.domain.events import Action, CallEvent
from tvox_journey.ingest.contract import Route, find_tutorial_route, route_event
from tvox_journey.ingest.errors import InvalidEvent
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.ingest.native import NATIVE_ROUTE, URI_EVENT, URI_TYPE, Hint, NativeKind, resolve
from tvox_journey.ingest.parse import map_variables

Pairs = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Reading:
    """What a request says: the log's route key, and its event (`invalid` says why there is none)."""

    route: str
    event: CallEvent | None = None
    invalid: InvalidEvent | None = None

    @property
    def unrecognized(self) -> bool:
        """Its `event` value is none this server knows: stored and counted, never folded as an action."""
        return self.event is not None and self.event.action is Action.UNKNOWN

    @property
    def reason(self) -> str | None:
        """The log's reason: the refusal, or the unknown event value."""
        if self.invalid is not None:
            return str(self.invalid)
        if self.event is not None and self.unrecognized:
            return f"unrecognized event {self.event.raw_event!r}"
        return None


def without(params: Pairs, fixed: Pairs) -> list[tuple[str, str]]:
    """`params` less the first occurrence of each pair in `fixed`."""
    rest = list(params)
    for pair in fixed:
        if pair in rest:
            rest.remove(pair)
    return rest


def read_tutorial(
    route: Route, params: Pairs, mapping: Mapping[str, str], *, tvox_timezone: tzinfo = UTC
) -> Reading:
    """A request on a tutorial route, its variables named by `mapping` (the route's effective one)."""
    mapped = Route(route.path, route.call_type, route.action, mapping, route.required)
    try:
        return Reading(route.path, route_event(mapped, params, tvox_timezone=tvox_timezone))
    except InvalidEvent as invalid:
        return Reading(route.path, invalid=invalid)


def _query_hint(params: Pairs, query_pairs: int, name: str) -> tuple[str, str] | None:
    """The first `name` pair of the query string: the URI's own, as TVox appends its variables after it."""
    for pair in params[:query_pairs]:
        if pair[0] == name:
            return pair
    return None


def _route_key(kind: NativeKind, fixed_in_path: int) -> str:
    """The log's route: deliveries of different path events must not count as duplicates."""
    parts = [NATIVE_ROUTE, kind.call_type.value, kind.action.value][: 1 + fixed_in_path]
    return "/".join(parts)


def read_native(
    params: Pairs,
    *,
    query_pairs: int,
    path_type: str | None,
    path_event: str | None,
    mapping: Mapping[str, str],
    tvox_timezone: tzinfo = UTC,
) -> Reading:
    """A request on /tvox/events: the type and event from the path, else the URI's query, else the variables.

    `query_pairs`: how many of `params` came from the query string (a POST body's follow).
    """
    fixed: list[tuple[str, str]] = []
    hints: dict[str, Hint] = {}
    for name, segment in ((URI_TYPE, path_type), (URI_EVENT, path_event)):
        if segment is not None:
            hints[name] = Hint(segment, name)
        elif (pair := _query_hint(params, query_pairs, name)) is not None:
            fixed.append(pair)
            hints[name] = Hint(pair[1], name)
    variables = without(params, fixed)
    try:
        kind = resolve(
            map_variables(variables, mapping), uri_type=hints.get(URI_TYPE), uri_event=hints.get(URI_EVENT)
        )
    except InvalidEvent as invalid:
        return Reading(NATIVE_ROUTE, invalid=invalid)
    route = _route_key(kind, (path_type is not None) + (path_event is not None))
    try:
        event = route_event(
            Route(route, kind.call_type, kind.action, mapping),
            variables,
            tvox_timezone=tvox_timezone,
            raw_event=kind.raw_event,
        )
    except InvalidEvent as invalid:
        return Reading(route, invalid=invalid)
    return Reading(route, event)


def native_segments(path: str) -> tuple[str | None, str | None] | None:
    """The type and event a /tvox/events path fixes (None where it fixes none); None for another path."""
    parts = path.strip("/").split("/")
    base = NATIVE_ROUTE.split("/")
    for start in range(len(parts) - len(base) + 1):
        if parts[start : start + len(base)] == base:
            rest = parts[start + len(base) :]
            if len(rest) > 2 or any(not segment for segment in rest):
                return None
            return (rest[0] if rest else None), (rest[1] if len(rest) > 1 else None)
    return None


def read_request(
    path: str, params: Pairs, *, query_pairs: int, mappings: Mappings, tvox_timezone: tzinfo = UTC
) -> Reading | None:
    """A request as the webhook of its path reads it (None: no webhook has that path).

    The path is the one the request was sent to: a tutorial URI (with or without `.php`) or
    /tvox/events with up to two segments.
    """
    tutorial = find_tutorial_route(path)
    if tutorial is not None:
        return read_tutorial(tutorial, params, mappings.for_route(tutorial.path), tvox_timezone=tvox_timezone)
    segments = native_segments(path)
    if segments is None:
        return None
    path_type, path_event = segments
    return read_native(
        params,
        query_pairs=query_pairs,
        path_type=path_type,
        path_event=path_event,
        mapping=mappings.for_route(NATIVE_ROUTE),
        tvox_timezone=tvox_timezone,
    )
