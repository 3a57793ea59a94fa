"""Migration 0011 (notes on calls and their outcomes) keeps a database written at 0010: its calls take
notes at once, the four outcomes are there in both languages, a contact is found by a note's text, and
the schema is the declared one."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.test_migration_0008 import write_0007_log
from tests.test_migrations import schema_differences

from tvox_journey.settings import Settings
from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.migrate import current_revision, head_revision, upgrade
from tvox_journey.web.app import create_app

BEFORE = "0010"  # the revision this one follows
ADMIN = ("admin", "admin-password-for-0011")


def write_before(url: str) -> None:
    """A log, a call (c1 of +390452224600) and Mario Rossi with that number, as of BEFORE."""
    write_0007_log(url)
    upgrade(url, BEFORE)
    engine = make_migration_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO contacts (id, name, surname, company, created_at, updated_at)"
                    " VALUES (1, 'Mario', 'Rossi', NULL, '2026-11-24 09:00:00', '2026-11-24 09:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO contact_numbers (contact_id, raw, number_key, position)"
                    " VALUES (1, '0452224600', '+390452224600', 0)"
                )
            )
    finally:
        engine.dispose()


def test_a_database_written_at_0010_takes_notes_and_finds_contacts_by_them(db_url: str) -> None:
    write_before(db_url)
    settings = Settings(database_url=db_url, admin_password=ADMIN[1], password_hash_memory_kib=64)
    with TestClient(create_app(settings)) as client:  # migrates on start
        client.auth = ADMIN
        assert current_revision(db_url) == head_revision()
        outcomes = client.get("/api/v1/note-outcomes").json()
        assert [(o["label_it"], o["label_en"], o["active"]) for o in outcomes] == [
            ("Risolto", "Resolved", True),
            ("Da richiamare", "Call back", True),
            ("Informazioni", "Information", True),
            ("Reclamo", "Complaint", True),
        ]
        assert client.get("/api/v1/interactions/c1/notes").json() == []
        created = client.post(
            "/api/v1/interactions/c1/notes", json={"text": "Richiamare lunedì", "outcome": "call_back"}
        )
        assert created.status_code == 201, created.text
        assert [c["id"] for c in client.get("/api/v1/contacts", params={"q": "LUNEDÌ"}).json()] == [1]
        card = client.get("/contacts/1", headers={"accept": "text/html"}).text
        assert "Richiamare lunedì" in card and "Da richiamare" in card
        call = client.get("/api/v1/interactions/c1").json()
        assert call["event_count"] == 1
    assert schema_differences(db_url) == []
