"""Why a call looks the way it does: the requests that built its interaction, and what each changed.

The rows of a call id are read in arrival order; the events the fold uses (accepted
ones, and unrecognized ones no replay has read as known) are folded one at a time
in the fold's own order (domain/fold.fold_steps), and each row is given the step
its event made. A row whose event an earlier row already brought changes nothing.

May import `domain` and `store` (no web, no live).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from tvox_journey.domain.events import CallEvent
from tvox_journey.domain.fold import FoldStep, fold_steps
from tvox_journey.store import interactions, log_query
from tvox_journey.store.codec import event_from_json
from tvox_journey.store.interactions import StoredInteraction

MAX_ROWS = 300  # requests of one call read and explained at most (the fold costs their square)
FOLDED = "folded"  # its event was folded: `step` says what it changed
SAME_EVENT = "same_event"  # the same event as an earlier row (`same_as`): no change
DUPLICATE = "duplicate"  # a duplicate delivery: logged, not folded
REPLAYED = "replayed"  # an unrecognized event a replay read again (`replayed_by`): folded no more
NOT_FOLDED = "not_folded"  # refused, or an action
UNREADABLE = "unreadable"  # a stored event this release cannot read


@dataclass(frozen=True)
class ExplainedRow:
    """One request of the call and what it did to the interaction."""

    row: dict[str, Any]
    event: CallEvent | None
    note: str
    step: FoldStep | None = None
    position: int | None = None  # the step's place in the fold's order, from 1
    same_as: int | None = None
    replayed_by: int | None = None


@dataclass(frozen=True)
class Explained:
    """A call's interaction as stored, its requests in arrival order, and the fold's steps."""

    call_id: str
    stored: StoredInteraction | None
    rows: list[ExplainedRow]
    steps: list[FoldStep]
    truncated: bool  # the call has more requests than `MAX_ROWS`: only the first are shown

    def in_fold_order(self) -> list[ExplainedRow]:
        """The rows by their event's time as the fold orders events; rows with no event last."""
        return sorted(self.rows, key=_fold_order)


def _fold_order(explained: ExplainedRow) -> tuple[Any, ...]:
    if explained.event is None:
        return (1, datetime.max.replace(tzinfo=UTC), int(explained.row["seq"]))
    at, rank, call_type, content = explained.event.sort_key()
    return (0, at, rank, call_type, content, int(explained.row["seq"]))


def _event(row: dict[str, Any]) -> CallEvent | None:
    if not isinstance(row.get("event"), dict):
        return None
    try:
        return event_from_json(row["event"])
    except (KeyError, TypeError, ValueError, AssertionError, IndexError):
        return None


def explain(conn: Connection, call_id: str, *, limit: int = MAX_ROWS) -> Explained | None:
    """The explanation of a call id; None when neither an interaction nor a request has it."""
    stored = interactions.get(conn, call_id)
    rows = log_query.for_call(conn, call_id, limit=limit + 1)
    if stored is None and not rows:
        return None
    truncated = len(rows) > limit
    rows = rows[:limit]
    replayed_by = {
        int(r["replay_of"]): int(r["seq"]) for r in rows if r.get("replay_of") and r["outcome"] != "rejected"
    }
    events = {int(r["seq"]): _event(r) for r in rows}
    folded = [
        seq
        for r in rows
        if events[seq := int(r["seq"])] is not None
        and (r["outcome"] == "accepted" or (r["outcome"] == "unrecognized" and seq not in replayed_by))
    ]
    steps = fold_steps(e for seq in folded if (e := events[seq]) is not None)
    position = {step.event: i for i, step in enumerate(steps, start=1)}
    first_row: dict[CallEvent, int] = {}
    explained = []
    for row in rows:
        seq, event = int(row["seq"]), events[int(row["seq"])]
        if row.get("event") is not None and event is None:
            explained.append(ExplainedRow(row, None, UNREADABLE))
        elif seq in replayed_by and row["outcome"] == "unrecognized":
            explained.append(ExplainedRow(row, event, REPLAYED, replayed_by=replayed_by[seq]))
        elif event is None or seq not in folded:
            note = DUPLICATE if row["outcome"] == "duplicate" else NOT_FOLDED
            explained.append(ExplainedRow(row, event, note))
        elif event in first_row:
            explained.append(ExplainedRow(row, event, SAME_EVENT, same_as=first_row[event]))
        else:
            first_row[event] = seq
            at = position[event]
            explained.append(ExplainedRow(row, event, FOLDED, steps[at - 1], at))
    return Explained(call_id, stored, explained, steps, truncated)
