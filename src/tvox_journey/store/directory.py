"""The directory of agents and services: entries (a display name) and the codes TVox sends for each.

TVox names one agent differently in different variables (`pin` may be a username or a numeric login
code; `userclid` and `userdnis` carry others), so an entry has any number of codes, each unique within
its kind and optionally labelled with what it is. Nothing here is copied into interactions: pages
resolve a code to its entry's name when they read, so a change re-labels history at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from tvox_journey.store import dialect
from tvox_journey.store.schema import directory_codes, directory_entries, interactions

AGENT = "agent"
SERVICE = "service"
KINDS = (AGENT, SERVICE)
LABELS = ("username", "pin", "extension", "other")  # what a code is, when someone said so
MAX_ENTRIES = 2000  # entries listed at most per kind (a contact center has far fewer)
UNKNOWN_WINDOW = 5000  # the most recent interactions read for codes the directory lacks
UNKNOWN_LIMIT = 50  # unknown codes listed at most per kind


@dataclass(frozen=True)
class Code:
    code: str
    label: str | None


@dataclass(frozen=True)
class Entry:
    """One agent or service: its display name and every code that names it."""

    id: int
    kind: str
    name: str
    codes: tuple[Code, ...] = ()


@dataclass(frozen=True)
class UnknownCode:
    """A code recent interactions carry that no entry has: how many of them, and the latest one's time."""

    kind: str
    code: str
    calls: int
    last_at: datetime


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite hands aggregates back without a zone


def create_entry(conn: Connection, kind: str, name: str) -> int:
    """A new entry without codes; returns its id."""
    statement = insert(directory_entries).values(kind=kind, name=name).returning(directory_entries.c.id)
    entry_id: int = conn.execute(statement).scalar_one()
    return entry_id


def rename_entry(conn: Connection, entry_id: int, name: str) -> bool:
    """Give an entry another display name; False when there is no such entry."""
    found = conn.execute(
        update(directory_entries).where(directory_entries.c.id == entry_id).values(name=name)
    )
    return found.rowcount > 0


def delete_entry(conn: Connection, entry_id: int) -> bool:
    """Forget an entry and its codes (they show as they are again); False when there was none."""
    conn.execute(delete(directory_codes).where(directory_codes.c.entry_id == entry_id))
    return conn.execute(delete(directory_entries).where(directory_entries.c.id == entry_id)).rowcount > 0


def get_entry(conn: Connection, entry_id: int) -> Entry | None:
    """One entry with its codes, or None."""
    row = conn.execute(select(directory_entries).where(directory_entries.c.id == entry_id)).first()
    if row is None:
        return None
    return Entry(row.id, row.kind, row.name, _codes(conn, [row.id]).get(row.id, ()))


def entry_of(conn: Connection, kind: str, code: str) -> int | None:
    """The id of the entry `code` belongs to, or None when the directory lacks it."""
    statement = select(directory_codes.c.entry_id).where(
        directory_codes.c.kind == kind, directory_codes.c.code == code
    )
    found: int | None = conn.execute(statement).scalar_one_or_none()
    return found


def add_code(conn: Connection, kind: str, code: str, entry_id: int, label: str | None = None) -> bool:
    """Give `code` to an entry of the same kind; False (nothing changed) when the code already has one."""
    statement = dialect.on_conflict_insert(conn)(directory_codes).values(
        kind=kind, code=code, entry_id=entry_id, label=label
    )
    inserted = statement.on_conflict_do_nothing().returning(directory_codes.c.code)
    return conn.execute(inserted).first() is not None  # (rowcount is 0 here on psycopg, inserted or not)


def remove_code(conn: Connection, kind: str, code: str) -> int | None:
    """Take a code from its entry (the entry stays); returns that entry's id, None when it had none."""
    entry_id = entry_of(conn, kind, code)
    if entry_id is not None:
        conn.execute(
            delete(directory_codes).where(directory_codes.c.kind == kind, directory_codes.c.code == code)
        )
    return entry_id


def code_count(conn: Connection, entry_id: int) -> int:
    statement = (
        select(func.count()).select_from(directory_codes).where(directory_codes.c.entry_id == entry_id)
    )
    return int(conn.execute(statement).scalar_one())


