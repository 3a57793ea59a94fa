"""Erasure of a person (GDPR art. 17): `tvox-journey erase` and the contact card's admin action.

A person is erased by their numbers: everything stored of a number goes, wherever it is.

1. **Their calls.** Every interaction of the numbers (shown, cleared or hidden, on
   any contact's journey: a number shared by several contacts is erased for all of
   them) is deleted, and every log row of those calls (accepted, duplicate,
   unrecognized) keeps only its time, route, outcome and status: values, body,
   reason, parsed event, call id and dedupe key are erased; their audit rows (a
   callback marked handled) keep who and when, and lose every detail's value.
2. **Every other row that carries a number** (a refused request, 422 or bounded,
   an unknown path, a row whose call was already erased): the same when it has no
   call; in another person's call (the number as a popup value or as the called
   number) only the values that carry the number are replaced by `[erased]`.
3. **Other interactions** whose stored JSON carries the number (their events
   pruned by the retention, so the log no longer holds them) are redacted the same way,
   and so are notes on other calls whose text carries it (the whole text becomes `[erased]`;
   the notes of their own calls go with the calls).
4. **Contacts.** The numbers are taken off every contact; the contact erased by id
   is deleted, and so is (erasing by number) a contact that had no other number.
   Then one action row records who erased, and how many rows: no number, no name.

Each step is a series of short write transactions (`ROWS_PER_WRITE` rows, or
`CALLS_PER_WRITE` calls under their locks, at most), found by reads outside them:
on a running server they go through its writer, so webhooks wait at most for one
small batch. An erasure cut short leaves each batch either done or not: running
it again (by number, or by contact: the contact is deleted last) finishes the
job. Nothing is refolded: `db rebuild` has no event of an erased call to fold.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.domain.redaction import ERASED, NumberMatch, pairs_carry, redact_json, redact_pairs
from tvox_journey.services import recording
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import erasure as store
from tvox_journey.store import notes as note_store
from tvox_journey.store.engine import Database

CALLS_PER_WRITE = 100
ROWS_PER_WRITE = 500
ROWS_PER_READ = 2000
ACTION = "contact/erase"

T = TypeVar("T")
Write = Callable[[Callable[[Connection], Any]], Any]  # runs one write transaction, returns its result


@dataclass(frozen=True)
class Target:
    """What to erase: number keys, and the contact erased whole (None when erasing by number)."""

    keys: tuple[str, ...]
    contact_id: int | None = None


def of_number(raw: str, policy: NumberPolicy) -> Target | None:
    """The target of a number as typed; None when it is no number."""
    key = policy.key(raw) if raw.strip() else None
    return Target((key,)) if key else None


def of_contact(conn: Connection, contact_id: int) -> Target | None:
    contact = contact_store.get(conn, contact_id)
    return Target(tuple(contact.number_keys), contact.id) if contact else None


@dataclass
class Plan:
    """What an erasure would do (the contacts as they are now, the counts before it)."""

    target: Target
    deleted_contacts: list[Contact]
    changed_contacts: list[Contact]  # they lose the numbers and keep the rest
    interactions: int
    call_rows: Counter[str]  # log rows of the numbers' calls, by outcome
    other_rows: Counter[str] | None = None  # other rows carrying a number, by outcome (None: not searched)
    other_interactions: int | None = None


@dataclass
class Report:
    """What an erasure did."""

    contacts_deleted: int = 0
    contacts_changed: int = 0
    interactions_deleted: int = 0
    rows_erased: Counter[str] = field(default_factory=Counter)  # emptied whole, by outcome
    rows_redacted: Counter[str] = field(default_factory=Counter)  # values replaced, by outcome
    interactions_redacted: int = 0
    notes_redacted: int = 0
    seq: int = 0  # the audit row

    def details(self, target: Target) -> list[tuple[str, str]]:
        """The audit row's details: counts, never a number or a name."""
        details = [("contact_id", str(target.contact_id))] if target.contact_id is not None else []
        return details + [
            ("numbers", str(len(target.keys))),
            ("contacts_deleted", str(self.contacts_deleted)),
            ("contacts_changed", str(self.contacts_changed)),
            ("interactions_deleted", str(self.interactions_deleted)),
            ("interactions_redacted", str(self.interactions_redacted)),
            ("log_rows_erased", str(sum(self.rows_erased.values()))),
            ("log_rows_redacted", str(sum(self.rows_redacted.values()))),
            ("notes_redacted", str(self.notes_redacted)),
        ]


def _matcher(target: Target, policy: NumberPolicy) -> NumberMatch:
    return NumberMatch.of(target.keys, policy.region)


