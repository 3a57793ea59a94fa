"""The reports' columns (wait, the answering agent's talk, transfers) of a stored interaction are those
of the fold of all its events, whatever order the events were recorded in and however often each
(SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tvox_journey.domain.events import CallEvent
from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.sim import blind_transfer, consultative_transfer, outbound_call, service_call
from tvox_journey.sim.scenarios import Call
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry
from tvox_journey.store.interactions import report_figures
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.traffic.entries import tutorial_entry

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
CALLS: list[Call] = [
    service_call("c1", number="0452224600", agent="op1", service="care", ring=T0, answer=T0 + 7 * S,
                 hangup=T0 + 67 * S),
    service_call("c2", number="0452224600", agent="op1", service="care", ring=T0, answer=None,
                 hangup=T0 + 9 * S),
    outbound_call("c3", number="0452224600", agent="op2", new=T0, answer=T0 + 3 * S, hangup=T0 + 33 * S),
    blind_transfer("c4", number="0452224600", agent="op1", target="op2", service="care", ring=T0,
                   answer=T0 + 5 * S, hangup=T0 + 50 * S, transfer=T0 + 50 * S, target_answer=T0 + 58 * S,
                   target_hangup=T0 + 90 * S),
    consultative_transfer("c5", number="0452224600", agent="op2", target="op1", service="care", ring=T0,
                          answer=T0 + 2 * S, transfer=T0 + 40 * S, hangup=T0 + 80 * S,
                          consultation=[("c5x", T0 + 40 * S)]),
]  # fmt: skip


def entries(call: Call) -> list[LogEntry]:
    found = []
    for request in call.requests:
        entry = tutorial_entry(request.path, request.params, method="GET", received_at=T0, tvox_timezone=UTC)
        if entry.event is not None and entry.event.call_id == call.call_id:
            found.append(entry)
    return found


def events(found: list[LogEntry]) -> list[CallEvent]:
    return [e.event for e in found if e.event is not None]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(range(len(CALLS))), seed=st.integers(0, 2**32 - 1), repeats=st.integers(0, 3))
def test_the_columns_are_the_full_folds_in_any_order(
    db: Database, which: int, seed: int, repeats: int
) -> None:
    call = CALLS[which]
    sent = entries(call)
    rng = random.Random(seed)
    order = sent + [rng.choice(sent) for _ in range(repeats)]
    rng.shuffle(order)
    folded = fold(events(sent))
    assert folded is not None
    expected = report_figures(folded)
    with db.write.begin() as conn:  # each example starts from an empty log (one database per test)
        conn.execute(delete(interactions))
        conn.execute(delete(event_log))
    for entry in order:  # one delivery a transaction, as the server records them
        with db.write.begin() as conn:
            recording.record(conn, entry, NumberPolicy())
    with db.read.connect() as conn:
        row = conn.execute(
            select(interactions.c.wait_ms, interactions.c.talk_ms, interactions.c.transfers).where(
                interactions.c.call_id == call.call_id
            )
        ).one()
    assert dict(row._mapping) == expected


def test_the_figures_of_each_kind_of_call() -> None:
    folds = {call.call_id: fold(events(entries(call))) for call in CALLS}
    figures = {call_id: report_figures(f) for call_id, f in folds.items() if f is not None}
    assert figures == {
        "c1": {"wait_ms": 7000, "talk_ms": 60000, "transfers": 0},
        "c2": {"wait_ms": None, "talk_ms": None, "transfers": 0},
        "c3": {"wait_ms": 3000, "talk_ms": 30000, "transfers": 0},
        "c4": {"wait_ms": 5000, "talk_ms": 45000, "transfers": 1},  # op1's own part: to their hangup
        "c5": {"wait_ms": 2000, "talk_ms": 38000, "transfers": 1},  # op2's own part: to the transfer
    }
