"""What the simulator expects and how it checks the database: the tutorial's journeys, stored or not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.server_process import running_server

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.sim import tutorial_calls, tutorial_calls_until
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.expected import expected_journeys
from tvox_journey.traffic.tutorial import play_tutorial
from tvox_journey.traffic.verify import log_position, verify_database

NOW = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def test_verification_names_calls_that_were_never_stored(db_url: str) -> None:
    upgrade(db_url)
    requests = [r for call in tutorial_calls(NOW) for r in call.requests]
    result = verify_database(db_url, expected_journeys(requests), since_seq=0, answered=0)
    assert not result.ok
    assert len(result.missing) == result.checked == 5  # four calls and the consultation call


def test_verification_counts_answers_with_no_log_row_as_lost(db_url: str) -> None:
    upgrade(db_url)
    result = verify_database(db_url, {}, since_seq=0, answered=3)
    assert result.lost == 3 and not result.ok


def test_the_tutorial_played_at_a_server_fills_in_mario_rossis_journey(
    sqlite_url: str, tmp_path: Path
) -> None:
    upgrade(sqlite_url)
    db = make_database(sqlite_url)
    try:
        with db.write.begin() as conn:
            numbers = contact_services.contact_numbers(["0452224600"], NumberPolicy())
            contact_id = contact_store.create(
                conn, name="Mario", surname="Rossi", company=None, numbers=numbers, now=NOW
            )
    finally:
        db.dispose()
    told: list[str] = []
    since = log_position(sqlite_url)
    with running_server(sqlite_url, log_path=tmp_path / "server.log") as base:
        report = play_tutorial(base, now=NOW, max_gap=0.0, echo=told.append)
    assert report.ok == report.sent == 18
    assert len(told) == 18 and "service/ring" in told[0] and "-> 200" in told[0]
    expected = expected_journeys(r for call in tutorial_calls_until(NOW) for r in call.requests)
    assert verify_database(sqlite_url, expected, since_seq=since, answered=report.ok).ok
    db = make_database(sqlite_url)
    try:
        with db.read.connect() as conn:
            contact = contact_store.get(conn, contact_id)
            assert contact is not None
            journey = interactions.journey(conn, contact.number_keys)
    finally:
        db.dispose()
    assert [s.interaction for s in journey] == [
        expected[c.call_id] for c in reversed(tutorial_calls_until(NOW))
    ]