def merge(conn: Connection, into_id: int, from_id: int) -> int:
    """Move every code of entry `from_id` to `into_id` (same kind) and delete `from_id`; returns the
    number of codes moved."""
    moved = conn.execute(
        update(directory_codes).where(directory_codes.c.entry_id == from_id).values(entry_id=into_id)
    ).rowcount
    conn.execute(delete(directory_entries).where(directory_entries.c.id == from_id))
    return moved


def _codes(conn: Connection, entry_ids: Sequence[int]) -> dict[int, tuple[Code, ...]]:
    found: dict[int, list[Code]] = {}
    if not entry_ids:
        return {}
    statement = (
        select(directory_codes.c.entry_id, directory_codes.c.code, directory_codes.c.label)
        .where(directory_codes.c.entry_id.in_(entry_ids))
        .order_by(directory_codes.c.entry_id, dialect.by_code_point(conn, directory_codes.c.code))
    )
    for row in conn.execute(statement):
        found.setdefault(row.entry_id, []).append(Code(row.code, row.label))
    return {entry_id: tuple(codes) for entry_id, codes in found.items()}


def entries(conn: Connection, kind: str, *, limit: int = MAX_ENTRIES) -> list[Entry]:
    """The entries of one kind with their codes, by name (at most `limit`)."""
    statement = (
        select(directory_entries.c.id, directory_entries.c.name)
        .where(directory_entries.c.kind == kind)
        .order_by(dialect.by_code_point(conn, func.lower(directory_entries.c.name)), directory_entries.c.id)
        .limit(limit)
    )
    rows = conn.execute(statement).all()
    codes = _codes(conn, [row.id for row in rows])
    return [Entry(row.id, kind, row.name, codes.get(row.id, ())) for row in rows]


def resolved(conn: Connection) -> dict[str, dict[str, str]]:
    """{kind: {code: display name}}: every code of the directory with its entry's name."""
    result: dict[str, dict[str, str]] = {AGENT: {}, SERVICE: {}}
    statement = select(directory_codes.c.kind, directory_codes.c.code, directory_entries.c.name).join_from(
        directory_codes, directory_entries, directory_codes.c.entry_id == directory_entries.c.id
    )
    for row in conn.execute(statement):
        result.setdefault(row.kind, {})[row.code] = row.name
    return result


def codes_of(conn: Connection, kind: str, code: str) -> tuple[str, ...]:
    """Every code of the entry `code` belongs to (itself first), or just `code` when the directory lacks
    it: what a filter by agent or service matches."""
    entry_id = entry_of(conn, kind, code)
    if entry_id is None:
        return (code,)
    statement = select(directory_codes.c.code).where(directory_codes.c.entry_id == entry_id)
    others = sorted(c for c in conn.execute(statement).scalars() if c != code)
    return (code, *others)


def first_codes(conn: Connection, kind: str) -> dict[str, str]:
    """Every code of the directory's entries of `kind` -> the first code (in order) of its entry: one
    key per entry, for figures added up per agent or service whatever code TVox sent."""
    statement = (
        select(directory_codes.c.code, directory_codes.c.entry_id)
        .where(directory_codes.c.kind == kind)
        .order_by(directory_codes.c.entry_id, directory_codes.c.code)
    )
    first: dict[int, str] = {}
    found: dict[str, str] = {}
    for code, entry_id in conn.execute(statement):
        found[code] = first.setdefault(entry_id, code)
    return found


def unknown_codes(
    conn: Connection, kind: str, *, window: int = UNKNOWN_WINDOW, limit: int = UNKNOWN_LIMIT
) -> list[UnknownCode]:
    """Codes of the `window` most recent interactions (their agent or service) that no entry has,
    the most recently seen first, with how many of those interactions carry each (at most `limit`).

    Reading a window, not all history, keeps the cost bounded however large the table grows.
    """
    column = interactions.c.agent if kind == AGENT else interactions.c.service
    recent = (
        select(column.label("code"), interactions.c.sort_at)
        .order_by(interactions.c.sort_at.desc())
        .limit(window)
        .subquery()
    )
    known = select(directory_codes.c.code).where(
        directory_codes.c.kind == kind, directory_codes.c.code == recent.c.code
    )
    last = func.max(recent.c.sort_at)
    statement = (
        select(recent.c.code, func.count().label("calls"), last.label("last_at"))
        .where(recent.c.code.is_not(None), ~known.exists())
        .group_by(recent.c.code)
        .order_by(last.desc(), recent.c.code)
        .limit(limit)
    )
    return [UnknownCode(kind, row.code, row.calls, _utc(row.last_at)) for row in conn.execute(statement)]
