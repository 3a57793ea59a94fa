"""`tvox-journey demo`: the tutorial's setting, and its calls played at a server so the journey fills in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.server_process import free_port, running_server
from typer.testing import CliRunner

from tvox_journey import services
from tvox_journey.cli import app
from tvox_journey.cli.demo import (
    DEMO_CONTACT,
    compressed_schedule,
    create_demo_database,
    local_url,
    play_tutorial,
    wait_until_up,
)
from tvox_journey.cli.simulate import expected_journeys
from tvox_journey.sim import TUTORIAL_START, tutorial_calls
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions, names
from tvox_journey.store.engine import make_database

runner = CliRunner()
NOW = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def test_demo_without_serving_seeds_mario_rossi_and_the_tutorials_names(tmp_path: Path) -> None:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.demo  # noqa: F401

    path = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--no-serve", "--no-traffic", "--path", str(path)])
    assert result.exit_code == 0, result.output
    assert "Contact card of Mario Rossi" in result.output
    db = make_database(f"sqlite:///{path}")
    try:
        with db.read.connect() as conn:
            found = services.find_contact_for_number(conn, DEMO_CONTACT[2], services.NumberPolicy())
            known = names.all_names(conn)
    finally:
        db.dispose()
    assert [(c.name, c.surname) for c in found] == [("Mario", "Rossi")]
    assert known[names.AGENT] == {"op1": "Operatore 1", "op2": "Operatore 2"}


def test_demo_traffic_fills_in_mario_rossis_journey_on_a_running_server(tmp_path: Path) -> None:
    url, contact_id = create_demo_database(tmp_path / "demo.db", services.NumberPolicy())
    told: list[str] = []
    with running_server(url, log_path=tmp_path / "server.log") as base:
        report = play_tutorial(base, now=NOW, max_gap=0.0, echo=told.append)
    assert report.ok == report.sent == 18
    assert len(told) == 18 and "service/ring" in told[0] and "-> 200" in told[0]
    expected = expected_journeys(r for call in tutorial_calls(NOW) for r in call.requests)
    db = make_database(url)
    try:
        with db.read.connect() as conn:
            contact = contact_store.get(conn, contact_id)
            assert contact is not None
            journey = interactions.journey(conn, contact.number_keys)
    finally:
        db.dispose()
    assert [s.interaction for s in journey] == [expected[c.call_id] for c in reversed(tutorial_calls(NOW))]


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


def test_the_traffic_goes_to_this_machine_whatever_address_is_served() -> None:
    assert local_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert local_url("::", 8000) == "http://[::1]:8000"
    assert local_url("127.0.0.1", 9000) == "http://127.0.0.1:9000"
