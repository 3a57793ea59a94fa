"""Values made once and shared by every process on a database (the generated secret key)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from tvox_journey.store import dialect
from tvox_journey.store.schema import app_keys


def get_or_create(conn: Connection, name: str, candidate: str) -> str:
    """The stored value of `name`; stores `candidate` first when there is none.

    One atomic insert-if-absent, so processes starting together all end up with the same value.
    """
    found = conn.execute(select(app_keys.c.value).where(app_keys.c.name == name)).scalar()
    if found is not None:
        return str(found)
    dialect_insert = dialect.on_conflict_insert(conn)
    conn.execute(dialect_insert(app_keys).values(name=name, value=candidate).on_conflict_do_nothing())
    return str(conn.execute(select(app_keys.c.value).where(app_keys.c.name == name)).scalar_one())


def stored(conn: Connection, name: str) -> str | None:
    """The stored value of `name`, or None when none was made yet (reads only)."""
    found = conn.execute(select(app_keys.c.value).where(app_keys.c.name == name)).scalar()
    return None if found is None else str(found)
