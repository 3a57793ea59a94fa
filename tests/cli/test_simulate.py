"""`tvox-journey simulate` against a real server process: every journey stored as the scenarios say."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server_process import running_server
from typer.testing import CliRunner

from tvox_journey.cli import app
from tvox_journey.store.migrate import upgrade

runner = CliRunner()


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
