"""Shared fixtures: a fresh database per test (SQLite file, or a PostgreSQL schema), the app, a client.

PostgreSQL runs when TVOX_JOURNEY_TEST_POSTGRES_URL (default: the local server
at 127.0.0.1:5432, database `test`) answers; with TVOX_JOURNEY_TEST_REQUIRE_ALL=1
(set by .ci/run) a missing PostgreSQL or Chromium fails instead of skipping.
"""

from __future__ import annotations

import html
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tvox_journey.services import accounts
from tvox_journey.settings import Settings
from tvox_journey.store.engine import Database, make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.web.app import create_app

POSTGRES_URL = os.environ.get(
    "TVOX_JOURNEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_ALL = os.environ.get("TVOX_JOURNEY_TEST_REQUIRE_ALL") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail when every test must run (CI)."""
    if REQUIRE_ALL:
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty PostgreSQL schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        admin = psycopg.connect(_conninfo(POSTGRES_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {POSTGRES_URL}: {error}")
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in POSTGRES_URL else "?"
            yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each storage test runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A fresh, migrated database of each kind (`db_url`), its engines disposed after the test."""
    upgrade(db_url)
    database = make_database(db_url)
    yield database
    database.dispose()


# The storage fixtures on PostgreSQL only: for what only PostgreSQL does (connections cut under a client).
ON_POSTGRESQL = pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


def terminate_backend(db: Database, pid: int) -> None:
    """Cut the PostgreSQL connection of backend `pid` as a restart would, and wait until it is gone."""
    with db.read.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 10
    with db.read.connect() as other:
        while other.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
            other.rollback()  # pg_stat_activity is read once a transaction: look again in a new one
            assert time.monotonic() < deadline
            time.sleep(0.02)


# The first admin every test app starts with; `client` sends these credentials (HTTP Basic).
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
# argon2 with little memory: the same code path, fast enough for hundreds of apps.
FAST_HASH_KIB = 64


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        admin_password=ADMIN_PASSWORD,
        password_hash_memory_kib=FAST_HASH_KIB,
        write_timeout=30,  # a loaded test machine is no database outage (tests of the bound set their own)
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Logged in as the admin (HTTP Basic on every request; pass `auth=None` to send none)."""
    with TestClient(app) as test_client:
        test_client.auth = (ADMIN_USER, ADMIN_PASSWORD)
        yield test_client


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    """No credentials at all (for authentication tests)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_user(app: FastAPI) -> Callable[..., str]:
    """`make_user(name, role, password=...)` adds a user to the app's database; returns the password."""

    def make(username: str, role: str, password: str = "password-for-tests") -> str:
        resources = app.state.resources
        password_hash = accounts.Passwords(FAST_HASH_KIB).hash(password)
        with resources.db.write.begin() as conn:
            accounts.add_user(
                conn,
                username=username,
                password_hash=password_hash,
                role=role,
                actor="tests",
                now=resources.now(),
            )
        return password

    return make


def log_in(client: TestClient, username: str, password: str) -> None:
    """Log `client` in through the form, as a browser does (session cookie; no HTTP Basic after this)."""
    client.auth = None
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    data = {"username": username, "password": password, "csrf_token": html.unescape(token.group(1))}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture
def login() -> Callable[[TestClient, str, str], None]:
    """`login(client, username, password)`: log in through the form (see `log_in`)."""
    return log_in
