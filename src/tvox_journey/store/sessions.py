"""Login sessions kept in the database, so that every process can end one (logout) or all of a user's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from tvox_journey.store.schema import sessions, users
from tvox_journey.store.users import StoredUser, user_from_row


def create(conn: Connection, *, token_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
    """Record a new session, and forget the sessions that have expired (this is where they go)."""
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))
    conn.execute(
        insert(sessions).values(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at)
    )


def user_for(conn: Connection, token_hash: str, now: datetime) -> StoredUser | None:
    """The user of a session that exists and has not expired (one indexed query)."""
    query = (
        select(users)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
    )
    row = conn.execute(query).first()
    return user_from_row(row) if row else None


def end(conn: Connection, token_hash: str) -> bool:
    """End one session; False when it did not exist."""
    return conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash)).rowcount > 0


def end_all(conn: Connection, user_id: int) -> int:
    """End every session of a user; returns how many there were."""
    return int(conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount)


def count(conn: Connection, user_id: int) -> int:
    query = select(sessions.c.token_hash).where(sessions.c.user_id == user_id)
    return len(conn.execute(query).all())
