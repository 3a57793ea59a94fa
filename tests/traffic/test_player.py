"""The player: scenario requests as HTTP requests, sent to a real server process, timed."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

from tests.server_process import free_port, running_server

from tvox_journey.sim import TUTORIAL_NUMBER, TUTORIAL_START, tutorial_calls
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.clients import ClientKind, Target, local_url, wait_until_up
from tvox_journey.traffic.player import TRANSPORT_ERROR, play, run
from tvox_journey.traffic.tutorial import compressed_schedule
from tvox_journey.traffic.wire import Endpoint, MethodChoice, to_wire

NOW = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def test_native_requests_carry_tvox_variables_and_the_type_in_variables_or_path() -> None:
    ring = tutorial_calls(NOW)[0].requests[0]
    in_variables = to_wire(ring, endpoint=Endpoint.NATIVE, method=MethodChoice.GET, index=0)
    in_path = to_wire(ring, endpoint=Endpoint.NATIVE, method=MethodChoice.POST, index=1)
    assert in_variables.path == "/tvox/events" and in_variables.body is None
    variables = dict(parse_qsl(in_variables.query))
    assert variables["eventtype"] == "SERVICE" and variables["event"] == "RING"
    assert variables["cli"] == TUTORIAL_NUMBER and variables["idlastcall"] == tutorial_calls(NOW)[0].call_id
    assert in_path.path == "/tvox/events/service/ring" and in_path.query == ""
    assert in_path.body is not None and "eventtype" not in dict(parse_qsl(in_path.body.decode()))


def test_tutorial_method_choice_overrides_each_calls_own() -> None:
    ring = tutorial_calls(NOW, method="GET")[0].requests[0]
    assert to_wire(ring, method=MethodChoice.POST).method == "POST"
    assert to_wire(ring).method == "GET"
    assert to_wire(ring).path == "/service/ring"


def test_the_player_runs_even_where_an_event_loop_is_already_running() -> None:
    async def inside_a_loop() -> int:
        return run(asyncio.sleep(0, result=7))

    with ThreadPoolExecutor(max_workers=1) as pool:  # a thread of its own, whatever this one runs
        assert pool.submit(asyncio.run, inside_a_loop()).result() == 7


def test_both_clients_get_the_same_answers_from_a_real_server(sqlite_url: str, tmp_path: Path) -> None:
    requests = [r for call in tutorial_calls(NOW) for r in call.requests]
    upgrade(sqlite_url)
    with running_server(sqlite_url, log_path=tmp_path / "server.log") as base:
        raw = run(play(requests, Target(base, client=ClientKind.RAW), concurrency=4))
        again = run(play(requests, Target(base, client=ClientKind.HTTPX), concurrency=4))
    assert raw.statuses == again.statuses == {200: len(requests)}
    assert raw.sent == len(raw.latencies) == len(requests) and raw.percentile(50) <= raw.percentile(99)


def test_a_server_that_is_not_there_counts_as_transport_errors_not_a_crash() -> None:
    requests = tutorial_calls(NOW)[0].requests
    report = run(play(requests, Target(f"http://127.0.0.1:{free_port()}", timeout=2), concurrency=2))
    assert report.sent == len(requests) and report.statuses == {TRANSPORT_ERROR: len(requests)}
    assert report.failed == len(requests) and sum(report.errors.values()) == len(requests)


def test_compressed_schedule_keeps_short_gaps_and_caps_long_ones() -> None:
    requests = [r for call in tutorial_calls(TUTORIAL_START) for r in call.requests]
    schedule = compressed_schedule(requests, max_gap=3.0)
    gaps = [b - a for a, b in zip(schedule, schedule[1:], strict=False)]
    assert schedule[0] == 0.0 and all(0 <= gap <= 3.0 + 1e-9 for gap in gaps)
    assert min(gaps) < 0.3  # the blind transfer follows op1's hangup by 236 ms
    assert schedule[-1] < 60
    assert compressed_schedule(requests, max_gap=0.0) == [0.0] * len(requests)


def test_waiting_for_a_server_that_never_answers_gives_up() -> None:
    assert not wait_until_up(f"http://127.0.0.1:{free_port()}", timeout=0.5)


def test_waiting_stops_once_the_server_is_known_gone_without_waiting_out_the_timeout() -> None:
    checks: list[bool] = []

    def gone() -> bool:
        checks.append(True)
        return len(checks) > 2  # the process exited while we waited

    assert not wait_until_up(f"http://127.0.0.1:{free_port()}", timeout=600, gone=gone)
    assert len(checks) == 3


def test_the_traffic_goes_to_this_machine_whatever_address_is_served() -> None:
    assert local_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert local_url("::", 8000) == "http://[::1]:8000"
    assert local_url("127.0.0.1", 9000) == "http://127.0.0.1:9000"
