"""The rows of test calls (domain/trial_call.py): hidden before they arrive, removed after.

A test call goes through the real webhooks, so its events are logged and folded as any other. Before
it is played its interactions are written `cleared`, which every journey, board, list, search and
export leaves out, and which a refold keeps (store/interactions.upsert_many); once played, its
interactions and its event log rows are deleted. Like store/refused.py this module deletes from the
append-only log, but only rows of test calls: ids that are not a test call's are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, delete, select, update

from tvox_journey.domain.trial_call import is_trial_call
from tvox_journey.store import interactions as interaction_store
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.store.schema import event_log, interactions

MAX_REFUSED_ROWS = 10_000  # refused rows looked at after a test call began


def hide_calls(conn: Connection, placeholders: Sequence[interaction_store.StoredInteraction]) -> None:
    """Write the interactions of test calls before their events arrive, hidden: their events fold into
    these rows and they stay hidden."""
    rows = [p for p in placeholders if is_trial_call(p.interaction.call_id)]
    if not rows:
        return
    interaction_store.upsert_many(conn, rows)
    ids = [p.interaction.call_id for p in rows]
    conn.execute(update(interactions).where(interactions.c.call_id.in_(ids)).values(cleared=True))


def _carries(params: object, call_ids: set[str]) -> bool:
    if not isinstance(params, list):
        return False
    return any(isinstance(p, list | tuple) and len(p) == 2 and p[1] in call_ids for p in params)


def remove_calls(conn: Connection, call_ids: Sequence[str], *, after_seq: int) -> int:
    """Delete the interactions of test calls and their event log rows: the rows with their ids, and the
    refused rows after `after_seq` that stand for one request (not a counted flood) and carry one of the
    ids in their parameters. Returns how many log rows were deleted."""
    ids = {c for c in call_ids if is_trial_call(c)}
    if not ids:
        return 0
    log = event_log.c
    refused = conn.execute(
        select(log.seq, log.params)
        .where(
            log.seq > after_seq,
            log.outcome == LogOutcome.REJECTED,
            log.call_id.is_(None),
            log.seen_count == 1,
        )
        .order_by(log.seq)
        .limit(MAX_REFUSED_ROWS)
    )
    seqs = [row.seq for row in refused if _carries(row.params, ids)]
    deleted = conn.execute(delete(event_log).where(log.call_id.in_(sorted(ids)))).rowcount
    if seqs:
        deleted += conn.execute(
            delete(event_log).where(and_(log.seq.in_(seqs), log.call_id.is_(None)))
        ).rowcount
    conn.execute(delete(interactions).where(interactions.c.call_id.in_(sorted(ids))))
    return int(deleted)


DONE_WITHIN_ROWS = 50_000  # how far after its start a test call's closing action is looked for


def _pairs(params: object) -> list[tuple[str, str]]:
    if not isinstance(params, list):
        return []
    return [(str(p[0]), str(p[1])) for p in params if isinstance(p, list | tuple) and len(p) == 2]


def action_row(conn: Connection, seq: int, action: str) -> list[tuple[str, str]] | None:
    """The details of the user action `action` recorded as row `seq`; None when that row is not one."""
    log = event_log.c
    row = conn.execute(
        select(log.params).where(log.seq == seq, log.outcome == LogOutcome.ACTION, log.route == action)
    ).first()
    return None if row is None else _pairs(row.params)


def done_row(conn: Connection, run: int, action: str) -> list[tuple[str, str]] | None:
    """The details of the action `action` that closes the test call started at row `run` (its `run`
    detail), looked for among the rows just after it."""
    log = event_log.c
    rows = conn.execute(
        select(log.params)
        .where(
            log.seq > run,
            log.seq <= run + DONE_WITHIN_ROWS,
            log.outcome == LogOutcome.ACTION,
            log.route == action,
        )
        .order_by(log.seq)
    )
    for row in rows:
        pairs = _pairs(row.params)
        if ("run", str(run)) in pairs:
            return pairs
    return None
