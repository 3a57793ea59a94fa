"""Display names of agents and services by code: the directory (`store/directory.py`) seen one code at
a time, as the journey, the demo and the reports ask for it."""

from __future__ import annotations

from sqlalchemy import Connection

from tvox_journey.store import directory

AGENT = directory.AGENT
SERVICE = directory.SERVICE


def set_name(conn: Connection, kind: str, code: str, name: str) -> None:
    """Rename the entry `code` belongs to, or make a new entry with that one code."""
    entry_id = directory.entry_of(conn, kind, code)
    if entry_id is not None:
        directory.rename_entry(conn, entry_id, name)
        return
    created = directory.create_entry(conn, kind, name)
    if not directory.add_code(conn, kind, code, created):  # another process gave it an entry meanwhile
        directory.delete_entry(conn, created)
        taken = directory.entry_of(conn, kind, code)
        if taken is not None:
            directory.rename_entry(conn, taken, name)


def remove_name(conn: Connection, kind: str, code: str) -> None:
    """Forget a code (the journey shows it as it is again), and its entry when that was its last code."""
    entry_id = directory.remove_code(conn, kind, code)
    if entry_id is not None and directory.code_count(conn, entry_id) == 0:
        directory.delete_entry(conn, entry_id)


def all_names(conn: Connection) -> dict[str, dict[str, str]]:
    """{kind: {code: name}} for agents and services: every code with its entry's display name."""
    return directory.resolved(conn)
