"""Journeys have one total order, the same on SQLite and PostgreSQL, and paging always ends.

An interaction whose events carry no sortable instant (only agents not
answering, or unknown events) once had no sort time: its cursor could not be
passed and the journey returned the same page forever.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store import interactions
from tvox_journey.store.engine import Database, make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.interactions import Cursor
from tvox_journey.store.migrate import upgrade

POLICY = NumberPolicy()
T0 = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
# Call ids that sort differently by code point and by a linguistic collation.
CALL_IDS = ["a", "B", "b", "_x", "Z9", "z", "1605867847.783@d92061befe", "é", "É", "a-b", "ab", "A"]
NUMBERS = itertools.count()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    upgrade(db_url)
    database = make_database(db_url)
    if database.write.dialect.name == "postgresql":
        # As on a server whose default collation is linguistic (en_US.UTF-8 and the like).
        with database.write.begin() as conn:
            conn.execute(
                text('ALTER TABLE interactions ALTER COLUMN call_id TYPE varchar(255) COLLATE "und-x-icu"')
            )
    yield database
    database.dispose()


@dataclass(frozen=True)
class Call:
    call_id: str
    seconds: int  # event time, T0 + seconds (few values: ties are common)
    sortable: bool  # a ring (an opening instant), or only an agent not answering


def entry(call: Call, number: str) -> LogEntry:
    at = T0 + timedelta(seconds=call.seconds)
    action = Action.RING if call.sortable else Action.NO_ANSWER
    event = CallEvent(
        call.call_id, CallType.SERVICE, action, Instant(at, at.isoformat()), number=number, agent="op1"
    )
    params = (("callId", call.call_id), ("dateTime", at.isoformat()), ("n", number), ("a", action.value))
    return LogEntry(T0, "GET", "/tvox/events", "tvox/events", params, LogOutcome.ACCEPTED, 200, event=event)


def record(db: Database, calls: list[Call], number: str) -> str:
    with db.write.begin() as conn:
        recording.record_many(conn, [entry(call, number) for call in calls], POLICY)
    key = POLICY.key(number)
    assert key is not None
    return key


def page_through(db: Database, key: str, size: int) -> list[str]:
    """Every call id of a journey, page after page; fails instead of looping."""
    seen: list[str] = []
    cursor = None
    with db.read.connect() as conn:
        for _ in range(200):
            page = interactions.journey(conn, [key], limit=size, after=cursor)
            seen += [s.interaction.call_id for s in page]
            if len(page) < size:
                return seen
            cursor = Cursor.after(page[-1])
    raise AssertionError(f"paging did not end: {seen[:20]}...")


def expected_order(calls: list[Call]) -> list[str]:
    """Newest first, then call id by code point, descending."""
    return [c.call_id for c in sorted(calls, key=lambda c: (c.seconds, c.call_id), reverse=True)]


unique_calls = st.lists(
    st.builds(Call, st.sampled_from(CALL_IDS), st.integers(0, 3), st.booleans()),
    max_size=len(CALL_IDS),
    unique_by=lambda c: c.call_id,
)


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(calls=unique_calls, size=st.integers(1, 6))
def test_paging_through_any_journey_lists_each_interaction_once_in_one_order(
    db: Database, calls: list[Call], size: int
) -> None:
    number = f"+3906{next(NUMBERS):08d}"  # a journey of its own in the shared database
    suffix = number[-8:]
    calls = [Call(f"{c.call_id}/{suffix}", c.seconds, c.sortable) for c in calls]
    key = record(db, calls, number)
    assert page_through(db, key, size) == expected_order(calls)


def test_a_call_seen_only_through_agents_not_answering_sorts_at_its_event_time(db: Database) -> None:
    key = record(
        db, [Call("only-no-answer", 5, False), Call("rung", 3, True), Call("later", 9, True)], "0452224600"
    )
    assert page_through(db, key, 1) == ["later", "only-no-answer", "rung"]
    with db.read.connect() as conn:
        (stored,) = [
            s for s in interactions.journey(conn, [key]) if s.interaction.call_id == "only-no-answer"
        ]
    assert stored.sort_at == T0 + timedelta(seconds=5)


def test_ties_in_time_are_broken_by_call_id_by_code_point_on_both_databases(db: Database) -> None:
    calls = [Call(call_id, 0, True) for call_id in CALL_IDS]
    key = record(db, calls, "0452224600")
    assert page_through(db, key, 5) == sorted(CALL_IDS, reverse=True)
