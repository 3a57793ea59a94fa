"""The tutorial's four calls played at a server in compressed real time (what `demo` shows live)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from tvox_journey.sim import Request, tutorial_calls_until
from tvox_journey.traffic.clients import Target
from tvox_journey.traffic.player import PlayReport, play, run
from tvox_journey.traffic.wire import MethodChoice

MAX_GAP = 3.0  # seconds between two demo events at most (the tutorial's calls span half an hour)


def compressed_schedule(requests: Sequence[Request], *, max_gap: float = MAX_GAP) -> list[float]:
    """Start times in seconds for requests in time order: their real gaps, none longer than `max_gap`."""
    schedule: list[float] = []
    at = 0.0
    for previous, request in zip([None, *requests], requests, strict=False):
        if previous is not None:
            at += min((request.at - previous.at).total_seconds(), max_gap)
        schedule.append(at)
    return schedule


def tutorial_requests(now: datetime) -> list[Request]:
    """The requests `play_tutorial` sends, in time order: the tutorial's calls, the last event at `now`."""
    return sorted((r for call in tutorial_calls_until(now) for r in call.requests), key=lambda r: r.at)


def play_tutorial(
    base_url: str,
    *,
    now: datetime,
    auth: tuple[str, str] | None = None,
    max_gap: float = MAX_GAP,
    echo: Callable[[str], None] | None = None,
) -> PlayReport:
    """Send the tutorial's four calls to `base_url`, one event at a time, time compressed.

    Their times end at `now`: the calls span half an hour but play in under a minute, so
    starting them at `now` would put their last events half an hour in the future.
    `echo`, when given, is told each event sent and its answer, one line each.
    """
    requests = tutorial_requests(now)
    schedule = compressed_schedule(requests, max_gap=max_gap)

    def tell(index: int, request: Request, status: int) -> None:
        if echo is not None:
            answer = status or "no answer"
            echo(f"  +{schedule[index]:5.1f} s  {request.path:<18} call {request.call_id}  -> {answer}")

    target = Target(base_url, auth=auth)
    return run(
        play(requests, target, method=MethodChoice.MIXED, concurrency=1, schedule=schedule, on_sent=tell)
    )
