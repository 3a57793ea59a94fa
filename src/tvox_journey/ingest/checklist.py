"""The setup checklist of the web services: what TVox should send against what it sends (pure).

The expected side is the OCC configuration `tvox-config` prints (`ingest/occ.py`), with the
effective variable mappings; the observed side is what the newest rows of the event log show per
request path (`store/setup.py`, read through the `Seen`/`Observed` protocols of `checklist_model`, so
that this module imports `domain` and `ingest` only). Each configured route gets a status:

- waiting: nothing received yet;
- working: requests arrive and are accepted (the last one's time, the count over the last 24 hours);
- incomplete: requests are accepted but a variable that matters never arrives or is always empty,
  an unknown `event` value arrives, or a parameter arrives that nothing reads (a typo in the OCC);
- failing: the newest request was refused (wrong credentials, an address not allowed, a 422...).

Requests on paths that match no configured route are listed with a guess of what they are, and each
route's delays from TVox's event time to the arrival here are summed up, with a warning when they point
at a clock or a time zone set wrong (`checklist_timing`). `tvox-journey doctor` prints the checklist and
the /setup page shows it; its texts are Italian or English (`checklist_text`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from tvox_journey.domain.events import CallType
from tvox_journey.ingest.checklist_model import (
    FAIL,
    FAILING,
    INCOMPLETE,
    INFO,
    OK,
    WAITING,
    WARN,
    WORKING,
    Checklist,
    LastRequest,
    Observed,
    Problem,
    Seen,
    ServiceRow,
    Stray,
    worst,
)
from tvox_journey.ingest.checklist_text import Language, Say, refusal_fix, sayer
from tvox_journey.ingest.checklist_timing import route_timing
from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.ingest.mapping import Mappings, route_of
from tvox_journey.ingest.native import NATIVE_ROUTE, URI_EVENT, URI_TYPE
from tvox_journey.ingest.native import is_known_variable as known
from tvox_journey.ingest.occ import OccConfiguration, OccEvent, Variable, WebService, occ_configuration
from tvox_journey.ingest.parse import number_variables

WINDOW = timedelta(hours=24)  # "recent": the counts and the age of the last request
TIMING_WINDOW = timedelta(hours=1)  # the delays from TVox's event time to the arrival here
LAYOUTS = ("native", "tutorial")
# Without these no event can be placed in a call: a request lacking them is refused (422), so they are
# never "missing" from accepted requests.
_CALL_ID_AND_TIME = frozenset({"dateISO", "dateYMDms", "idlastcall", "id", "uniqueid"})
_WITH_SERVICE = frozenset({CallType.SERVICE, CallType.ANSWER_SERVICE})
_NOT_INCOMPLETE = frozenset({"refused_earlier", "clock"})  # worth a look, but the events arrive whole


def chosen_layouts(layout: str, observed: Observed) -> list[str]:
    """The layouts to check: the one asked for, or (auto) those the event log shows, native by default."""
    if layout in LAYOUTS:
        return [layout]
    routes = [route for p in observed.paths if (route := route_of(p.path)) is not None]
    tutorial = any(r in TUTORIAL_ROUTES for r in routes)
    native = any(r.startswith(NATIVE_ROUTE) for r in routes)
    return ["native"] * (native or not tutorial) + ["tutorial"] * tutorial


def configurations(
    layouts: Sequence[str],
    mappings: Mappings,
    types: frozenset[str] | None,
    *,
    base_url: str = "",
    method: str = "GET",
    username: str | None = None,
    password: str | None = None,
) -> list[OccConfiguration]:
    """What `tvox-config` prints for these layouts (by default the URIs as paths: the host does not matter
    to the checklist)."""
    return [
        occ_configuration(
            mappings,
            base_url=base_url,
            layout=layout,
            types=types,
            method=method,
            username=username,
            password=password,
        )  # fmt: skip
        for layout in layouts
    ]


@dataclass(frozen=True)
class _Expected:
    route: str
    path: str
    tutorial: bool
    services: tuple[WebService, ...]


def _expected(configs: Sequence[OccConfiguration]) -> list[_Expected]:
    """The configured routes, in the order of the configurations, web services grouped by URI path."""
    found: dict[str, _Expected] = {}
    for config in configs:
        for service in config.web_services:
            path = service.uri[len(config.base_url) :].split("?", 1)[0]
            route = route_of(path)
            assert route is not None, path
            known_route = found.get(route)
            services = (*known_route.services, service) if known_route else (service,)
            found[route] = _Expected(route, path, config.layout == "tutorial", services)
    return list(found.values())


def _groups(expected: _Expected) -> list[tuple[Variable, ...]]:
    """The variables that matter on a route beyond the call id and the time: each group needs one of its
    variables to arrive with a value. Tutorial routes: every variable the tutorial maps. Native routes:
    the contact's number (not for chats), the service code (service calls), the transfer's target."""
    groups: dict[tuple[str, ...], tuple[Variable, ...]] = {}
    for event in (e for s in expected.services for e in s.events):
        offered = {v.tvox: v for v in event.variables}
        wanted: list[tuple[str, ...]]
        if expected.tutorial:
            wanted = [(v.tvox,) for v in event.variables if v.tvox not in _CALL_ID_AND_TIME]
        else:
            wanted = _native_groups(event)
        for group in wanted:
            variables = tuple(offered[v] for v in group if v in offered)
            if variables:
                groups.setdefault(tuple(v.tvox for v in variables), variables)
    return list(groups.values())


def _native_groups(event: OccEvent) -> list[tuple[str, ...]]:
    call_type = CallType(event.call_type)
    groups = [] if call_type is CallType.CHAT else [number_variables(call_type)]
    if call_type in _WITH_SERVICE:
        groups.append(("servizio",))
    if call_type is CallType.TRANSFER:
        groups.append(("userdnis",))
    return groups


def _event_problems(expected: _Expected, seen: _Merged, say: Say) -> list[Problem]:
    """On a URI that takes several kinds of event (the native Inbound web service): the kinds that never
    arrive while others do, among the sampled requests."""
    rows: dict[tuple[str, str], OccEvent] = {}
    for event in (e for s in expected.services for e in s.events):
        rows.setdefault((event.call_type, event.action), event)
    if len(rows) < 2 or not seen.kinds:
        return []
    return [
        Problem("event_missing", WARN, say("event_missing", type=e.type, event=e.event, count=seen.sampled))
        for kind, e in rows.items()
        if kind not in seen.kinds
    ]


def _variable_problems(
    expected: _Expected, mapping: Mapping[str, str], seen: _Merged, say: Say
) -> list[Problem]:
    if seen.sampled == 0:
        return []

    def variable(name: str) -> str:
        return mapping.get(name, name)

    received = {variable(n) for n in seen.names}
    filled = {variable(n) for n in seen.filled}
    problems = []
    for group in _groups(expected):
        tvox = [v.tvox for v in group]
        if not received.intersection(tvox):
            first = group[0]
            message = say("missing", name=first.web_service, tvox=first.tvox)
            problems.append(Problem("missing", FAIL, message, first.tvox, first.web_service))
        elif not filled.intersection(tvox):
            arrived = next(v for v in group if v.tvox in received)
            name = next((n for n in sorted(seen.names) if variable(n) == arrived.tvox), arrived.web_service)
            message = say("empty", name=name, tvox=arrived.tvox, count=seen.sampled)
            problems.append(Problem("empty", FAIL, message, arrived.tvox, name))
    fixed_in_uri = {URI_TYPE, URI_EVENT} if not expected.tutorial else set()
    candidates = sorted(
        {v.web_service for s in expected.services for e in s.events for v in e.variables} | set(mapping)
    )
    for name in sorted(seen.names):
        if known(variable(name)) or name in fixed_in_uri:
            continue
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        message = say("unread_typo", name=name, other=close[0]) if close else say("unread", name=name)
        problems.append(Problem("unread", WARN, message, None, name))
    return problems


@dataclass
class _Merged:
    """The traffic of every path of one route, added up."""

    paths: list[str]
    accepted: int = 0
    accepted_recent: int = 0
    last_accepted_at: datetime | None = None
    unrecognized: int = 0
    unrecognized_last: tuple[datetime, str | None] | None = None
    refused: int = 0
    refused_recent: int = 0
    refused_last: tuple[datetime, int | None, str | None] | None = None
    sampled: int = 0
    names: frozenset[str] = frozenset()
    filled: frozenset[str] = frozenset()
    delays: list[float] = field(default_factory=list)
    kinds: set[tuple[str, str]] = field(default_factory=set)

    def add(self, seen: Seen) -> None:
        self.paths.append(seen.path)
        self.accepted += seen.accepted
        self.accepted_recent += seen.accepted_recent
        self.last_accepted_at = _newest(self.last_accepted_at, seen.last_accepted_at)
        self.unrecognized += seen.unrecognized
        if seen.last_unrecognized_at and _newest(self.last_unrecognized_at, seen.last_unrecognized_at) is (
            seen.last_unrecognized_at
        ):
            self.unrecognized_last = (seen.last_unrecognized_at, seen.last_unrecognized_reason)
        self.refused += seen.refused
        self.refused_recent += seen.refused_recent
        if (
            seen.last_refused_at
            and _newest(self.last_refused_at, seen.last_refused_at) is seen.last_refused_at
        ):
            self.refused_last = (seen.last_refused_at, seen.last_refused_status, seen.last_refused_reason)
        self.sampled += seen.sampled
        self.names |= seen.names
        self.filled |= seen.filled
        self.delays.extend(seen.delays)
        self.kinds |= seen.kinds

    @property
    def last_unrecognized_at(self) -> datetime | None:
        return self.unrecognized_last[0] if self.unrecognized_last else None

    @property
    def last_refused_at(self) -> datetime | None:
        return self.refused_last[0] if self.refused_last else None

    @property
    def last_ok_at(self) -> datetime | None:
        """The newest request that got through (accepted or unrecognized)."""
        return _newest(self.last_accepted_at, self.last_unrecognized_at)


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two times (`b` when equal), None when neither is set."""
    if a is None or (b is not None and b >= a):
        return b
    return a


