"""The directory of agents and services on both databases: every code of an entry resolves to its name,
the one-code functions the demo and reports call keep their meaning, changes are checked and audited,
and the codes recent calls carry that no entry has are found within a bounded window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, insert, select

from tvox_journey.services import directory as changes
from tvox_journey.services.directory import DirectoryError
from tvox_journey.store import directory, names
from tvox_journey.store.engine import Database
from tvox_journey.store.schema import event_log, interactions

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WHO: dict[str, Any] = {"actor": "admin", "now": NOW}


def add_call(conn: Connection, call_id: str, at: datetime, agent: str | None, service: str | None) -> None:
    row = {
        "call_id": call_id, "kind": "service", "direction": "IN", "outcome": "answered",
        "number_key": "+390452224600", "is_internal": False, "agent": agent, "service": service,
        "sort_at": at, "ended_at": None, "data": {}, "search_text": "", "last_seq": 1, "cleared": False,
    }  # fmt: skip
    conn.execute(insert(interactions).values(row))


def audit(conn: Connection) -> list[tuple[str, dict[str, str]]]:
    query = select(event_log.c.route, event_log.c.params, event_log.c.actor).where(
        event_log.c.outcome == "action"
    )
    return [(r.route, dict(r.params)) for r in conn.execute(query.order_by(event_log.c.seq))]


def test_every_code_of_an_entry_resolves_to_its_one_name(db: Database) -> None:
    with db.write.begin() as conn:
        names.set_name(conn, names.AGENT, "op1", "Mario Rossi")
        entry_id = directory.entry_of(conn, "agent", "op1")
        assert entry_id is not None
        assert directory.add_code(conn, "agent", "1001", entry_id, "pin")
        assert directory.add_code(conn, "agent", "201", entry_id, "extension")
        assert not directory.add_code(conn, "agent", "201", entry_id)  # a code has one entry per kind
        names.set_name(conn, names.SERVICE, "op1", "Il servizio op1")  # kinds are apart
        assert names.all_names(conn) == {
            "agent": {"op1": "Mario Rossi", "1001": "Mario Rossi", "201": "Mario Rossi"},
            "service": {"op1": "Il servizio op1"},
        }
        names.set_name(conn, names.AGENT, "1001", "Mario R.")  # any code renames the whole entry
        assert set(names.all_names(conn)["agent"].values()) == {"Mario R."}
        assert directory.codes_of(conn, "agent", "201") == ("201", "1001", "op1")
        assert directory.codes_of(conn, "agent", "nobody") == ("nobody",)
        [entry] = directory.entries(conn, "agent")
        assert [(c.code, c.label) for c in entry.codes] == [
            ("1001", "pin"),
            ("201", "extension"),
            ("op1", None),
        ]


def test_removing_a_name_forgets_the_code_and_the_entry_with_its_last_code(db: Database) -> None:
    with db.write.begin() as conn:
        names.set_name(conn, names.AGENT, "op1", "Mario")
        entry_id = directory.entry_of(conn, "agent", "op1")
        assert entry_id is not None and directory.add_code(conn, "agent", "1001", entry_id)
        names.remove_name(conn, names.AGENT, "op1")
        assert names.all_names(conn)["agent"] == {"1001": "Mario"}
        names.remove_name(conn, names.AGENT, "1001")
        names.remove_name(conn, names.AGENT, "never-there")
        assert names.all_names(conn)["agent"] == {} and directory.entries(conn, "agent") == []


def test_merge_moves_every_code_and_keeps_the_first_entrys_name(db: Database) -> None:
    with db.write.begin() as conn:
        changes.add_entry(conn, kind="agent", name="Mario Rossi", code="op1", label="username", **WHO)
        changes.add_entry(conn, kind="agent", name="1001", code="1001", label="pin", **WHO)
        into, source = (directory.entry_of(conn, "agent", c) for c in ("op1", "1001"))
        assert into is not None and source is not None
        changes.attach_code(conn, entry_id=source, code="201", label="", **WHO)
        changes.merge_entries(conn, into_id=into, from_id=source, **WHO)
        assert names.all_names(conn)["agent"] == {
            "op1": "Mario Rossi",
            "1001": "Mario Rossi",
            "201": "Mario Rossi",
        }
        assert directory.get_entry(conn, source) is None
        assert [route for route, _ in audit(conn)] == [
            "directory/add", "directory/add", "directory/attach", "directory/merge",
        ]  # fmt: skip
        assert audit(conn)[-1][1] == {
            "kind": "agent", "entry": str(into), "name": "Mario Rossi", "merged": str(source),
            "merged_name": "1001", "codes": "2",
        }  # fmt: skip
        changes.rename_entry(conn, entry_id=into, name="  Mario  ", **WHO)
        changes.detach_code(conn, kind="agent", code="201", **WHO)
        assert names.all_names(conn)["agent"] == {"op1": "Mario", "1001": "Mario"}
        changes.delete_entry(conn, entry_id=into, **WHO)
        assert names.all_names(conn)["agent"] == {}
        assert audit(conn)[-1] == (
            "directory/delete",
            {"kind": "agent", "entry": str(into), "name": "Mario", "codes": "1001, op1"},
        )


def adding(**fields: str) -> Any:
    """A change adding an entry: an agent "X" with code "x" but for `fields`."""
    values: dict[str, Any] = {"kind": "agent", "name": "X", "code": "x", "label": ""} | fields | WHO
    return lambda c, a, s: changes.add_entry(c, **values)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (adding(kind="robot"), "error_kind"),
        (adding(name=" "), "error_empty_name"),
        (adding(code=""), "error_empty_code"),
        (adding(name="X" * 256), "error_too_long"),
        (adding(code="x" * 256), "error_too_long"),
        (adding(label="boss"), "error_label"),
        (adding(name="Other", code="op1"), "error_taken"),
        (lambda c, a, s: changes.attach_code(c, entry_id=a, code="op1", label="", **WHO), "error_taken"),
        (
            lambda c, a, s: changes.attach_code(c, entry_id=99999, code="new", label="", **WHO),
            "error_no_entry",
        ),
        (lambda c, a, s: changes.rename_entry(c, entry_id=99999, name="X", **WHO), "error_no_entry"),
        (lambda c, a, s: changes.detach_code(c, kind="agent", code="nope", **WHO), "error_no_code"),
        (lambda c, a, s: changes.merge_entries(c, into_id=a, from_id=a, **WHO), "error_merge_self"),
        (lambda c, a, s: changes.merge_entries(c, into_id=a, from_id=s, **WHO), "error_merge_kind"),
    ],
)
def test_a_refused_change_names_its_reason_and_writes_nothing(db: Database, change: Any, key: str) -> None:
    with db.write.begin() as conn:
        changes.add_entry(conn, kind="agent", name="Mario", code="op1", label="", **WHO)
        changes.add_entry(conn, kind="service", name="Customer Care", code="cc", label="", **WHO)
        agent, service = directory.entry_of(conn, "agent", "op1"), directory.entry_of(conn, "service", "cc")
        before = (names.all_names(conn), audit(conn))
        with pytest.raises(DirectoryError) as refused, conn.begin_nested():
            change(conn, agent, service)
        assert refused.value.key == f"directory.{key}"
        assert (names.all_names(conn), audit(conn)) == before
    if key == "error_taken":
        assert refused.value.values == {"name": "Mario"}


def test_unknown_codes_are_the_recent_calls_codes_no_entry_has_newest_first(db: Database) -> None:
    with db.write.begin() as conn:
        add_call(conn, "c1", NOW, "op1", "cc")
        add_call(conn, "c2", NOW + timedelta(minutes=1), "1001", "cc")
        add_call(conn, "c3", NOW + timedelta(minutes=2), "op1", None)
        add_call(conn, "c4", NOW + timedelta(minutes=3), "op2", "sales")
        add_call(conn, "c5", NOW + timedelta(minutes=4), None, "cc")
        names.set_name(conn, names.AGENT, "op2", "Giulia")
        found = directory.unknown_codes(conn, "agent")
        assert [(u.code, u.calls, u.last_at) for u in found] == [
            ("op1", 2, NOW + timedelta(minutes=2)), ("1001", 1, NOW + timedelta(minutes=1)),
        ]  # fmt: skip
        assert [(u.code, u.calls) for u in directory.unknown_codes(conn, "service")] == [
            ("cc", 3),
            ("sales", 1),
        ]
        assert [u.code for u in directory.unknown_codes(conn, "agent", limit=1)] == ["op1"]
        # Only the window's calls are read: the two latest carry no unknown agent but op1 once.
        assert [(u.code, u.calls) for u in directory.unknown_codes(conn, "agent", window=3)] == [("op1", 1)]
        entry_id = directory.entry_of(conn, "agent", "op2")
        assert entry_id is not None
        changes.attach_code(conn, entry_id=entry_id, code="op1", label="username", **WHO)
        assert [u.code for u in directory.unknown_codes(conn, "agent")] == ["1001"]


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["set", "remove"]), st.sampled_from(["a", "b", "c"]), st.sampled_from(["X", "Y"])
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_one_code_at_a_time_the_directory_answers_as_the_old_table_did(
    db: Database, operations: list[tuple[str, str, str]]
) -> None:
    """Whatever order `set_name` and `remove_name` come in, `all_names` is the last name given to each
    code still named, as with the one-row-per-code table the reports were written against."""
    model: dict[str, str] = {}
    with db.write.connect() as conn, conn.begin() as transaction:
        for operation, code, name in operations:
            if operation == "set":
                names.set_name(conn, names.AGENT, code, name)
                model[code] = name
            else:
                names.remove_name(conn, names.AGENT, code)
                model.pop(code, None)
        assert names.all_names(conn) == {"agent": model, "service": {}}
        transaction.rollback()