def _contacts(conn: Connection, target: Target) -> tuple[list[Contact], list[Contact]]:
    """The contacts to delete and those that only lose the numbers."""
    ids = set(store.contacts_with_numbers(conn, target.keys)) if target.keys else set()
    if target.contact_id is not None:
        ids.add(target.contact_id)
    deleted: list[Contact] = []
    changed: list[Contact] = []
    for contact_id in sorted(ids):
        contact = contact_store.get(conn, contact_id)
        if contact is None:
            continue
        alone = target.contact_id is None and all(key in target.keys for key in contact.number_keys)
        (deleted if contact.id == target.contact_id or alone else changed).append(contact)
    return deleted, changed


def plan(db: Database, target: Target, policy: NumberPolicy, *, search: bool = False) -> Plan:
    """What `erase` would do; `search` also reads the whole log and every interaction for the other
    rows and interactions that carry a number (what a dry run of the command line shows)."""
    with db.read.connect() as conn:
        deleted, changed = _contacts(conn, target)
        result = Plan(
            target,
            deleted,
            changed,
            store.count_interactions(conn, target.keys) if target.keys else 0,
            store.count_rows_of_numbers(conn, target.keys) if target.keys else Counter(),
        )
    if search and target.keys:
        match, mine = _matcher(target, policy), _mine(db, target)
        result.other_rows = Counter()
        for raws in _log_pages(db):
            with db.read.connect() as conn:
                rows = store.rows_by_seq(conn, [int(r.key) for r in raws if match.may_carry(r.text)])
            result.other_rows.update(r.outcome for r in rows if r.call_id not in mine and _carries(r, match))
        result.other_interactions = sum(
            len(_carrying(raws, target, match)) for raws in _interaction_pages(db)
        )
    return result


def _mine(db: Database, target: Target) -> set[str]:
    """The call ids of the target's numbers."""
    with db.read.connect() as conn:
        return set(store.calls_of_numbers(conn, target.keys))


# -- what carries a number --------------------------------------------------------------------------


def _text(body: bytes | None) -> str | None:
    return body.decode("utf-8", "replace") if body else None


def _carries(row: store.LogRow, match: NumberMatch) -> bool:
    return (
        match(row.path)
        or pairs_carry(row.params, match)
        or match(_text(row.body))
        or match(row.reason)
        or redact_json(row.event, match)[1]
    )


def _whole(row: store.LogRow, match: NumberMatch) -> store.LogRow:
    """The row with nothing of the person left: the time, route, outcome and status stay."""
    params = row.params if isinstance(row.params, list) else []
    return replace(
        row,
        path=ERASED if match(row.path) else row.path,
        params=redact_pairs(params, match, whole=True),
        body=None,
        reason=ERASED if row.reason else None,
        event=None,
        call_id=None,
    )


def _values(row: store.LogRow, match: NumberMatch) -> store.LogRow:
    """The row with the values that carry a number replaced (a row of another person's call)."""
    params = row.params if isinstance(row.params, list) else []
    return replace(
        row,
        path=ERASED if match(row.path) else row.path,
        params=redact_pairs(params, match, whole=False),
        body=None if match(_text(row.body)) else row.body,
        reason=ERASED if match(row.reason) else row.reason,
        event=redact_json(row.event, match)[0],
    )


# -- the writes ------------------------------------------------------------------------------------


def _erase_calls(conn: Connection, call_ids: Sequence[str], match: NumberMatch) -> tuple[Counter[str], int]:
    """Empty up to ROWS_PER_WRITE log rows of these calls, then delete the interactions of those with
    none left; the rows emptied by outcome, and the interactions deleted."""
    recording.lock_calls(conn, call_ids)
    rows = store.rows_of_calls(conn, call_ids, ROWS_PER_WRITE)
    store.redact(conn, [_whole(row, match) for row in rows])
    store.erase_action_details(conn, call_ids)
    left = store.calls_with_rows(conn, call_ids)
    deleted = store.delete_interactions(conn, [c for c in call_ids if c not in left])
    return Counter(row.outcome for row in rows), deleted


def _erase_rows(
    conn: Connection, seqs: Sequence[int], target: Target, match: NumberMatch
) -> tuple[Counter[str], Counter[str]]:
    """Redact these rows (read again here): emptied when they have no call or are a call of the
    numbers (one that arrived meanwhile), else only their values that carry a number."""
    calls = sorted({row.call_id for row in store.rows_by_seq(conn, seqs) if row.call_id})
    recording.lock_calls(conn, calls)
    stored = store.interactions_of(conn, calls)
    erased: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    changes = []
    for row in store.rows_by_seq(conn, seqs):
        if not _carries(row, match):
            continue
        call = stored.get(row.call_id) if row.call_id else None
        if row.call_id is None or (call is not None and call.number_key in target.keys):
            changes.append(_whole(row, match))
            erased[row.outcome] += 1
        else:
            changes.append(_values(row, match))
            redacted[row.outcome] += 1
    store.redact(conn, changes)
    return erased, redacted


def _search_text(data: dict[str, Any]) -> str:
    """What popup search reads (as store/interactions.py writes it)."""
    popups = data.get("popups") or []
    return " ".join(str(p[1]) for p in popups if isinstance(p, list) and len(p) == 2).lower()


