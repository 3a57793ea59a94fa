"""The test call of the /setup page: one simulated call through the configured routes, then removed.

How it is played: in-process, through the app's own ASGI stack (`httpx.ASGITransport`), not over the
server's listening address. The requests pass everything a TVox request passes from the HTTP layer up:
the request guard, the request id, metrics, the security headers, the webhook's Basic authentication
with the configured credentials, the variable mapping, the parser, the writer and the fold. Over the
network the server could not always reach itself: it may listen on an address only the proxy in front
of it reaches, behind TLS it does not terminate, in a container whose port is mapped elsewhere, or on
several workers. What it does not exercise is therefore what lies between TVox and the server
(network, firewall, proxy, TLS); and it comes from an address `TVOX_JOURNEY_WEBHOOK_ALLOW_NETWORKS`
allows (127.0.0.1, else the first address of the first network), since the server's own address is not
TVox's.

How it is kept out of the data: its call id ends with `@tvox-journey-test` and its number is
`+0000000000` (domain/trial_call.py). Before the first request its interaction is written hidden
(`cleared`), so no journey, board, list, search or export ever shows it, even for the second it exists;
the setup checklist skips its rows. Once played, its interaction and its event log rows are deleted
(store/trial_calls.py), and two user actions stay in the log: `setup/test-call` (started, by whom) and
`setup/test-call/done` (each step's status, whether it folded, the rows removed). /metrics counts its
requests, which are real requests.

Progress lives in this process (`Trials`); another process of the same installation shows the result
from the `setup/test-call/done` row once it is written.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import ip_address, ip_network
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Connection

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.fold import fold
from tvox_journey.domain.trial_call import (
    TRIAL_AGENT,
    TRIAL_NUMBER,
    TRIAL_SERVICE,
    TRIAL_TARGET,
    trial_call_id,
)
from tvox_journey.ingest.occ import OccConfiguration
from tvox_journey.live.broadcaster import Change
from tvox_journey.services import recording
from tvox_journey.sim import wire_time
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store import trial_calls
from tvox_journey.traffic.configured import CallValues, ConfiguredRequest, TrialPlan, trial_plan
from tvox_journey.web.deps import Resources

log = logging.getLogger(__name__)

STEP_SECONDS = 0.5  # between two requests: a person sees each step turn green
REQUEST_TIMEOUT = 30.0
MAX_RUNS = 20  # runs remembered per process
STARTED, DONE = "setup/test-call", "setup/test-call/done"
RUNNING, FINISHED, ELSEWHERE = "running", "done", "elsewhere"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Step:
    """One request of the test call and how it went (status None: not sent yet)."""

    label: str  # the OCC Tipo and Evento
    method: str
    path: str
    status: int | None = None
    detail: str = ""  # the reason of a refusal

    @property
    def state(self) -> str:
        if self.status is None:
            return "pending"
        return "ok" if self.status == 200 else "failed"

    def written(self) -> str:
        return f"{self.status if self.status is not None else '-'} | {self.method} {self.path} | {self.label}"

    @classmethod
    def read(cls, text: str) -> Step:
        status, _, rest = text.partition(" | ")
        request, _, label = rest.partition(" | ")
        method, _, path = request.partition(" ")
        return cls(label, method, path, int(status) if status.isascii() and status.isdigit() else None)


@dataclass
class TrialRun:
    """A test call: `run` is the sequence number of its `setup/test-call` row."""

    run: int
    call_id: str
    steps: list[Step]
    skipped: list[str] = field(default_factory=list)
    state: str = RUNNING
    folded: bool | None = None  # its events folded into one (hidden) interaction
    removed: int | None = None  # event log rows removed afterwards
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == FINISHED and self.folded is True and all(s.state == "ok" for s in self.steps)


@dataclass
class Trials:
    """This process's test calls, newest last, and the tasks playing them."""

    runs: dict[int, TrialRun] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def remember(self, run: TrialRun) -> None:
        self.runs[run.run] = run
        while len(self.runs) > MAX_RUNS:
            del self.runs[next(iter(self.runs))]

    def running(self) -> TrialRun | None:
        return next((r for r in reversed(self.runs.values()) if r.state == RUNNING), None)


def trials(app: FastAPI) -> Trials:
    found: Trials | None = getattr(app.state, "setup_trials", None)
    if found is None:
        found = app.state.setup_trials = Trials()
    return found


def find_run(app: FastAPI, run: int) -> TrialRun | None:
    """A test call this process played (or plays), if it remembers it."""
    found: Trials | None = getattr(app.state, "setup_trials", None)
    return found.runs.get(run) if found is not None else None


def client_address(networks: list[str]) -> str:
    """The address the test call comes from: loopback, unless the allowed networks leave it out."""
    loopback = ip_address("127.0.0.1")
    parsed = [ip_network(n, strict=False) for n in networks]
    if not parsed or any(loopback in n for n in parsed):
        return str(loopback)
    first = parsed[0]
    return str(next(iter(first.hosts()), first.network_address))


def _label(request: ConfiguredRequest) -> str:
    return f"{request.event.type} · {request.event.event}"


def _path(request: ConfiguredRequest) -> str:
    return request.wire.path


def _placeholder(call_id: str, first: ConfiguredRequest) -> interaction_store.StoredInteraction:
    """The hidden row the test call's events fold into."""
    event = CallEvent(
        call_id=call_id,
        call_type=CallType(first.event.call_type),
        action=Action(first.event.action),
        occurred=Instant(first.at, wire_time(first.at)),
        number=TRIAL_NUMBER,
    )
    interaction = fold([event])
    assert interaction is not None
    return interaction_store.StoredInteraction(interaction, TRIAL_NUMBER, False, 0, cleared=True)


