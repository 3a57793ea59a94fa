"""Migration 0007 (sessions, login attempts, app keys) keeps a database written by 0006: its users can
log in, its events stay, and new webhooks still fold."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tvox_journey.services import accounts
from tvox_journey.settings import Settings
from tvox_journey.store.engine import make_migration_engine
from tvox_journey.store.migrate import current_revision, head_revision, upgrade
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.web.app import create_app

RING = {
    "dateTime": "2026-11-24T09:00:00Z",
    "callId": "c1",
    "agent": "op1",
    "service": "cc",
    "callerNumber": "0452224600",
}


def test_a_database_written_by_0006_keeps_its_users_and_events_and_folds_on(db_url: str) -> None:
    upgrade(db_url, "0006")
    engine = make_migration_engine(db_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:  # as the code of 0006 wrote them: the columns of that schema only
        for name, role in (("admin", "admin"), ("maria", "agent")):
            password_hash = accounts.Passwords(64).hash(f"{name}-password-1")
            conn.execute(
                text(
                    "INSERT INTO users (username, password_hash, role, created_at) VALUES (:u, :h, :r, :at)"
                ),
                {"u": name, "h": password_hash, "r": role, "at": now},
            )
            conn.execute(
                text(
                    "INSERT INTO event_log (received_at, method, path, route, params, outcome, status_code)"
                    " VALUES (:at, 'ACTION', 'user/create', 'user/create', :params, 'action', 200)"
                ),
                {"at": now, "params": f'[["username", "{name}"], ["role", "{role}"]]'},
            )
    engine.dispose()
    settings = Settings(database_url=db_url, password_hash_memory_kib=64)
    with TestClient(create_app(settings)) as client:  # migrates on start
        assert current_revision(db_url) == head_revision()
        assert client.get("/service/ring", params=RING).status_code == 200
        assert client.get("/api/v1/contacts", auth=("maria", "maria-password-1")).status_code == 200
        resources = client.app.state.resources  # type: ignore[attr-defined]
        with resources.db.read.connect() as conn:
            actions = conn.execute(select(event_log.c.route).where(event_log.c.outcome == "action")).all()
            folded = conn.execute(select(func.count()).select_from(interactions)).scalar_one()
        assert [a.route for a in actions] == ["user/create", "user/create"]
        assert folded == 1
