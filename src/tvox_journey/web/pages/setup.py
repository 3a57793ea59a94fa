"""`/setup` (admin): every web service TVox should call, with its status, live; and the test call.

The rows are what `tvox-config` prints for this installation (the layout, method and types chosen on
the page; the server's mappings and webhook user), each with the status the setup checklist gives it
(ingest/checklist.py over store/setup.py: the same as `tvox-journey doctor`), the delays from TVox's
event time to the arrival here, and the requests no web service explains. The page follows the event
log over the live stream and re-fetches `/setup/status` on each change; the event log's facts are read
at most once a second per process (`FactsCache`), whatever the number of open pages and changes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams

from tvox_journey.ingest.checklist import (
    TIMING_WINDOW,
    WINDOW,
    build_checklist,
    chosen_layouts,
    configurations,
)
from tvox_journey.ingest.checklist_model import Checklist, ServiceRow
from tvox_journey.ingest.checklist_text import Language, sayer
from tvox_journey.ingest.mapping import route_of
from tvox_journey.ingest.native import NATIVE_TYPES
from tvox_journey.ingest.occ import OccConfiguration, WebService
from tvox_journey.store import event_log
from tvox_journey.store.setup import SCAN_ROWS, Traffic, read_traffic
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages import setup_trial
from tvox_journey.web.pages.common import CSRF, Admin
from tvox_journey.web.pages.render import language, render

router = APIRouter(include_in_schema=False)

LAYOUT_CHOICES = ("auto", "native", "tutorial")
METHODS = ("GET", "POST")
TYPES = tuple(spec.call_type.value for spec in NATIVE_TYPES)
FACTS_SECONDS = 1.0  # the event log's facts are read at most this often per process
STALE_SECONDS = 30.0  # ... and again after this long even when nothing new was logged
LIVE_MIN_INTERVAL_MS = 500  # a page re-fetches its status at most this often
PASSWORD_SETTING = "TVOX_JOURNEY_WEBHOOK_PASSWORD"
_CODE = re.compile(r"`([^`]*)`")
MAX_RUN = 2**62


@dataclass(frozen=True)
class Choice:
    """What the page shows: the layout (auto: those the event log shows), method and native types."""

    layout: str = "auto"
    method: str = "GET"
    types: frozenset[str] | None = None  # None: every type

    @classmethod
    def read(cls, values: QueryParams | FormData) -> Choice:
        """From a query string or a form; anything unknown falls back to the default."""
        layout = values.get("layout")
        method = values.get("method")
        chosen = frozenset(t for t in values.getlist("types") if isinstance(t, str) and t in TYPES)
        return cls(
            layout if layout in LAYOUT_CHOICES else "auto",
            method if method in METHODS else "GET",
            chosen if chosen and chosen != frozenset(TYPES) else None,
        )

    def pairs(self) -> list[tuple[str, str]]:
        found = [("layout", self.layout), ("method", self.method)]
        return found + [("types", t) for t in TYPES if self.types is not None and t in self.types]

    def query(self, **more: str) -> str:
        return urlencode(self.pairs() + list(more.items()))

    def has_type(self, call_type: str) -> bool:
        return self.types is None or call_type in self.types


@dataclass(frozen=True)
class Facts:
    traffic: Traffic
    at: datetime
    seq: int  # the event log's newest row when read


def _read_facts(resources: Resources) -> Facts:
    now = resources.now()
    with resources.db.read.connect() as conn:
        seq = event_log.max_seq(conn)
        traffic = read_traffic(conn, since=now - WINDOW, delays_since=now - TIMING_WINDOW)
    return Facts(traffic, now, seq)


def _newest_seq(resources: Resources) -> int:
    with resources.db.read.connect() as conn:
        return event_log.max_seq(conn)


class FactsCache:
    """The event log's facts for the checklist, read at most every `FACTS_SECONDS` per process.

    Every answer is at least as new as the log when it was asked for: when the log has moved on since
    the last read, the request waits for the next read allowed (without holding a thread). With nothing
    new, the facts are read again after `STALE_SECONDS` (the counts are over the last 24 hours)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._facts: Facts | None = None
        self._read_at = 0.0

    async def get(self, resources: Resources) -> Facts:
        async with self._lock:
            top = await run_in_threadpool(_newest_seq, resources)
            age = time.monotonic() - self._read_at
            if self._facts is not None and self._facts.seq >= top and age < STALE_SECONDS:
                return self._facts
            if self._facts is not None and age < FACTS_SECONDS:
                await asyncio.sleep(FACTS_SECONDS - age)
            self._facts = await run_in_threadpool(_read_facts, resources)
            self._read_at = time.monotonic()
            return self._facts


def facts_cache(request: Request) -> FactsCache:
    found: FactsCache | None = getattr(request.app.state, "setup_facts", None)
    if found is None:
        found = request.app.state.setup_facts = FactsCache()
    return found


def segments(text: str) -> list[tuple[bool, str]]:
    """A checklist text cut into (is code, text) pieces: `cli` is shown as code."""
    pieces: list[tuple[bool, str]] = []
    last = 0
    for found in _CODE.finditer(text):
        pieces += [(False, text[last : found.start()]), (True, found.group(1))]
        last = found.end()
    return [p for p in [*pieces, (False, text[last:])] if p[1]]


