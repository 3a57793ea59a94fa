"""`tvox-journey simulate` against a real server process: every journey stored as the scenarios say."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from tests.server_process import running_server
from typer.testing import CliRunner

from tvox_journey.cli import app
from tvox_journey.cli.player import Endpoint, MethodChoice, run, to_wire
from tvox_journey.cli.simulate import (
    Scenario,
    build_calls,
    contact_numbers,
    expected_journeys,
    verify_database,
)
from tvox_journey.sim import TUTORIAL_NUMBER, delivery_order, tutorial_calls
from tvox_journey.store.migrate import upgrade

runner = CliRunner()
NOW = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def simulate(*args: str) -> tuple[int, str]:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.simulate  # noqa: F401

    result = runner.invoke(app, ["simulate", *args])
    return result.exit_code, result.output


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A server on a fresh SQLite file: (its base URL, its database URL)."""
    upgrade(sqlite_url)
    with running_server(sqlite_url, log_path=tmp_path / "server.log") as base:
        yield base, sqlite_url


def test_shuffled_and_duplicated_traffic_is_stored_without_a_lost_or_wrong_field(
    server: tuple[str, str],
) -> None:
    base, database = server
    code, output = simulate(
        "--url", base, "--calls", "80", "--shuffle", "--duplicates", "0.2", "--seed", "11",
        "--concurrency", "8", "--verify", database,
    )  # fmt: skip
    assert code == 0, output
    assert "errors: 0" in output
    assert "0 missing, 0 wrong fields" in output and "lost: 0" in output
    assert "duplicate" in output


def test_native_endpoint_traffic_posted_folds_to_the_same_journeys(server: tuple[str, str]) -> None:
    base, database = server
    code, output = simulate(
        "--url", base, "--endpoint", "native", "--method", "post", "--calls", "40", "--seed", "12",
        "--verify", database,
    )  # fmt: skip
    assert code == 0, output
    assert "0 missing, 0 wrong fields" in output and "lost: 0" in output


def test_tutorial_scenario_plays_mario_rossis_four_calls(server: tuple[str, str]) -> None:
    base, database = server
    code, output = simulate(
        "--url", base, "--scenario", "tutorial", "--client", "httpx", "--verify", database
    )
    assert code == 0, output
    assert "(18 events" in output and "Answers: 200: 18" in output


def test_credentials_are_sent_and_refusals_are_counted(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    env = {"TVOX_JOURNEY_WEBHOOK_USER": "tvox", "TVOX_JOURNEY_WEBHOOK_PASSWORD": "s3cret"}
    with running_server(sqlite_url, env=env, log_path=tmp_path / "server.log") as base:
        code, output = simulate(
            "--url", base, "--calls", "5", "--seed", "1", "--user", "tvox", "--password", "s3cret"
        )
        assert code == 0, output
        code, output = simulate(
            "--url", base, "--calls", "5", "--seed", "2", "--user", "tvox", "--password", "no"
        )
    assert code == 1
    assert "401: " in output


def test_verification_names_calls_that_were_never_stored(server: tuple[str, str]) -> None:
    _base, database = server
    requests = [r for call in tutorial_calls(NOW) for r in call.requests]
    result = verify_database(database, expected_journeys(requests), since_seq=0, answered=0)
    assert not result.ok
    assert len(result.missing) == result.checked == 5  # four calls and the consultation call


def test_verification_counts_answers_with_no_log_row_as_lost(server: tuple[str, str]) -> None:
    _base, database = server
    result = verify_database(database, {}, since_seq=0, answered=3)
    assert result.lost == 3 and not result.ok


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


def test_tutorial_rounds_have_distinct_call_ids_and_end_before_now() -> None:
    calls = build_calls(Scenario.TUTORIAL, calls=10, seed=3, now=NOW)
    assert len(calls) == 12
    assert len({call.call_id for call in calls}) == 12
    assert max(r.at for call in calls for r in call.requests) <= NOW


def test_random_scenario_is_reproducible_from_its_seed() -> None:
    first = build_calls(Scenario.RANDOM, calls=30, seed=9, now=NOW, contacts=10, agents=3)
    again = build_calls(Scenario.RANDOM, calls=30, seed=9, now=NOW, contacts=10, agents=3)
    assert first == again
    assert len({call.number for call in first}) <= 10
    order = delivery_order(first, random.Random(1), shuffle=True, duplicates=0.5)
    assert len(order) == round(1.5 * sum(len(call.requests) for call in first))


def test_contact_numbers_are_distinct_and_phone_shaped() -> None:
    numbers = contact_numbers(random.Random(4), 300)
    assert len(set(numbers)) == 300
    assert all(n.replace(" ", "").lstrip("+").isdigit() for n in numbers)


def test_the_player_runs_even_where_an_event_loop_is_already_running() -> None:
    async def inside_a_loop() -> int:
        return run(asyncio.sleep(0, result=7))

    with ThreadPoolExecutor(max_workers=1) as pool:  # a thread of its own, whatever this one runs
        assert pool.submit(asyncio.run, inside_a_loop()).result() == 7