def _row(expected: _Expected, mappings: Mappings, seen: _Merged, observed: Observed, say: Say) -> ServiceRow:
    mapping = mappings.for_route(expected.route if expected.tutorial else NATIVE_ROUTE)
    problems = _variable_problems(expected, mapping, seen, say) + _event_problems(expected, seen, say)
    if seen.unrecognized_last is not None:
        message = say(
            "unrecognized",
            events=say.count(seen.unrecognized, "events"),
            reason=seen.unrecognized_last[1] or "",
        )
        problems.append(Problem("unrecognized", WARN, message))
    timing = route_timing(seen.delays, say)
    if timing is not None and timing.kind is not None:
        problems.append(Problem("clock", timing.level, timing.message))
    refused_at, refused_status, refused_reason = seen.refused_last or (None, None, None)
    if seen.last_ok_at is None and refused_at is None:
        status, level = WAITING, INFO
        detail = say("nothing") + ("" if observed.covers_all else say("not_recently", rows=observed.scanned))
    elif refused_at is not None and (seen.last_ok_at is None or refused_at > seen.last_ok_at):
        status, level = FAILING, FAIL
        detail = say(
            "refused", refused=say.count(seen.refused, "refused"), at=say.time(refused_at),
            status=refused_status, reason=refused_reason or "", fix=refusal_fix(say, refused_status),
        )  # fmt: skip
    else:
        at_least = say("at_least") if not observed.covers_since else ""
        detail = say("accepted", at=say.time(seen.last_ok_at), count=seen.accepted_recent, at_least=at_least)
        if seen.refused_recent:
            message = say(
                "refused_earlier", refused=say.count(seen.refused_recent, "refused"), at=say.time(refused_at),
                status=refused_status, reason=refused_reason or "",
            )  # fmt: skip
            problems.append(Problem("refused_earlier", WARN, message))
        status = INCOMPLETE if any(p.kind not in _NOT_INCOMPLETE for p in problems) else WORKING
        level = worst([p.level for p in problems])
    return ServiceRow(
        route=expected.route,
        path=expected.path,
        services=tuple(s.name for s in expected.services),
        status=status,
        level=level,
        summary=f"{say(status)}: {detail}",
        problems=tuple(problems),
        seen_paths=tuple(sorted(seen.paths)),
        accepted_recent=seen.accepted_recent,
        recent_complete=observed.covers_since,
        last_accepted_at=seen.last_accepted_at,
        refused_recent=seen.refused_recent,
        last_refused_at=refused_at,
        last_refused_status=refused_status,
        last_refused_reason=refused_reason,
        timing=timing,
    )


