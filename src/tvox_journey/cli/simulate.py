"""`tvox-journey simulate`: realistic TVox Notification Service traffic at a server, measured and checked.

The calls come from `sim` (the same scenarios the tests and `demo` use); the
player (`traffic`) sends them; `--verify` then reads the database and compares
every stored interaction with the fold of the requests sent.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tvox_journey.cli import app
from tvox_journey.cli.options import load_settings
from tvox_journey.sim import Request, Scenario, build_calls, delivery_order
from tvox_journey.traffic.clients import ClientKind, Target
from tvox_journey.traffic.expected import expected_journeys
from tvox_journey.traffic.player import PlayReport, play, run
from tvox_journey.traffic.verify import Verification, log_position, verify_database
from tvox_journey.traffic.wire import Endpoint, MethodChoice


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
