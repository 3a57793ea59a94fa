"""Migration 0010 (the directory of agents and services) keeps the names written by 0009: each
`display_names` row becomes an entry with that one code, the card shows the same names, and a code
attached afterwards shows its entry's name on the journey at once."""

from __future__ import annotations

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from tests.test_migrations import schema_differences
from tests.web.pages_helpers import HTML, add_contact, ring, rows

from tvox_journey.settings import Settings
from tvox_journey.store import directory
from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.migrate import alembic_config, current_revision, head_revision, upgrade
from tvox_journey.web.app import create_app

BEFORE = "0009"  # the revision the data is written at (the coordinator may re-chain it)
ADMIN = ("admin", "admin-password-for-0010")
NAMES = [
    ("agent", "op1", "Operatore 1"),
    ("agent", "1001", "Mario <Rossi>"),
    ("agent", "x" * 255, "Y" * 255),
    ("service", "op1", "Un servizio che si chiama op1"),
    ("service", "customercare", "Customer Care"),
]


def write_names(url: str) -> None:
    upgrade(url, BEFORE)
    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            for kind, code, name in NAMES:
                conn.execute(
                    text("INSERT INTO display_names (kind, code, name) VALUES (:k, :c, :n)"),
                    {"k": kind, "c": code, "n": name},
                )
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_migration_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_names_written_by_0009_become_entries_with_one_code_each(db_url: str) -> None:
    write_names(db_url)
    settings = Settings(database_url=db_url, admin_password=ADMIN[1], password_hash_memory_kib=64)
    with TestClient(create_app(settings)) as client:  # migrates on start
        client.auth = ADMIN
        assert current_revision(db_url) == head_revision()
        with client.app.state.resources.db.read.connect() as conn:  # type: ignore[attr-defined]
            found = {
                (kind, code.code, entry.name)
                for kind in directory.KINDS
                for entry in directory.entries(conn, kind)
                for code in entry.codes
            }
            counts = [len(directory.entries(conn, kind)) for kind in directory.KINDS]
        assert found == set(NAMES) and counts == [3, 2]
        contact_id = add_contact(client)
        ring(client, "m1", "2026-12-01T09:00:00.000Z", agent="op1")
        assert "Operatore 1" in rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[0]
        ring(client, "m2", "2026-12-01T09:01:00.000Z", agent="op1-pin")
        assert "op1-pin" in rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[0]
        with client.app.state.resources.db.write.begin() as conn:  # type: ignore[attr-defined]
            entry_id = directory.entry_of(conn, "agent", "op1")
            assert entry_id is not None and directory.add_code(conn, "agent", "op1-pin", entry_id, "pin")
        newest = rows(client.get(f"/contacts/{contact_id}", headers=HTML).text)[0]
        assert "Operatore 1" in newest and "op1-pin" not in newest
    assert "display_names" not in tables(db_url)
    assert schema_differences(db_url) == []


def test_downgrading_gives_back_one_name_per_code(db_url: str) -> None:
    write_names(db_url)
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), BEFORE)
    engine = make_migration_engine(db_url)
    try:
        with engine.connect() as conn:
            back = {tuple(r) for r in conn.execute(text("SELECT kind, code, name FROM display_names"))}
    finally:
        engine.dispose()
    assert back == set(NAMES)
    assert not {"directory_entries", "directory_codes"} & tables(db_url)
