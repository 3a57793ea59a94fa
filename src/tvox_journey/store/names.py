"""Display names of agents and services."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from tvox_journey.store import dialect
from tvox_journey.store.schema import display_names

AGENT = "agent"
SERVICE = "service"


def set_name(conn: Connection, kind: str, code: str, name: str) -> None:
    dialect_insert = dialect.on_conflict_insert(conn)
    statement = dialect_insert(display_names).values(kind=kind, code=code, name=name)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[display_names.c.kind, display_names.c.code], set_={"name": name}
        )
    )


def remove_name(conn: Connection, kind: str, code: str) -> None:
    conn.execute(delete(display_names).where(display_names.c.kind == kind, display_names.c.code == code))


def all_names(conn: Connection) -> dict[str, dict[str, str]]:
    """{kind: {code: name}} for agents and services."""
    result: dict[str, dict[str, str]] = {AGENT: {}, SERVICE: {}}
    for row in conn.execute(select(display_names).order_by(display_names.c.kind, display_names.c.code)):
        result.setdefault(row.kind, {})[row.code] = row.name
    return result
