"""Notes and their outcomes in the store and services, on SQLite and PostgreSQL alike: the role rule,
limits, audit rows, search, a cleared journey, the erasure of the call, and the admins' list (its
order under any series of moves: Hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select
from tests.store.test_store import record, ring

from tvox_journey import erasure
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.services import note_outcomes
from tvox_journey.services import notes as note_services
from tvox_journey.services.notes import Draft, Refused, Saved
from tvox_journey.store import contacts, notes
from tvox_journey.store.engine import Database, make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log
from tvox_journey.store.users import Role

POLICY = NumberPolicy()
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SEEDED = ["resolved", "call_back", "information", "complaint"]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    upgrade(db_url)
    database = make_database(db_url)
    with database.write.begin() as conn:
        record(conn, ring("c1", "0452224600"))
        record(conn, ring("c2", "3331112222", 10))
        numbers = contact_services.contact_numbers(["0452224600"], POLICY)
        contacts.create(conn, name="Mario", surname="Rossi", company=None, numbers=numbers, now=NOW)
    yield database
    database.dispose()


def add(conn: Connection, text: str, *, who: str = "anna", role: Role = "agent", call: str = "c1",
        outcome: str | None = None) -> Saved | Refused:  # fmt: skip
    return note_services.add_note(conn, call, Draft(text, outcome), username=who, role=role, now=NOW)


def saved(result: Saved | Refused) -> Saved:
    assert isinstance(result, Saved), result
    return result


def audit_routes(conn: Connection) -> list[tuple[str, str | None, str | None]]:
    query = select(event_log.c.route, event_log.c.actor, event_log.c.call_id).where(
        event_log.c.outcome == "action"
    )
    return [tuple(r) for r in conn.execute(query.order_by(event_log.c.seq))]


def test_roles_are_named_agents_and_admins_write_and_any_other_role_only_reads() -> None:
    assert [note_services.may_write(r) for r in ("viewer", "agent", "admin")] == [False, True, True]
    assert note_services.may_write("supervisor") is False  # supervisors read notes, write none


def test_an_agent_changes_their_own_notes_an_admin_any_a_viewer_none(db: Database) -> None:
    with db.write.begin() as conn:
        refused_role = Refused(403, "notes.error_role", "requires the agent or admin role")
        assert add(conn, "no", who="vera", role="viewer") == refused_role
        annas = saved(add(conn, "di Anna", outcome="resolved")).note
        edit = note_services.edit_note
        refused = edit(conn, annas.id, Draft("x", None), username="bruno", role="agent", now=NOW)
        assert isinstance(refused, Refused) and refused.status == 403
        later = NOW + timedelta(minutes=5)
        changed = saved(
            edit(conn, annas.id, Draft("di Anna, bis", "complaint"), username="anna", role="agent", now=later)
        )
        assert (changed.note.text, changed.note.outcome, changed.note.updated_at) == (
            "di Anna, bis",
            "complaint",
            later,
        )
        assert isinstance(
            note_services.delete_note(conn, annas.id, username="bruno", role="agent", now=NOW), Refused
        )
        assert isinstance(
            note_services.delete_note(conn, annas.id, username="anna", role="viewer", now=NOW), Refused
        )
        saved(note_services.delete_note(conn, annas.id, username="root", role="admin", now=NOW))
        assert notes.get(conn, annas.id) is None
        assert audit_routes(conn) == [("note/create", "anna", "c1"), ("note/update", "anna", "c1"),
                                      ("note/delete", "root", "c1")]  # fmt: skip
    with db.read.connect() as conn:
        assert notes.for_calls(conn, ["c1", "c2"]) == {}


def test_notes_are_listed_oldest_first_per_call_and_stored_times_are_utc(db: Database) -> None:
    with db.write.begin() as conn:
        for text, call in (("uno", "c1"), ("due", "c2"), ("tre", "c1")):
            saved(add(conn, text, call=call))
    with db.read.connect() as conn:
        found = notes.for_calls(conn, ["c1", "c2", "c9"])
    assert {k: [n.text for n in v] for k, v in found.items()} == {"c1": ["uno", "tre"], "c2": ["due"]}
    assert found["c1"][0].created_at == NOW and found["c1"][0].created_at.tzinfo is not None


def test_a_refusal_writes_nothing_not_even_an_audit_row(db: Database) -> None:
    with db.write.begin() as conn:
        assert isinstance(add(conn, "x", call="nope"), Refused)
        assert isinstance(add(conn, "x", outcome="nope"), Refused)
        for i in range(note_services.NOTES_PER_CALL):
            saved(add(conn, f"n{i}"))
        full = add(conn, "troppo")
        assert isinstance(full, Refused) and full.status == 409
        assert len(audit_routes(conn)) == note_services.NOTES_PER_CALL


def test_the_draft_keeps_text_as_typed_within_its_bounds() -> None:
    assert note_services.draft("  a\r\nb\rc\td  ", "") == Draft("a\nb\nc\td", None)
    assert note_services.draft("", " resolved ") == Draft("", "resolved")
    assert note_services.draft("<b>&amp;</b>", None).text == "<b>&amp;</b>"
    for text in ("", "x" * 4001, "a\x00b", "a\x1bb", "a\x7fb"):
        with pytest.raises(note_services.InvalidNote):
            note_services.draft(text, None)
    assert len(note_services.draft("é" * 4000, None).text) == 4000


def test_the_search_finds_contacts_by_note_text_but_not_on_a_cleared_journey(db: Database) -> None:
    with db.write.begin() as conn:
        saved(add(conn, "Vuole lo SCONTO fedeltà"))
        saved(add(conn, "sconto per un altro", call="c2"))  # a number no contact has
    with db.read.connect() as conn:
        found = contact_services.search_contacts(conn, "sconto FEDELTÀ", POLICY, limit=10)
        assert [c.surname for c in found] == ["Rossi"]
        assert contact_services.search_contacts(conn, "sc", POLICY, limit=10) == []
    with db.write.begin() as conn:
        mario = contacts.search(conn, text="Rossi")[0]
        contact_services.clear_journey(conn, mario, actor="admin", now=NOW)
    with db.read.connect() as conn:
        assert contact_services.search_contacts(conn, "sconto", POLICY, limit=10) == []


def test_erasing_a_person_deletes_the_notes_of_their_calls_and_redacts_others_that_carry_the_number(
    db: Database,
) -> None:
    """The notes' audit rows carry the call id and are never emptied: the erasure must not wait for them."""
    with db.write.begin() as conn:
        saved(add(conn, "Mario ha chiamato per il rimborso"))
        saved(add(conn, "un'altra persona", call="c2"))
        saved(add(conn, "il cognato di Mario: richiamarlo al +39 045 222 4600", call="c2"))
        saved(add(conn, "numero diverso: 04522246009", call="c2"))  # a longer number is another
    target = erasure.of_number("0452224600", POLICY)
    assert target is not None
    report = erasure.erase(db, target, POLICY, actor="admin", now=NOW)
    assert report.notes_redacted == 1
    with db.read.connect() as conn:
        left = notes.for_calls(conn, ["c1", "c2"])
        assert list(left) == ["c2"]
        assert [n.text for n in left["c2"]] == [
            "un'altra persona",
            "[erased]",
            "numero diverso: 04522246009",
        ]
        assert contact_services.search_contacts(conn, "222 4600", POLICY, limit=10) == []


