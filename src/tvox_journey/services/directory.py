"""Changes to the directory of agents and services, each checked and written to the audit trail.

Every function runs inside the caller's transaction and returns the sequence number of its audit row;
a change that cannot be made raises `DirectoryError` before writing anything (run it in a savepoint
when a batch must go on without it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from tvox_journey.services import recording
from tvox_journey.store import directory
from tvox_journey.store.directory import Entry

MAX_TEXT = 255  # the columns' length


class DirectoryError(Exception):
    """A directory change that cannot be made: an English message, and a catalog key with values for
    pages."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


def check_kind(kind: str) -> str:
    if kind not in directory.KINDS:
        raise DirectoryError("directory.error_kind", "kind: agent or service")
    return kind


def check_text(value: str, what: str) -> str:
    """`value` stripped, neither empty nor longer than the column."""
    value = value.strip()
    if not value:
        raise DirectoryError(f"directory.error_empty_{what}", f"{what}: empty")
    if len(value) > MAX_TEXT:
        raise DirectoryError("directory.error_too_long", f"{what}: longer than {MAX_TEXT} characters")
    return value


def check_label(label: str) -> str | None:
    """What a code is (username, pin, extension, other), or None when nobody said."""
    if not label.strip():
        return None
    if label not in directory.LABELS:
        raise DirectoryError("directory.error_label", "label: " + ", ".join(directory.LABELS))
    return label


def _entry(conn: Connection, entry_id: int) -> Entry:
    found = directory.get_entry(conn, entry_id)
    if found is None:
        raise DirectoryError("directory.error_no_entry", f"entry {entry_id}: no such entry")
    return found


def _free(conn: Connection, kind: str, code: str) -> None:
    taken = directory.entry_of(conn, kind, code)
    if taken is not None:
        owner = _entry(conn, taken)
        raise DirectoryError("directory.error_taken", f"code {code}: already {owner.name}'s", name=owner.name)


def _audit(
    conn: Connection, action: str, details: list[tuple[str, str]], actor: str | None, now: datetime
) -> int:
    return recording.record_action(conn, actor=actor, action=f"directory/{action}", details=details, now=now)


def add_entry(
    conn: Connection, *, kind: str, name: str, code: str, label: str, actor: str | None, now: datetime
) -> int:
    """A new agent or service with its first code."""
    kind, name, code = check_kind(kind), check_text(name, "name"), check_text(code, "code")
    checked_label = check_label(label)
    _free(conn, kind, code)
    entry_id = directory.create_entry(conn, kind, name)
    if not directory.add_code(conn, kind, code, entry_id, checked_label):
        _free(conn, kind, code)  # taken since the check (another process): say by whom
    details = [("kind", kind), ("entry", str(entry_id)), ("name", name), ("code", code)]
    return _audit(conn, "add", details + [("label", checked_label or "")], actor, now)


def rename_entry(conn: Connection, *, entry_id: int, name: str, actor: str | None, now: datetime) -> int:
    entry = _entry(conn, entry_id)
    name = check_text(name, "name")
    directory.rename_entry(conn, entry_id, name)
    details = [("kind", entry.kind), ("entry", str(entry_id)), ("from", entry.name), ("name", name)]
    return _audit(conn, "rename", details, actor, now)


def delete_entry(conn: Connection, *, entry_id: int, actor: str | None, now: datetime) -> int:
    """Forget an entry and its codes: they show as they are, and are listed as unknown again."""
    entry = _entry(conn, entry_id)
    directory.delete_entry(conn, entry_id)
    codes = ", ".join(c.code for c in entry.codes)
    details = [("kind", entry.kind), ("entry", str(entry_id)), ("name", entry.name), ("codes", codes)]
    return _audit(conn, "delete", details, actor, now)


def attach_code(
    conn: Connection, *, entry_id: int, code: str, label: str, actor: str | None, now: datetime
) -> int:
    """Give an entry one more code (an unknown code attached, or one typed in)."""
    entry = _entry(conn, entry_id)
    code, checked_label = check_text(code, "code"), check_label(label)
    _free(conn, entry.kind, code)
    if not directory.add_code(conn, entry.kind, code, entry_id, checked_label):
        _free(conn, entry.kind, code)
    details = [("kind", entry.kind), ("entry", str(entry_id)), ("name", entry.name), ("code", code)]
    return _audit(conn, "attach", details + [("label", checked_label or "")], actor, now)


def detach_code(conn: Connection, *, kind: str, code: str, actor: str | None, now: datetime) -> int:
    """Take a code from its entry; the entry stays, even without codes."""
    kind, code = check_kind(kind), check_text(code, "code")
    entry_id = directory.remove_code(conn, kind, code)
    if entry_id is None:
        raise DirectoryError("directory.error_no_code", f"code {code}: in no entry")
    return _audit(conn, "detach", [("kind", kind), ("entry", str(entry_id)), ("code", code)], actor, now)


def merge_entries(conn: Connection, *, into_id: int, from_id: int, actor: str | None, now: datetime) -> int:
    """One agent (or service) known as two entries becomes one: `from_id`'s codes move to `into_id`,
    which keeps its name, and `from_id` is deleted."""
    into, source = _entry(conn, into_id), _entry(conn, from_id)
    if into.id == source.id:
        raise DirectoryError("directory.error_merge_self", "an entry cannot be merged into itself")
    if into.kind != source.kind:
        raise DirectoryError("directory.error_merge_kind", "an agent and a service cannot be merged")
    moved = directory.merge(conn, into.id, source.id)
    details = [
        ("kind", into.kind), ("entry", str(into.id)), ("name", into.name),
        ("merged", str(source.id)), ("merged_name", source.name), ("codes", str(moved)),
    ]  # fmt: skip
    return _audit(conn, "merge", details, actor, now)