def plan_for(configs: list[OccConfiguration], now: datetime) -> tuple[str, TrialPlan]:
    call_id = trial_call_id(int(now.timestamp()), secrets.randbelow(1_000_000))
    values = CallValues(call_id, TRIAL_NUMBER, agent=TRIAL_AGENT, target=TRIAL_TARGET, service=TRIAL_SERVICE)
    return call_id, trial_plan(configs, values, now, gap=timedelta(seconds=STEP_SECONDS))


async def start(
    app: FastAPI, resources: Resources, configs: list[OccConfiguration], *, actor: str, base_url: str
) -> TrialRun | None:
    """Record the start, hide the call's interaction and play it in the background; None when no
    configured web service takes a call."""
    registry = trials(app)
    running = registry.running()
    if running is not None:
        return running
    now = resources.now()
    call_id, plan = plan_for(configs, now)
    if not plan.requests:
        return None
    placeholder = _placeholder(call_id, plan.requests[0])
    layouts = ",".join(c.layout for c in configs)

    def write(conn: Connection) -> int:
        trial_calls.hide_calls(conn, [placeholder])
        details = [("call_id", call_id), ("layouts", layouts), ("steps", str(len(plan.requests)))]
        return recording.record_action(conn, actor=actor, action=STARTED, details=details, now=now)

    seq = await resources.writer.run(write)
    resources.broadcaster.publish(Change(seq, kind="action"))
    steps = [Step(_label(r), r.wire.method, _path(r)) for r in plan.requests]
    skipped = [f"{t.value} {a.value}" for t, a in plan.skipped]
    run = TrialRun(seq, call_id, steps, skipped)
    registry.remember(run)
    task = asyncio.create_task(_play(app, resources, run, plan, base_url), name=f"setup-test-call-{seq}")
    registry.tasks.add(task)
    task.add_done_callback(registry.tasks.discard)
    return run


def _detail(response: httpx.Response) -> str:
    if response.status_code == 200:
        return ""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200]
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail)[:200] if detail else response.text[:200]


async def _send(client: httpx.AsyncClient, request: ConfiguredRequest) -> httpx.Response:
    wire = request.wire
    url = wire.path + (f"?{wire.query}" if wire.query else "")
    headers = {"content-type": FORM} if wire.body is not None else None
    return await client.request(wire.method, url, content=wire.body, headers=headers)


async def _play(app: FastAPI, resources: Resources, run: TrialRun, plan: TrialPlan, base_url: str) -> None:
    settings = resources.settings
    auth = None
    if settings.webhook_user is not None and settings.webhook_password is not None:
        auth = (settings.webhook_user, settings.webhook_password.get_secret_value())
    client_host = client_address(settings.webhook_allow_networks)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(client_host, 50_000))
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url=base_url, auth=auth, timeout=REQUEST_TIMEOUT
        ) as client:
            for index, (step, request) in enumerate(zip(run.steps, plan.requests, strict=True)):
                await asyncio.sleep(max(0.0, began + index * STEP_SECONDS - loop.time()))
                response = await _send(client, request)
                step.status, step.detail = response.status_code, _detail(response)
        with resources.db.read.connect() as conn:
            stored = interaction_store.get(conn, run.call_id)
        run.folded = stored is not None and stored.cleared and stored.number_key == TRIAL_NUMBER
    except Exception as error:  # reported on the page and in the log; the rows are still removed
        log.exception("test call %s failed", run.call_id)
        run.error = f"{type(error).__name__}: {error}"[:300]
    finally:
        await _finish(resources, run)


async def _finish(resources: Resources, run: TrialRun) -> None:
    now = resources.now()

    def write(conn: Connection) -> tuple[int, int]:
        removed = trial_calls.remove_calls(conn, [run.call_id], after_seq=run.run)
        details = [("run", str(run.run)), ("call_id", run.call_id)]
        details += [("step", step.written()) for step in run.steps]
        details += [("folded", "yes" if run.folded else "no"), ("removed", str(removed))]
        if run.error:
            details.append(("error", run.error))
        return removed, recording.record_action(conn, actor=None, action=DONE, details=details, now=now)

    try:
        run.removed, seq = await resources.writer.run(write)
        resources.broadcaster.publish(Change(seq, kind="action"))
    except Exception as error:  # the server is stopping, or the database is gone: say so
        log.exception("test call %s: its rows were not removed", run.call_id)
        run.error = run.error or f"{type(error).__name__}: {error}"[:300]
    run.state = FINISHED


def stored_run(conn: Connection, run: int) -> TrialRun | None:
    """A test call from the event log (one another process played): None when `run` is not one."""
    started = trial_calls.action_row(conn, run, STARTED)
    if started is None:
        return None
    details = dict(started)
    done = trial_calls.done_row(conn, run, DONE)
    if done is None:
        return TrialRun(run, details.get("call_id", ""), [], state=ELSEWHERE)
    steps = [Step.read(value) for name, value in done if name == "step"]
    found = dict(done)
    return TrialRun(
        run,
        found.get("call_id", ""),
        steps,
        state=FINISHED,
        folded=found.get("folded") == "yes",
        removed=int(removed)
        if (removed := found.get("removed", "")).isascii() and removed.isdigit()
        else None,
        error=found.get("error"),
    )
