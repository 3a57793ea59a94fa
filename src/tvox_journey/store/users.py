"""The people who may log in: user name, password hash, role and API token hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, delete, func, insert, select, update

from tvox_journey.store.schema import users

# Roles, least first. An agent and a supervisor can each do what a viewer can; an agent also writes
# (contacts, journeys, callbacks), a supervisor also reads the reports; an admin can do everything
# (services/accounts.is_role_at_least).
Role = Literal["viewer", "agent", "supervisor", "admin"]


@dataclass(frozen=True)
class StoredUser:
    """A user row; the password and the API token themselves are never stored."""

    id: int
    username: str
    password_hash: str
    role: Role
    has_token: bool
    created_at: datetime


def user_from_row(row: Any) -> StoredUser:
    """A StoredUser from a row of `users`."""
    return StoredUser(
        id=row.id,
        username=row.username,
        password_hash=row.password_hash,
        role=row.role,
        has_token=row.api_token_hash is not None,
        created_at=row.created_at,
    )


def create(conn: Connection, *, username: str, password_hash: str, role: Role, now: datetime) -> int:
    """Add a user; returns its id."""
    statement = insert(users).values(
        username=username, password_hash=password_hash, role=role, created_at=now
    )
    return int(conn.execute(statement.returning(users.c.id)).scalar_one())


def get(conn: Connection, username: str) -> StoredUser | None:
    """The user with this exact user name."""
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return user_from_row(row) if row else None


def with_token_hash(conn: Connection, token_hash: str) -> StoredUser | None:
    """The user whose API token has this hash."""
    row = conn.execute(select(users).where(users.c.api_token_hash == token_hash)).first()
    return user_from_row(row) if row else None


def all_users(conn: Connection) -> list[StoredUser]:
    """Every user, by user name."""
    return [user_from_row(row) for row in conn.execute(select(users).order_by(users.c.username))]


def count(conn: Connection, *, role: Role | None = None) -> int:
    """How many users (of one role)."""
    query = select(func.count()).select_from(users)
    if role is not None:
        query = query.where(users.c.role == role)
    return int(conn.execute(query).scalar_one())


def set_password_hash(conn: Connection, username: str, password_hash: str) -> bool:
    """Replace a user's password hash; False when there is no such user."""
    statement = update(users).where(users.c.username == username).values(password_hash=password_hash)
    return conn.execute(statement).rowcount > 0


def set_role(conn: Connection, username: str, role: Role) -> bool:
    """Change a user's role; False when there is no such user."""
    return conn.execute(update(users).where(users.c.username == username).values(role=role)).rowcount > 0


def set_token_hash(conn: Connection, username: str, token_hash: str | None) -> bool:
    """Replace (or with None, revoke) a user's API token; False when there is no such user."""
    statement = update(users).where(users.c.username == username).values(api_token_hash=token_hash)
    return conn.execute(statement).rowcount > 0


def remove(conn: Connection, username: str) -> bool:
    """Delete a user; False when there is no such user."""
    return conn.execute(delete(users).where(users.c.username == username)).rowcount > 0