def _redact_interactions(
    conn: Connection, call_ids: Sequence[str], target: Target, match: NumberMatch
) -> int:
    """Replace the values that carry a number in these interactions' JSON (read again here)."""
    recording.lock_calls(conn, call_ids)
    done = 0
    for call in store.interactions_of(conn, call_ids).values():
        data, changed = redact_json(call.data, match)
        if changed and call.number_key not in target.keys:
            store.set_data(conn, call.call_id, data, _search_text(data))
            done += 1
    return done


def _redact_notes(conn: Connection, ids: Sequence[int], match: NumberMatch) -> int:
    """Notes (of other people's calls) whose text carries a number, read again here: text ERASED."""
    return note_store.set_texts(
        conn, [i for i, text in note_store.texts_of(conn, ids) if match(text)], ERASED
    )


def _carrying(raws: Sequence[store.RawRow], target: Target, match: NumberMatch) -> list[str]:
    """The call ids of these interactions (as stored text) that carry a number and are not of the
    numbers (those are deleted whole)."""
    return [
        raw.key
        for raw in raws
        if raw.number_key not in target.keys
        and match.may_carry(raw.text)
        and redact_json(json.loads(raw.text), match)[1]
    ]


def _finish(conn: Connection, target: Target, report: Report, *, actor: str | None, now: datetime) -> Report:
    """The contacts, and the audit row: the last write, so a cut-short erasure by contact can be rerun."""
    deleted, changed = _contacts(conn, target)
    store.remove_numbers(conn, target.keys)
    report.contacts_deleted = store.delete_contacts(conn, [c.id for c in deleted])
    report.contacts_changed = len(changed)
    report.seq = recording.record_action(
        conn, actor=actor, action=ACTION, details=report.details(target), now=now
    )
    return report


# -- the reads that find the work -----------------------------------------------------------------


def _log_pages(db: Database) -> Iterator[list[store.RawRow]]:
    """The whole log but actions, a read at a time, as stored text."""
    after = 0
    while True:
        with db.read.connect() as conn:
            raws = store.raw_rows_after(conn, after, ROWS_PER_READ)
        if not raws:
            return
        yield raws
        after = int(raws[-1].key)


def _interaction_pages(db: Database) -> Iterator[list[store.RawRow]]:
    """Every interaction, a read at a time, as stored text."""
    after: str | None = None
    while True:
        with db.read.connect() as conn:
            raws = store.raw_interactions_after(conn, after, ROWS_PER_READ)
        if not raws:
            return
        yield raws
        after = raws[-1].key


def _note_pages(db: Database) -> Iterator[list[tuple[int, str]]]:
    after = 0
    while page := _read(db, partial(note_store.texts_after, after=after, limit=ROWS_PER_READ)):
        yield page
        after = page[-1][0]


def _read(db: Database, query: Callable[[Connection], T]) -> T:
    with db.read.connect() as conn:
        return query(conn)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _erase_all_calls(db: Database, target: Target, match: NumberMatch, write: Write, report: Report) -> None:
    while True:
        with db.read.connect() as conn:
            calls = store.calls_of_numbers(conn, target.keys, CALLS_PER_WRITE)
        if not calls:
            return
        rows, deleted = write(partial(_erase_calls, call_ids=calls, match=match))
        report.rows_erased += rows
        report.interactions_deleted += deleted


def erase(
    db: Database,
    target: Target,
    policy: NumberPolicy,
    *,
    actor: str | None,
    now: datetime,
    write: Write | None = None,
) -> Report:
    """Erase everything stored of the target's numbers (see the module's text); `write` runs one write
    transaction (default: one of `db`'s write engine; the server passes its writer)."""

    def in_transaction(job: Callable[[Connection], Any]) -> Any:
        with db.write.begin() as conn:
            return job(conn)

    run = write or in_transaction
    report = Report()
    if target.keys:
        match = _matcher(target, policy)
        _erase_all_calls(db, target, match, run, report)
        for raws in _log_pages(db):
            found = [int(raw.key) for raw in raws if match.may_carry(raw.text)]
            for seqs in _chunks(found, ROWS_PER_WRITE):
                erased, redacted = run(partial(_erase_rows, seqs=seqs, target=target, match=match))
                report.rows_erased += erased
                report.rows_redacted += redacted
        for raws in _interaction_pages(db):
            for calls in _chunks(_carrying(raws, target, match), CALLS_PER_WRITE):
                report.interactions_redacted += run(
                    partial(_redact_interactions, call_ids=calls, target=target, match=match)
                )
        for page in _note_pages(db):
            found = [i for i, text in page if match.may_carry(text) and match(text)]
            for ids in _chunks(found, ROWS_PER_WRITE):
                report.notes_redacted += run(partial(_redact_notes, ids=ids, match=match))
        _erase_all_calls(db, target, match, run, report)  # calls of the numbers recorded meanwhile
    result: Report = run(partial(_finish, target=target, report=report, actor=actor, now=now))
    return result