def _stray(seen: Seen, expected: Sequence[_Expected], say: Say) -> Stray:
    route = route_of(seen.path)
    requests = seen.accepted + seen.duplicates + seen.unrecognized + seen.refused
    level = WARN
    if route is not None and route in TUTORIAL_ROUTES:
        guess = say("stray_tutorial", path=seen.path)
    elif route is not None and all(e.tutorial for e in expected):
        guess = say("stray_native")
    elif route is not None:
        guess = say("stray_native_other")
    elif seen.path.strip("/").startswith(NATIVE_ROUTE + "/"):
        guess = say("stray_native_unknown")
    else:
        key = seen.path.strip("/").removesuffix(".php")
        targets = {e.route: e.path for e in expected} | {r: f"/{r}" for r in TUTORIAL_ROUTES}
        close = difflib.get_close_matches(key, list(targets), n=1, cutoff=0.8)
        names = seen.names | seen.refused_names
        tvox_names = {n for r in TUTORIAL_ROUTES.values() for n in r.mapping}
        if close:
            guess = say("stray_typo", path=targets[close[0]])
        elif any(known(n) or n in tvox_names for n in names):
            guess = say("stray_tvox")
        else:
            guess, level = say("stray_other"), INFO
    return Stray(seen.path, requests, seen.last_at, level, guess)


