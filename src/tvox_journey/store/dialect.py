"""What SQLite and PostgreSQL do differently, one small function for each difference.

The other store modules, the services and the log follower never ask which
database they are on: they call these.

- `on_conflict_insert`: the INSERT construct with ON CONFLICT DO NOTHING / DO
  UPDATE (both databases have them; SQLAlchemy spells them per dialect);
- `insert_new_rows`: a multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING through the driver
  (one statement of arrays on PostgreSQL), of rows made ready by `driver_values`;
- `execute_many`, `select_rows`, `select_in`: the writer's other statements through the driver, their
  SQL compiled once for each dialect (the driver's errors raised as SQLAlchemy raises them), and
  `execute_plain` for SQLite's `BEGIN`;
- `lock_keys`: advisory locks that serialize the folds of the same calls
  across processes, to the end of the transaction;
- `migration_lock`: the lock one migrating process holds while the others wait;
- `notification_scope`, `snapshot`, `one_snapshot`: what following the event
  log across processes needs (store/changes.py, web/tasks/feed.py);
- `by_code_point`: text compared by code point;
- `time_bucket`: a stored time's slot of so many seconds since the Unix epoch (the reports).

SQLite has one writer at a time (its write transactions begin IMMEDIATE and
lock the file), so it needs no locks of its own, commits the log in sequence
order, and has nothing to listen to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ClauseElement,
    ColumnElement,
    Connection,
    Integer,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from tvox_journey.store import json_text

InsertFactory = Callable[[Table], postgresql.Insert | sqlite.Insert]

# One statement for all keys, taken in ascending order so two writers cannot deadlock.
_TRANSACTION_LOCKS = text(
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS keys"
)
# The two-key form of PostgreSQL's advisory locks: its key space is apart from the one-key locks of
# `lock_keys`. The second key is the schema, so databases kept in different schemas of one PostgreSQL
# database (the test fixtures do that) do not wait for each other.
_MIGRATION_LOCK = "SELECT pg_advisory_lock(hashtext('tvox-journey migrations'), hashtext(current_schema()))"
_MIGRATION_UNLOCK = (
    "SELECT pg_advisory_unlock(hashtext('tvox-journey migrations'), hashtext(current_schema()))"
)


def _postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def on_conflict_insert(conn: Connection) -> InsertFactory:
    """The `insert` of the connection's dialect, which has `on_conflict_do_nothing` and
    `on_conflict_do_update` (SQLAlchemy's generic `insert` has neither).

    It is one of two functions, so statements built with it can be cached by it.
    """
    return postgresql.insert if _postgresql(conn) else sqlite.insert


def driver_values(
    dialect: Dialect, table: Table, row: Mapping[str, Any], *, encoded: tuple[str, ...] = ()
) -> tuple[Any, ...]:
    """A row's values, in its order, as `insert_new_rows` hands them to the driver: what SQLAlchemy's
    own bind processing would send (JSON as its text, SQLite's times as its text). The JSON columns
    named in `encoded` already hold their text (`json_column_text`).

    Pure and thread-safe: the writer's callers run it before their rows wait for the writer.
    """
    processors = _processors(dialect.name == "postgresql", table, tuple(row), encoded)
    return tuple(
        value if process is None else process(value)
        for value, process in zip(row.values(), processors, strict=True)
    )


@cache
def _processors(
    postgresql_: bool, table: Table, columns: tuple[str, ...], encoded: tuple[str, ...]
) -> tuple[Callable[[Any], Any] | None, ...]:
    processors: list[Callable[[Any], Any] | None] = []
    for name in columns:
        column_type = table.c[name].type
        if name in encoded:
            processors.append(None)
        elif isinstance(column_type, JSON):
            # SQLAlchemy's default serializer, on both dialects (store/engine.py sets none).
            processors.append(_json_text)
        elif postgresql_:
            processors.append(None)  # psycopg takes these columns' Python values as they are
        else:
            processors.append(column_type.dialect_impl(_SQLITE).bind_processor(_SQLITE))
    return tuple(processors)


def insert_new_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: str,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """INSERT these rows (each the `driver_values` of `columns`, in order) but those whose `key` is
    taken, ON CONFLICT DO NOTHING; returns the `returning` columns of the rows inserted, in that order.

    One statement, sent through the driver with its SQL built once: on PostgreSQL one array a column
    (`unnest`), whatever the number of rows (psycopg converts a statement of more than 50 parameters
    again at every execution and never prepares it; a multi-row VALUES of eight log rows has 152); on
    SQLite a multi-row VALUES, one text for each number of rows (and one statement for each
    `SQLITE_MAX_VARIABLES` values).
    """
    if not rows:
        return []
    if not _postgresql(conn):
        found: list[tuple[Any, ...]] = []
        per_statement = max(1, SQLITE_MAX_VARIABLES // len(columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = _sqlite_insert_new(table, tuple(columns), len(chunk), key, tuple(returning))
            found.extend(_driver(conn, sql, tuple(value for row in chunk for value in row)))
        return found
    sql = _postgresql_insert_new(table, tuple(columns), key, tuple(returning))
    return _driver(conn, sql, tuple(list(values) for values in zip(*rows, strict=True)))


def execute_many(
    conn: Connection, statement: ClauseElement, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Run `statement` (an INSERT of `columns`, whose own parameters follow) once a row, each row the
    `driver_values` of `columns`: through the driver, its SQL compiled once for each dialect."""
    sql, own = _compiled(_postgresql(conn), statement, tuple(columns))
    _driver(conn, sql, [(*row, *own) for row in rows], many=True)


def select_rows(
    conn: Connection, statement: ClauseElement, names: Sequence[str], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Run a SELECT whose first parameters are `names`, given as driver values: through the driver,
    its SQL compiled once for each dialect. JSON columns come back as the driver gives them (text on
    SQLite, decoded on PostgreSQL)."""
    sql, own = _compiled(_postgresql(conn), statement, tuple(names))
    return _driver(conn, sql, (*values, *own))


def execute_plain(conn: Connection, sql: str) -> None:
    """Run a statement without parameters (`BEGIN IMMEDIATE`) on the connection's DBAPI cursor (`_driver`)."""
    _driver(conn, sql, ())


def _driver(conn: Connection, sql: str, parameters: Any, *, many: bool = False) -> list[tuple[Any, ...]]:
    """Run SQL on the connection's own DBAPI cursor, in its transaction; returns the rows as tuples.

    SQLAlchemy's execution costs about 70,000 instructions a statement over the driver's own (its
    events, the result's metadata). The driver's errors are raised as SQLAlchemy raises them (its
    `DBAPIError` subclasses, with the original as `orig`), and a lost connection is invalidated as
    SQLAlchemy invalidates it, so `store/errors.is_unavailable` and the pool see no difference.
    """
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = None
    try:
        cursor = dbapi_connection.cursor()
        if many:
            cursor.executemany(sql, parameters)
            return []
        cursor.execute(sql, parameters)
        return list(cursor.fetchall()) if cursor.description else []
    except conn.dialect.loaded_dbapi.Error as error:
        lost = conn.dialect.is_disconnect(error, dbapi_connection, cursor)
        wrapped = DBAPIError.instance(
            sql,
            parameters,
            error,
            conn.dialect.loaded_dbapi.Error,
            hide_parameters=conn.engine.hide_parameters,
            connection_invalidated=lost,
            dialect=conn.dialect,
            ismulti=many,
        )
        if lost:
            conn.invalidate(error)
        raise wrapped from error
    finally:
        if cursor is not None:
            cursor.close()


def in_list(column: ColumnElement[Any], name: str, postgresql_: bool) -> ColumnElement[bool]:
    """`column IN` the list given as one parameter `name` (see `select_in`), so that the statement is
    the same for any number of values: PostgreSQL's `= ANY(array)`, SQLite's `json_each` of its text."""
    if postgresql_:
        return column == any_(bindparam(name, type_=ARRAY(Text)))
    return column.in_(select(func.json_each(bindparam(name)).table_valued("value").c.value))


def select_in(
    conn: Connection, statement_for: Callable[[bool], ClauseElement], name: str, values: Sequence[str]
) -> list[tuple[Any, ...]]:
    """`select_rows` of the connection's dialect's statement (`statement_for(is it PostgreSQL)`), whose
    first parameter `name` is an `in_list` of `values`."""
    postgresql_ = _postgresql(conn)
    listed = list(values) if postgresql_ else _JSON(list(values))
    return select_rows(conn, statement_for(postgresql_), [name], [listed])


@cache
def _compiled(
    postgresql_: bool, statement: ClauseElement, columns: tuple[str, ...]
) -> tuple[str, tuple[Any, ...]]:
    """The statement's SQL with positional parameters, and the driver values of its own parameters."""
    sql_dialect = _POSITIONAL_POSTGRESQL if postgresql_ else _SQLITE
    compiled = statement.compile(dialect=sql_dialect, column_keys=list(columns))
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a SQL statement: {statement!r}")
    names = tuple(compiled.positiontup or ())
    if names[: len(columns)] != columns:
        raise ValueError(f"the statement's first parameters are {names[: len(columns)]}, not {columns}")
    own: list[Any] = []
    for name in names[len(columns) :]:
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(sql_dialect).bind_processor(sql_dialect)
        own.append(bind.value if process is None else process(bind.value))
    return compiled.string, tuple(own)


SQLITE_MAX_VARIABLES = 32766  # SQLite's limit on the parameters of one statement (since 3.32)
_SQLITE = SQLiteDialect_pysqlite()  # the engines' own: their types' processors, their quoting
_POSTGRESQL = postgresql.base.PGDialect()  # type: ignore[no-untyped-call]
# psycopg's own %s placeholders, for SQL compiled with positional parameters
_POSITIONAL_POSTGRESQL = PGDialect_psycopg(paramstyle="format")  # type: ignore[no-untyped-call]


@cache
def _sqlite_insert_new(
    table: Table, columns: tuple[str, ...], rows: int, key: str, returning: tuple[str, ...]
) -> str:
    quote = _SQLITE.identifier_preparer.quote
    one = "(" + ", ".join("?" * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
        f"VALUES {', '.join([one] * rows)} "  # in order: of equal keys the first is the one stored
        f"ON CONFLICT ({quote(key)}) DO NOTHING RETURNING {', '.join(quote(name) for name in returning)}"
    )


@cache
def _postgresql_insert_new(
    table: Table, columns: tuple[str, ...], key: str, returning: tuple[str, ...]
) -> str:
    quote = _POSTGRESQL.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    arrays = ", ".join(f"%s::{table.c[name].type.compile(dialect=_POSTGRESQL)}[]" for name in columns)
    return (
        f"INSERT INTO {quote(table.name)} ({names}) "
        f"SELECT {names} FROM unnest({arrays}) WITH ORDINALITY AS given ({names}, position) "
        f"ORDER BY position "  # rows go in in order: of equal keys the first is the one stored
        f"ON CONFLICT ({quote(key)}) DO NOTHING RETURNING {', '.join(quote(name) for name in returning)}"
    )


_JSON = json_text.encoder()  # json.dumps, SQLAlchemy's default serializer


def _json_text(value: Any) -> str | None:
    """A JSON column's value as SQLAlchemy writes it (None is SQL NULL)."""
    return None if value is None else _JSON(value)


def json_column_text(value: Any) -> str:
    """The text SQLAlchemy writes to a JSON column for `value` (json.dumps: every character outside
    ASCII escaped)."""
    return _JSON(value)


def lock_keys(conn: Connection, keys: Iterable[int]) -> None:
    """Hold an advisory lock on each signed 64-bit key until the transaction ends (PostgreSQL).

    On SQLite `keys` is not even read: the one writer already holds the whole file.
    """
    if not _postgresql(conn):
        return
    ordered = sorted(set(keys))
    if ordered:
        conn.execute(_TRANSACTION_LOCKS, {"keys": ordered})


@contextmanager
def migration_lock(conn: Connection) -> Iterator[None]:
    """Hold the schema's migration lock (PostgreSQL; SQLite's writers queue on its file lock).

    The lock belongs to the session, so the transactions of the migration commit under it.
    """
    if not _postgresql(conn):
        yield
        return
    conn.execute(text(_MIGRATION_LOCK))
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.execute(text(_MIGRATION_UNLOCK))
        conn.commit()


def notification_scope(conn: Connection) -> str | None:
    """What a notification channel is named after: the database and schema (PostgreSQL).

    None on SQLite, which has no LISTEN/NOTIFY (and one writer, in the same file).
    """
    if not _postgresql(conn):
        return None
    return str(conn.execute(text("SELECT current_database() || '.' || current_schema()")).scalar_one())


def snapshot(conn: Connection) -> str | None:
    """This transaction's snapshot as text (PostgreSQL's `pg_current_snapshot()`): which transactions
    were still open. None on SQLite, whose one writer commits the log in sequence order."""
    if not _postgresql(conn):
        return None
    return str(conn.execute(text("SELECT pg_current_snapshot()::text")).scalar_one())


def one_snapshot(conn: Connection) -> Connection:
    """`conn`, its transactions reading one snapshot for all their statements: REPEATABLE READ on
    PostgreSQL (whose default takes one per statement); SQLite's transactions already do."""
    return conn.execution_options(isolation_level="REPEATABLE READ") if _postgresql(conn) else conn


def by_code_point(conn: Connection, column: ColumnElement[str]) -> ColumnElement[str]:
    """`column` compared and sorted by code point: the "C" collation on PostgreSQL (the database's own
    may not compare so); SQLite's default collation (BINARY, on UTF-8) already does."""
    return column.collate("C") if _postgresql(conn) else column


def time_bucket(conn: Connection, column: ColumnElement[datetime], seconds: int) -> ColumnElement[int]:
    """Which slot of `seconds` since the Unix epoch a stored time falls in (an integer, floored).

    SQLite keeps times as UTC text, which `strftime('%s')` reads as whole seconds; PostgreSQL's
    timestamptz gives its epoch exactly. A slot never starts within a second, so both agree.
    """
    if _postgresql(conn):
        return cast(func.floor(func.extract("epoch", column) / seconds), BigInteger)
    return cast(func.strftime("%s", column), Integer) // seconds
