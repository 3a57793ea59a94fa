"""Variable mappings edited on the admin page: per route, incoming name -> TVox variable."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from tvox_journey.store import dialect
from tvox_journey.store.schema import variable_mappings


def all_rows(conn: Connection) -> dict[str, dict[str, str]]:
    """{route: {incoming: variable}} for every stored row."""
    result: dict[str, dict[str, str]] = {}
    query = select(variable_mappings).order_by(variable_mappings.c.route, variable_mappings.c.incoming)
    for row in conn.execute(query):
        result.setdefault(row.route, {})[row.incoming] = row.variable
    return result


def set_row(conn: Connection, *, route: str, incoming: str, variable: str) -> None:
    """Map `incoming` to `variable` on `route`, replacing an earlier row for the same name."""
    dialect_insert = dialect.on_conflict_insert(conn)
    statement = dialect_insert(variable_mappings).values(route=route, incoming=incoming, variable=variable)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[variable_mappings.c.route, variable_mappings.c.incoming],
            set_={"variable": variable},
        )
    )


def remove_row(conn: Connection, *, route: str, incoming: str) -> bool:
    """Remove the row for `incoming` on `route`; False when there was none."""
    result = conn.execute(
        delete(variable_mappings).where(
            variable_mappings.c.route == route, variable_mappings.c.incoming == incoming
        )
    )
    return bool(result.rowcount)