def _last_request(observed: Observed, now: datetime, say: Say) -> LastRequest:
    best: tuple[datetime, str] | None = None
    for seen in observed.paths:
        if route_of(seen.path) is None:
            continue
        at = _newest(seen.last_accepted_at, seen.last_unrecognized_at)
        if at is not None and (best is None or at > best[0]):
            best = (at, seen.path)
    if best is None:
        scope = "" if observed.covers_all else say("not_recently", rows=observed.scanned)
        return LastRequest(None, None, INFO, say("last_none") + scope)
    at, path = best
    if now - at > WINDOW:
        hours = int((now - at) / timedelta(hours=1))
        return LastRequest(path, at, WARN, say("last_old", at=say.time(at), path=path, hours=hours))
    return LastRequest(path, at, OK, say("last", at=say.time(at), path=path))


def build_checklist(
    configs: Sequence[OccConfiguration],
    mappings: Mappings,
    observed: Observed,
    *,
    now: datetime,
    zone: tzinfo,
    language: Language = "it",
) -> Checklist:
    """The status of every route the configurations ask for, and the requests no route explains."""
    say = sayer(language, zone)
    expected = _expected(configs)
    by_route: dict[str, _Merged] = {e.route: _Merged([]) for e in expected}
    strays = []
    for seen in observed.paths:
        route = route_of(seen.path)
        if route is not None and route in by_route:
            by_route[route].add(seen)
        else:
            strays.append(_stray(seen, expected, say))
    rows = tuple(_row(e, mappings, by_route[e.route], observed, say) for e in expected)
    last = _last_request(observed, now, say)
    return Checklist(tuple(c.layout for c in configs), rows, tuple(strays), last)
