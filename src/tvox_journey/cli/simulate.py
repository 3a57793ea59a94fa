"""`tvox-journey simulate`: realistic TVox Notification Service traffic at a server, measured and checked.

The calls come from `sim` (the same scenarios the tests and `demo` use); the
player sends them; `--verify` then reads the database and compares every
stored interaction with the fold of the requests sent.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tvox_journey.cli import app
from tvox_journey.cli.options import load_settings
from tvox_journey.cli.player import ClientKind, Endpoint, MethodChoice, PlayReport, Target, play, run
from tvox_journey.domain.events import CallEvent
from tvox_journey.domain.fold import fold
from tvox_journey.domain.interaction import Interaction
from tvox_journey.ingest.contract import TUTORIAL_ALIASES, find_tutorial_route
from tvox_journey.ingest.parse import map_variables, parse_event
from tvox_journey.sim import Call, Request, delivery_order, random_calls, tutorial_calls
from tvox_journey.store import event_log, interactions
from tvox_journey.store.engine import make_database

SERVICES = ("customercare", "sales", "support", "billing")
RANDOM_GAP = timedelta(seconds=30)  # mean time between two calls' starts
TUTORIAL_SPAN = timedelta(minutes=32)  # the tutorial's four calls, first ring to last hangup


class Scenario(StrEnum):
    RANDOM = "random"
    TUTORIAL = "tutorial"


def contact_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct numbers in the shapes TVox sends: landlines, mobiles, some international."""
    numbers: set[str] = set()
    while len(numbers) < count:
        shape = rng.random()
        if shape < 0.45:
            numbers.add(f"0{rng.choice(['2', '6', '45', '11', '51', '55'])}{rng.randint(1000000, 9999999)}")
        elif shape < 0.9:
            numbers.add(f"3{rng.randint(20, 99)}{rng.randint(1000000, 9999999)}")
        else:
            numbers.add(f"+39 3{rng.randint(20, 99)} {rng.randint(1000000, 9999999)}")
    return sorted(numbers)


