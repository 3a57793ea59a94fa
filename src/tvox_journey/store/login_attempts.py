"""Login attempts counted per key in a fixed window, atomically and shared by every process.

`count` is one statement (an upsert returning the new count) on both databases,
so concurrent attempts in any number of processes each get a distinct count:
no two can both see "under the limit" when only one slot was left.
"""

from __future__ import annotations

from sqlalchemy import Connection, case, delete, select, update

from tvox_journey.store import dialect
from tvox_journey.store.schema import login_attempts

MAX_KEY = 128


def count(conn: Connection, key: str, *, now_ms: int, window_ms: int) -> tuple[int, int]:
    """Count one attempt for `key`; returns (attempts in the current window, when it started, in ms).

    A window older than `window_ms` starts again at `now_ms` with this attempt.
    """
    table = login_attempts
    dialect_insert = dialect.on_conflict_insert(conn)
    stale = table.c.window_start_ms <= now_ms - window_ms
    statement = (
        dialect_insert(table)
        .values(key=key[:MAX_KEY], window_start_ms=now_ms, attempts=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "attempts": case((stale, 1), else_=table.c.attempts + 1),
                "window_start_ms": case((stale, now_ms), else_=table.c.window_start_ms),
            },
        )
        .returning(table.c.attempts, table.c.window_start_ms)
    )
    row = conn.execute(statement).one()
    return int(row.attempts), int(row.window_start_ms)


def forget(conn: Connection, key: str) -> None:
    """Clear a key (a user name after the right password)."""
    conn.execute(delete(login_attempts).where(login_attempts.c.key == key[:MAX_KEY]))


def give_back(conn: Connection, key: str) -> None:
    """Uncount one attempt of a key (an address after the right password)."""
    table = login_attempts
    statement = (
        update(table)
        .where(table.c.key == key[:MAX_KEY], table.c.attempts > 0)
        .values(attempts=table.c.attempts - 1)
    )
    conn.execute(statement)


def purge(conn: Connection, *, before_ms: int) -> int:
    """Delete the keys whose window started before `before_ms`; returns how many."""
    statement = delete(login_attempts).where(login_attempts.c.window_start_ms < before_ms)
    return int(conn.execute(statement).rowcount)


def current(conn: Connection, keys: list[str], *, now_ms: int, window_ms: int) -> dict[str, tuple[int, int]]:
    """(attempts, window start) of the keys whose window is still running (a read, for a quick refusal)."""
    table = login_attempts
    query = select(table.c.key, table.c.attempts, table.c.window_start_ms).where(
        table.c.key.in_([k[:MAX_KEY] for k in keys]), table.c.window_start_ms > now_ms - window_ms
    )
    return {row.key: (int(row.attempts), int(row.window_start_ms)) for row in conn.execute(query)}
