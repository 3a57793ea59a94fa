"""Engines: a URL becomes a Database with a read and a write engine.

SQLite runs in WAL mode; its write engine opens every transaction with
BEGIN IMMEDIATE so that writers queue on the lock instead of failing late.
Every wait on the database has a bound (`Timeouts`): connecting, a statement,
a lock, SQLite's busy lock, a pooled connection; TCP keepalives and a TCP user
timeout find a PostgreSQL server that vanished from the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tvox_journey.store.dialect import execute_plain
from tvox_journey.store.probe import Probe


@dataclass(frozen=True)
class Timeouts:
    """Bounds on waiting for the database, in seconds (the server's come from Settings)."""

    connect: int = 3  # PostgreSQL connect_timeout (psycopg: at least 2); also the pool's checkout wait
    statement: float = 5.0  # PostgreSQL statement_timeout
    lock: float = 3.0  # PostgreSQL lock_timeout (advisory locks included)
    busy: float = 3.0  # SQLite busy_timeout
    idle_in_transaction: float = 60.0  # PostgreSQL ends a session left idle inside a transaction (locks held)


# A PostgreSQL server that vanished (cable cut, partition) is noticed within about 25 s when idle and
# within TCP_USER_TIMEOUT_MS when a request is on the wire; a server that is only stopped is not: the
# bounded waits above and the writer's (writer.py) answer for it.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
TCP_USER_TIMEOUT_MS = 15000


@dataclass(frozen=True)
class Database:
    """The engines of one database: `write` for transactions that change it, `read` for the rest."""

    url: str
    read: Engine
    write: Engine
    timeouts: Timeouts = field(default_factory=Timeouts)
    probe: Probe = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "probe", Probe(self.read))

    def dispose(self) -> None:
        self.read.dispose()
        if self.write is not self.read:
            self.write.dispose()


def _sqlite_engine(url: str, *, immediate: bool, synchronous: str, busy: float) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # On the DBAPI cursor, its errors raised as SQLAlchemy raises them (a sixth of an empty
        # transaction's cost through SQLAlchemy's own execution).
        execute_plain(connection, "BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def postgres_connect_args(query: Mapping[str, Any], timeouts: Timeouts) -> dict[str, Any]:
    """psycopg connection parameters bounding every wait; what the URL's query sets wins."""
    args: dict[str, Any] = {
        "connect_timeout": timeouts.connect,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        **KEEPALIVE,
    }
    args = {name: value for name, value in args.items() if name not in query}
    options = query.get("options", "")
    if not isinstance(options, str):
        options = " ".join(options)
    server = {
        "statement_timeout": _ms(timeouts.statement),
        "lock_timeout": _ms(timeouts.lock),
        "idle_in_transaction_session_timeout": _ms(timeouts.idle_in_transaction),
    }
    extra = [f"-c {name}={value}" for name, value in server.items() if name not in options]
    args["options"] = " ".join([options, *extra]).strip()
    return args


def make_database(
    url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10, timeouts: Timeouts | None = None
) -> Database:
    """Engines for `url` (`sqlite:///path` or `postgresql+psycopg://...`)."""
    timeouts = timeouts or Timeouts()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
        write = _sqlite_engine(url, immediate=True, synchronous=sqlite_synchronous, busy=timeouts.busy)
        read = _sqlite_engine(url, immediate=False, synchronous=sqlite_synchronous, busy=timeouts.busy)
        return Database(url, read, write, timeouts)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=timeouts.connect,
        connect_args=postgres_connect_args(parsed.query, timeouts),
    )
    event.listen(engine, "connect", _utc_session)
    return Database(url, engine, engine, timeouts)


def _utc_session(dbapi_connection: Any, _record: Any) -> None:
    """Times come back in UTC whatever the server's zone: any stored time up to year 9999 can be read
    (psycopg cannot hand back 9999-12-31T23:30Z as local time in a zone east of UTC)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.autocommit = autocommit


def make_migration_engine(url: str) -> Engine:
    """A plain engine for running migrations (no pool kept around)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, poolclass=NullPool)