def build_calls(
    scenario: Scenario, *, calls: int, seed: int, now: datetime, contacts: int = 200, agents: int = 20
) -> tuple[Call, ...]:
    """The calls of a run, ending about `now`: random ones, or rounds of the tutorial's four."""
    rng = random.Random(seed)
    if scenario is Scenario.TUTORIAL:
        rounds = max(1, -(-calls // 4))
        played: list[Call] = []
        for n in range(rounds):
            host = "".join(rng.choices("0123456789abcdef", k=10))
            played += tutorial_calls(now - TUTORIAL_SPAN * (rounds - n), host=host)
        return tuple(played)
    numbers = contact_numbers(rng, contacts)
    names = [f"op{i}" for i in range(1, max(agents, 1) + 1)]
    return random_calls(rng, calls, now - RANDOM_GAP * calls, numbers, names, SERVICES, mean_gap=RANDOM_GAP)


def parse_request(request: Request) -> CallEvent:
    """The event the server should make of a scenario request (whichever endpoint carried it)."""
    route = find_tutorial_route(request.path)
    if route is None:
        raise ValueError(f"not a tutorial path: {request.path}")
    variables = map_variables(request.params, {**TUTORIAL_ALIASES, **route.mapping}, route.required)
    return parse_event(route.call_type, route.action, variables, tvox_timezone=UTC)


def expected_journeys(requests: Iterable[Request]) -> dict[str, Interaction]:
    """Each call id's interaction, folded from its requests as the server folds them."""
    by_call: defaultdict[str, list[CallEvent]] = defaultdict(list)
    for request in requests:
        event = parse_request(request)
        by_call[event.call_id].append(event)
    folded = {call_id: fold(events) for call_id, events in by_call.items()}
    return {call_id: interaction for call_id, interaction in folded.items() if interaction is not None}


@dataclass
class Verification:
    """How the database compares with the expected journeys, and with the requests answered 2xx."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)  # call ids with no stored interaction
    wrong: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # call id, field, expected, stored
    logged: Counter[str] = field(default_factory=Counter)  # log rows of the run, by outcome
    answered: int = 0  # requests answered 2xx

    @property
    def lost(self) -> int:
        """Requests answered 2xx with no log row to show for them."""
        stored = sum(n for outcome, n in self.logged.items() if outcome != event_log.Outcome.REJECTED)
        return max(0, self.answered - stored)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong and self.lost == 0


def differences(expected: Interaction, stored: Interaction) -> list[tuple[str, Any, Any]]:
    """The fields of two interactions that differ: (name, expected, stored)."""
    return [
        (f.name, getattr(expected, f.name), getattr(stored, f.name))
        for f in fields(expected)
        if getattr(expected, f.name) != getattr(stored, f.name)
    ]


def log_position(database_url: str) -> int:
    """The last sequence number in the event log (0 when empty)."""
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            return event_log.max_seq(conn)
    finally:
        db.dispose()


def verify_database(
    database_url: str, expected: dict[str, Interaction], *, since_seq: int, answered: int
) -> Verification:
    """Compare the stored interactions with `expected`, and the log rows after `since_seq` with `answered`."""
    result = Verification(answered=answered)
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            for call_id, want in expected.items():
                result.checked += 1
                stored = interactions.get(conn, call_id)
                if stored is None:
                    result.missing.append(call_id)
                    continue
                result.wrong += [(call_id, *d) for d in differences(want, stored.interaction)]
            result.logged.update(event_log.outcomes_after(conn, since_seq))
    finally:
        db.dispose()
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary_lines(report: PlayReport) -> list[str]:
    """The end-of-run summary: events, errors by status, rate and latency percentiles."""
    statuses = ", ".join(
        f"{'no response' if status == 0 else status}: {n}" for status, n in sorted(report.statuses.items())
    )
    lines = [
        f"Sent {report.sent} events in {report.elapsed:.2f} s: {report.per_second:.0f} events/s",
        f"Answers: {statuses or 'none'}; errors: {report.failed}",
        f"Latency: p50 {_ms(report.percentile(50))}, p95 {_ms(report.percentile(95))}, "
        f"p99 {_ms(report.percentile(99))}, max {_ms(max(report.latencies, default=0.0))}",
    ]
    if report.errors:
        lines.append("No response: " + ", ".join(f"{name} ×{n}" for name, n in report.errors.most_common()))
    return lines


def verification_lines(result: Verification) -> list[str]:
    logged = ", ".join(f"{outcome} {n}" for outcome, n in sorted(result.logged.items())) or "none"
    lines = [
        f"Verified {result.checked} interactions: {len(result.missing)} missing, "
        f"{len(result.wrong)} wrong fields; log rows: {logged}; lost: {result.lost}"
    ]
    lines += [f"  missing: {call_id}" for call_id in result.missing[:10]]
    lines += [
        f"  {call_id} {name}: expected {want!r}, stored {got!r}"
        for call_id, name, want, got in result.wrong[:10]
    ]
    return lines


def play_with_progress(
    requests: Sequence[Request], target: Target, console: Console, **options: Any
) -> PlayReport:
    """Play `requests` with a progress bar on `console`."""
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>6.0f} ev/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Sending", total=len(requests), rate=0.0)
        started = datetime.now(UTC)

        def advance(_index: int, _request: Request, _status: int) -> None:
            elapsed = (datetime.now(UTC) - started).total_seconds()
            done = progress.tasks[0].completed + 1
            progress.update(task, completed=done, rate=done / elapsed if elapsed > 0 else 0.0)

        return run(play(requests, target, on_sent=advance, **options))


ScenarioOption = Annotated[Scenario, typer.Option(help="random: many mixed calls; tutorial: its four calls")]


@app.command()
def simulate(
    url: Annotated[str, typer.Option(help="Base URL of the server")] = "http://127.0.0.1:8000",
    endpoint: Annotated[
        Endpoint,
        typer.Option(help="tutorial: the tutorial's URIs; native: /tvox/events with TVox's variables"),
    ] = Endpoint.TUTORIAL,
    method: Annotated[MethodChoice, typer.Option(help="GET, POST, or each call's own")] = MethodChoice.MIXED,
    user: Annotated[str | None, typer.Option(help="Basic user (default TVOX_JOURNEY_WEBHOOK_USER)")] = None,
    password: Annotated[
        str | None, typer.Option(help="Basic password (default TVOX_JOURNEY_WEBHOOK_PASSWORD)")
    ] = None,
    scenario: ScenarioOption = Scenario.RANDOM,
    calls: Annotated[int | None, typer.Option(min=1, help="Calls to play (default 100; tutorial: 4)")] = None,
    contacts: Annotated[int, typer.Option(min=1, help="Distinct caller numbers (random scenario)")] = 200,
    agents: Annotated[int, typer.Option(min=2, help="Distinct agents (random scenario)")] = 20,
    concurrency: Annotated[int, typer.Option(min=1, help="Requests in flight at once")] = 16,
    rate: Annotated[float, typer.Option(min=0, help="Events per second (0: as fast as possible)")] = 0.0,
    shuffle: Annotated[bool, typer.Option(help="Deliver the events in random order")] = False,
    duplicates: Annotated[float, typer.Option(min=0, max=1, help="Fraction of events sent twice")] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: a new one each run)")] = None,
    client: Annotated[
        ClientKind,
        typer.Option(help="HTTP client: auto is the light raw one for http://, httpx for https://"),
    ] = ClientKind.AUTO,
    verify: Annotated[
        str | None, typer.Option(help="Database URL of the server: check the stored journeys afterwards")
    ] = None,
) -> None:
    """Play realistic TVox traffic at a server and summarise it; --verify checks every stored journey."""
    settings = load_settings()
    user = user if user is not None else settings.webhook_user
    if password is None and settings.webhook_password is not None:
        password = settings.webhook_password.get_secret_value()
    auth = (user, password or "") if user is not None else None
    seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
    count = calls or (4 if scenario is Scenario.TUTORIAL else 100)
    played = build_calls(
        scenario, calls=count, seed=seed, now=datetime.now(UTC), contacts=contacts, agents=agents
    )
    requests = delivery_order(played, random.Random(seed + 1), shuffle=shuffle, duplicates=duplicates)
    console = Console(stderr=True)
    typer.echo(
        f"Playing {len(played)} calls ({len(requests)} events, seed {seed}) at {url} "
        f"through the {endpoint} endpoint, {concurrency} at a time."
    )
    since = log_position(verify) if verify else 0
    report = play_with_progress(
        requests,
        Target(url, auth=auth, client=client),
        console,
        endpoint=endpoint,
        method=method,
        concurrency=concurrency,
        rate=rate,
    )
    for line in summary_lines(report):
        typer.echo(line)
    failed = report.failed > 0
    if verify:
        result = verify_database(verify, expected_journeys(requests), since_seq=since, answered=report.ok)
        for line in verification_lines(result):
            typer.echo(line)
        failed = failed or not result.ok
    if failed:
        raise typer.Exit(1)
