"""A call's events read back for its refold: decoded once per stored text, within a bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store import event_log
from tvox_journey.store.codec import event_from_json
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry, LogOutcome

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def entry(call_id: str, seconds: int, action: Action, popup: str) -> LogEntry:
    when = T0 + timedelta(seconds=seconds)
    event = CallEvent(
        call_id, CallType.SERVICE, action, Instant(when, when.isoformat()), number="0452224600",
        agent="Zoë", popups=(("note", popup),),
    )  # fmt: skip
    params = (("callId", call_id), ("event", action.value), ("note", popup))
    return LogEntry(T0, "POST", "/tvox/events", "tvox/events", params, LogOutcome.ACCEPTED, 200, event=event)


def stored_events(db: Database, call_id: str) -> list[CallEvent]:
    """The call's events decoded from the log's rows as SQLAlchemy reads them (no cache involved)."""
    with db.read.connect() as conn:
        rows = event_log.recent(conn, limit=1000)
    return [event_from_json(row["event"]) for row in rows if row["call_id"] == call_id]


def test_events_read_back_are_the_stored_events_however_often_they_are_read(db: Database) -> None:
    long_popup = "è" * (event_log.DECODED_MAX_CHARS + 1)
    entries = [
        entry("c1", 0, Action.RING, "cliente \u2603 \U0001f600"),
        entry("c1", 5, Action.ANSWER, long_popup),
        entry("c1", 60, Action.HANGUP, "'\"\\ <b>"),
    ]
    with db.write.begin() as conn:
        for one in entries:  # one refold a new event: the earlier ones are read back each time
            recording.record(conn, one, NumberPolicy())
    expected = sorted(stored_events(db, "c1"), key=CallEvent.sort_key)
    for _ in range(2):
        with db.read.connect() as conn:
            read = event_log.events_for_calls(conn, ["c1", "unknown"])
        assert sorted(read["c1"], key=CallEvent.sort_key) == expected
        assert read["unknown"] == []
    assert {event.popups[0][1] for event in expected} == {one.params[2][1] for one in entries}


def test_only_short_texts_are_kept_and_no_more_of_them_than_the_bound(db: Database) -> None:
    with db.write.begin() as conn:
        recording.record(
            conn, entry("long", 0, Action.RING, "x" * event_log.DECODED_MAX_CHARS), NumberPolicy()
        )
        recording.record(conn, entry("short", 0, Action.RING, "x"), NumberPolicy())
    event_log._decoded_short.cache_clear()
    with db.read.connect() as conn:
        event_log.events_for_calls(conn, ["long"])
        event_log.events_for_calls(conn, ["long"])
        assert event_log._decoded_short.cache_info().currsize == 0
        event_log.events_for_calls(conn, ["short"])
        event_log.events_for_calls(conn, ["short"])
    info = event_log._decoded_short.cache_info()
    assert (info.currsize, info.hits, info.maxsize) == (1, 1, event_log.DECODED_EVENTS)