@dataclass(frozen=True)
class SetupRow:
    """One route of the checklist and the OCC web services that call it."""

    row: ServiceRow
    label: str  # the status, in the page's language
    detail: str  # the summary after the status
    services: tuple[WebService, ...]


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _display_configs(
    request: Request, resources: Resources, layouts: Sequence[str], choice: Choice
) -> list[OccConfiguration]:
    settings = resources.settings
    password = f"<{PASSWORD_SETTING}>" if settings.webhook_password is not None else None
    return configurations(
        layouts, resources.mappings, choice.types, base_url=_base_url(request), method=choice.method,
        username=settings.webhook_user, password=password,
    )  # fmt: skip


def _rows(checklist: Checklist, configs: Sequence[OccConfiguration], lang: Language) -> list[SetupRow]:
    by_route: dict[str, list[WebService]] = {}
    for config in configs:
        for service in config.web_services:
            route = route_of(service.uri[len(config.base_url) :].split("?", 1)[0])
            by_route.setdefault(route or "", []).append(service)
    say = sayer(lang, UTC)  # for the status words only
    rows = []
    for row in checklist.rows:
        label = say(row.status)
        detail = row.summary.removeprefix(f"{label}: ")
        rows.append(SetupRow(row, label, detail, tuple(by_route.get(row.route, []))))
    return rows


def status_context(request: Request, resources: Resources, choice: Choice, facts: Facts) -> dict[str, Any]:
    """What the status fragment shows: the rows, the requests no web service explains."""
    lang: Language = "en" if language(request) == "en" else "it"
    layouts = chosen_layouts(choice.layout, facts.traffic)
    checked = configurations(layouts, resources.mappings, choice.types)
    checklist = build_checklist(
        checked, resources.mappings, facts.traffic, now=facts.at, zone=resources.display_zone, language=lang
    )
    shown = _display_configs(request, resources, layouts, choice)
    return {
        "checklist": checklist,
        "rows": _rows(checklist, shown, lang),
        "layouts": layouts,
        "traffic": facts.traffic,
        "scan_rows": SCAN_ROWS,
        "segments": segments,
        "say": sayer(lang, resources.display_zone),
        "run": None,
    }


def _run(request: Request, resources: Resources, value: str | None) -> setup_trial.TrialRun | None:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    if not 0 < int(value) <= MAX_RUN:
        return None
    run = int(value)
    found = setup_trial.find_run(request.app, run)
    if found is not None:
        return found
    with resources.db.read.connect() as conn:
        return setup_trial.stored_run(conn, run)


def _context(request: Request, resources: Resources, facts: Facts) -> dict[str, Any]:
    choice = Choice.read(request.query_params)
    context = status_context(request, resources, choice, facts)
    context["run"] = _run(request, resources, request.query_params.get("run"))
    context["choice"] = choice
    return context


def _page(request: Request, resources: Resources, user: Admin, facts: Facts) -> Response:
    context = _context(request, resources, facts)
    choice: Choice = context["choice"]
    run = request.query_params.get("run")
    fragment = "/setup/status?" + choice.query(**({"run": run} if context["run"] is not None and run else {}))
    settings = resources.settings
    return render(
        request,
        "admin/setup.html",
        context
        | {
            "nav": "setup",
            "user": user,
            "fragment_url": fragment,
            "stream_url": f"/events?{urlencode({'scope': 'all', 'since': facts.seq})}",
            "min_interval": LIVE_MIN_INTERVAL_MS,
            "layout_choices": LAYOUT_CHOICES,
            "methods": METHODS,
            "types": TYPES,
            "webhook_user": settings.webhook_user,
            "has_password": settings.webhook_password is not None,
            "password_setting": PASSWORD_SETTING,
            "no_call": request.query_params.get("nocall") == "1",
        },
    )


@router.get("/setup")
async def setup_page(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Every web service TVox should call for this installation, its status live, and the test call."""
    facts = await facts_cache(request).get(resources)
    return await run_in_threadpool(_page, request, resources, user, facts)


def _status(request: Request, resources: Resources, facts: Facts) -> Response:
    return render(request, "admin/_setup_status.html", _context(request, resources, facts))


@router.get("/setup/status")
async def setup_status(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """The live part of /setup."""
    facts = await facts_cache(request).get(resources)
    return await run_in_threadpool(_status, request, resources, facts)


@router.post("/setup/test-call", dependencies=CSRF)
async def test_call(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Play one simulated call through the configured routes against this server, then remove it."""
    choice = Choice.read(await request.form())
    facts = await facts_cache(request).get(resources)
    layouts = chosen_layouts(choice.layout, facts.traffic)
    configs = configurations(layouts, resources.mappings, choice.types, method=choice.method)
    run = await setup_trial.start(
        request.app, resources, configs, actor=user.username, base_url=_base_url(request)
    )
    if run is None:
        return RedirectResponse(f"/setup?{choice.query(nocall='1')}", status_code=303)
    return RedirectResponse(f"/setup?{choice.query(run=str(run.run))}#test-call", status_code=303)
