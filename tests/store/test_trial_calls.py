"""Test calls' rows: hidden before their events arrive, removed after; nothing else is ever touched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.domain.trial_call import TRIAL_NUMBER, trial_call_id
from tvox_journey.services import recording
from tvox_journey.sim import wire_time
from tvox_journey.store import event_log, refused, trial_calls
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.schema import event_log as log_table

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
POLICY = NumberPolicy()
TEST_CALL = trial_call_id(1_800_000_000, 42)
REAL_CALL = "1800000000.43@d92061befe"


def ring(call_id: str, number: str, at: datetime = NOW) -> LogEntry:
    event = CallEvent(call_id, CallType.SERVICE, Action.RING, Instant(at, wire_time(at)), number, "op1", "cc")
    params = [("callId", call_id), ("callerNumber", number)]
    return LogEntry(
        at, "GET", "/service/ring", "service/ring", params, LogOutcome.ACCEPTED, 200, "127.0.0.1", event=event
    )


def placeholder(call_id: str) -> interaction_store.StoredInteraction:
    folded = fold([ring(call_id, TRIAL_NUMBER).event])  # type: ignore[list-item]
    assert folded is not None
    return interaction_store.StoredInteraction(folded, TRIAL_NUMBER, False, 0, cleared=True)


def test_a_hidden_test_call_stays_hidden_when_its_events_fold_into_it_and_is_then_removed(
    db: Database,
) -> None:
    with db.write.begin() as conn:
        trial_calls.hide_calls(conn, [placeholder(TEST_CALL), placeholder(REAL_CALL)])  # a real id: ignored
        start = event_log.max_seq(conn)
        recording.record_many(conn, [ring(TEST_CALL, TRIAL_NUMBER), ring(REAL_CALL, "0452224600")], POLICY)
        params = [("callId", TEST_CALL)]
        refusal = LogEntry(NOW, "GET", "/service/ring", "service/ring", params, LogOutcome.REJECTED, 401,
                           "127.0.0.1", "wrong HTTP Basic credentials")  # fmt: skip
        refused.append_or_count(conn, replace(refusal, flood_key=refused.flood_key(refusal, 60)))
        other = replace(refusal, params=[("callId", "someone else")], remote_addr="192.0.2.9")
        refused.append_or_count(conn, replace(other, flood_key=refused.flood_key(other, 60)))
    with db.read.connect() as conn:
        hidden = interaction_store.get(conn, TEST_CALL)
        assert hidden is not None and hidden.cleared and hidden.number_key == TRIAL_NUMBER
        live = interaction_store.in_progress(conn, since=NOW - timedelta(hours=1))
        assert [s.interaction.call_id for s in live] == [REAL_CALL]
        assert interaction_store.unknown_numbers(conn) == live
    with db.write.begin() as conn:
        assert trial_calls.remove_calls(conn, [TEST_CALL, REAL_CALL], after_seq=start) == 2
    with db.read.connect() as conn:
        assert interaction_store.get(conn, TEST_CALL) is None
        assert interaction_store.get(conn, REAL_CALL) is not None
        left = conn.execute(select(log_table.c.call_id, log_table.c.status_code)).all()
    assert sorted(left, key=str) == sorted([(REAL_CALL, 200), (None, 401)], key=str)


def test_the_closing_action_of_a_test_call_is_found_from_its_start(db: Database) -> None:
    with db.write.begin() as conn:
        run = recording.record_action(
            conn, actor="admin", action="setup/test-call", details=[("call_id", TEST_CALL)], now=NOW
        )
        recording.record_action(
            conn, actor=None, action="setup/test-call/done", details=[("run", "999")], now=NOW
        )
        recording.record_action(
            conn,
            actor=None,
            action="setup/test-call/done",
            details=[("run", str(run)), ("removed", "6")],
            now=NOW,
        )
    with db.read.connect() as conn:
        assert trial_calls.action_row(conn, run, "setup/test-call") == [("call_id", TEST_CALL)]
        assert trial_calls.action_row(conn, run, "names/set") is None
        assert trial_calls.done_row(conn, run, "setup/test-call/done") == [
            ("run", str(run)),
            ("removed", "6"),
        ]
        assert trial_calls.done_row(conn, run + 10, "setup/test-call/done") is None