def test_an_inactive_outcome_is_no_longer_offered_but_stays_on_old_notes(db: Database) -> None:
    with db.write.begin() as conn:
        old = saved(add(conn, "vecchia", outcome="complaint")).note
        note_outcomes.change(conn, "complaint", label_it="Reclamo", label_en="Complaint", active=False,
                             actor="admin", now=NOW)  # fmt: skip
        assert isinstance(add(conn, "nuova", outcome="complaint"), Refused)
        kept = note_services.edit_note(conn, old.id, Draft("vecchia, corretta", "complaint"), username="anna",
                                       role="agent", now=NOW)  # fmt: skip
        assert saved(kept).note.outcome == "complaint"
        assert [o.code for o in note_outcomes.offered(notes.all_outcomes(conn))] == SEEDED[:3]


def test_outcome_changes_are_checked_and_audited(db: Database) -> None:
    with db.write.begin() as conn:
        assert (
            note_outcomes.add(conn, code=" Sale ", label_it="Vendita", label_en="Sale", actor="a", now=NOW)
            == "sale"
        )
        for code, it, en in (
            ("sale", "V", "S"),
            ("bad code", "V", "S"),
            ("ok", "", "S"),
            ("ok", "V", "x" * 81),
        ):
            with pytest.raises(note_outcomes.InvalidOutcome):
                note_outcomes.add(conn, code=code, label_it=it, label_en=en, actor="a", now=NOW)
        with pytest.raises(note_outcomes.InvalidOutcome):
            note_outcomes.change(conn, "nope", label_it="x", label_en="y", active=True, actor="a", now=NOW)
        assert note_outcomes.move(conn, "resolved", "up", actor="a", now=NOW) is False
        assert [r[0] for r in audit_routes(conn)] == ["note_outcome/create"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from(SEEDED), st.sampled_from(["up", "down"])), max_size=12))
def test_any_series_of_moves_keeps_every_outcome_once_in_the_order_a_list_would(
    db: Database, moves: list[tuple[str, str]]
) -> None:
    expected = list(SEEDED)
    with db.write.connect() as conn, conn.begin() as transaction:
        for code, direction in moves:
            at = expected.index(code)
            to = at - 1 if direction == "up" else at + 1
            moved = note_outcomes.move(conn, code, "up" if direction == "up" else "down", actor="a", now=NOW)
            assert moved is (0 <= to < len(expected))
            if moved:
                expected[at], expected[to] = expected[to], expected[at]
        found = notes.all_outcomes(conn)
        assert [o.code for o in found] == expected
        assert [o.position for o in found] == [1, 2, 3, 4]
        transaction.rollback()
