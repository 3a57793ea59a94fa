"""Backups taken while the server writes restore to a database a server starts on, with the same
journeys (docs/deployment.md, "Backups and retention"): SQLite's online backup, and pg_dump/pg_restore."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from tests.server_process import running_server
from tests.test_scale_out import ENV, play_round_robin, traffic

from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import event_log, interactions

Snapshot = tuple[int, dict[str, str]]  # event-log rows, interaction data by call id


def snapshot(url: str) -> Snapshot:
    db = make_database(url)
    try:
        with db.read.connect() as conn:
            rows = len(conn.execute(select(event_log.c.seq)).all())
            stored = {
                r.call_id: r.data for r in conn.execute(select(interactions.c.call_id, interactions.c.data))
            }
    finally:
        db.dispose()
    return rows, stored


def rebuilt(url: str) -> dict[str, str]:
    """The interactions refolded from the log alone, as `tvox-journey db rebuild` does."""
    done = subprocess.run(
        [sys.executable, "-m", "tvox_journey", "db", "rebuild", "--database", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return snapshot(url)[1]


def backed_up_during_traffic(url: str, backup: Callable[[], None], tmp_path: Path) -> Snapshot:
    """Plays random calls at a server on `url` and takes `backup()` halfway through; what the
    original holds once the traffic is over."""
    upgrade(url)
    requests = traffic(seed=21, calls=150)
    halfway = threading.Event()
    answered: list[int] = []

    def on_sent(_index: int, _status: int) -> None:
        answered.append(1)
        if len(answered) >= len(requests) // 2:
            halfway.set()

    with running_server(url, env=ENV, log_path=tmp_path / "server.log") as base:
        player = threading.Thread(target=play_round_robin, args=(requests, [base], 8, on_sent))
        player.start()
        assert halfway.wait(120)
        backup()
        player.join(120)
    return snapshot(url)


def restored_server_serves(url: str, tmp_path: Path) -> None:
    with running_server(url, env=ENV, log_path=tmp_path / "restored.log") as base:
        assert httpx.get(f"{base}/healthz").status_code == 200
        answer = httpx.get(
            f"{base}/api/v1/interactions",
            params={"state": "unknown"},
            auth=("admin", ENV["TVOX_JOURNEY_ADMIN_PASSWORD"]),
        )
        assert answer.status_code == 200


@pytest.mark.slow
def test_a_sqlite_backup_taken_while_writing_restores_with_journeys_its_log_agrees_with(
    sqlite_url: str, tmp_path: Path
) -> None:
    source = make_url(sqlite_url).database
    assert source is not None
    copy = tmp_path / "backup.db"

    def backup() -> None:  # what `sqlite3 journey.db ".backup backup.db"` does
        with sqlite3.connect(source) as live, sqlite3.connect(copy) as target:
            live.backup(target)

    original = backed_up_during_traffic(sqlite_url, backup, tmp_path)
    copy_url = f"sqlite:///{copy}"
    rows, stored = snapshot(copy_url)
    assert 0 < rows < original[0]  # a point in the middle of the traffic
    assert rebuilt(copy_url) == stored  # every interaction is the fold of the events the backup holds
    restored_server_serves(copy_url, tmp_path)
    later = tmp_path / "after.db"
    with sqlite3.connect(source) as live, sqlite3.connect(later) as target:
        live.backup(target)
    assert snapshot(f"sqlite:///{later}") == original


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.postgres
def test_a_pg_dump_taken_while_writing_restores_with_journeys_its_log_agrees_with(
    postgres_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "journey.dump"
    schema = postgres_url.rsplit("search_path%3D", 1)[1]

    def backup() -> None:
        command = ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-n", schema, "-Fc"]
        subprocess.run([*command, "-f", str(dump)], check=True, capture_output=True)

    original = backed_up_during_traffic(postgres_url, backup, tmp_path)
    with scratch_database() as name:
        subprocess.run(
            ["pg_restore", "-h", "127.0.0.1", "-U", "postgres", "-d", name, str(dump)],
            check=True,
            capture_output=True,
        )
        restored = postgres_url.replace("/test?", f"/{name}?")
        rows, stored = snapshot(restored)
        assert 0 < rows < original[0]
        assert rebuilt(restored) == stored
        restored_server_serves(restored, tmp_path)
