"""The writer's statements go to the driver's own cursor (store/dialect.py); its errors must reach the
writer as SQLAlchemy's own execution raises them, or a lost database would not be answered 503."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, select, text
from sqlalchemy.exc import DBAPIError
from tests.conftest import ON_POSTGRESQL, terminate_backend

from tvox_journey.store import dialect
from tvox_journey.store.engine import Database
from tvox_journey.store.errors import is_unavailable

MISSING = Table("no_such_table", MetaData(), Column("n", Integer))
FROM_MISSING = select(MISSING.c.n).where(MISSING.c.n == bindparam("n"))


def _raised(run: Any) -> DBAPIError:
    with pytest.raises(DBAPIError) as raised:
        run()
    return raised.value


def test_a_statement_the_database_refuses_raises_what_sqlalchemy_raises(db: Database) -> None:
    def through_the_driver() -> None:
        with db.write.begin() as conn:
            dialect.select_rows(conn, FROM_MISSING, ["n"], [1])

    def through_sqlalchemy() -> None:
        with db.write.begin() as conn:
            conn.execute(FROM_MISSING, {"n": 1})

    ours, theirs = _raised(through_the_driver), _raised(through_sqlalchemy)
    assert type(ours) is type(theirs)
    assert type(ours.orig) is type(theirs.orig)
    assert "no_such_table" in str(ours) and not ours.connection_invalidated
    assert not is_unavailable(ours)  # the statement failed, not the database: retried one job at a time
    with db.write.begin() as conn:  # the connection went back to the pool usable
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_rows_breaking_a_constraint_raise_an_integrity_error(db: Database) -> None:
    with db.write.begin() as conn:
        conn.execute(text("CREATE TABLE pairs (n INTEGER PRIMARY KEY)"))
    insert = text("INSERT INTO pairs (n) VALUES (:n)")
    with pytest.raises(DBAPIError) as raised, db.write.begin() as conn:
        dialect.execute_many(conn, insert, ["n"], [(1,), (1,)])
    assert type(raised.value).__name__ == "IntegrityError"
    assert not is_unavailable(raised.value)
    with db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pairs")).scalar_one() == 0


@ON_POSTGRESQL
def test_a_lost_postgresql_connection_is_invalidated_and_answered_unavailable(db: Database) -> None:
    with pytest.raises(DBAPIError) as raised, db.write.begin() as conn:
        terminate_backend(db, conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        dialect.select_rows(conn, select(text("1")).where(bindparam("n") == 1), ["n"], [1])
    assert raised.value.connection_invalidated
    assert is_unavailable(raised.value)  # the writer answers the whole batch 503 at once
    with db.write.begin() as conn:  # a new connection, not the lost one
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_connection_closed_under_a_batch_is_invalidated_and_answered_unavailable(db: Database) -> None:
    raised: list[BaseException] = []  # what the statement raised, not the rollback after it
    with pytest.raises(DBAPIError), db.write.begin() as conn:
        driver = conn.connection.dbapi_connection
        assert driver is not None
        driver.close()
        try:
            dialect.select_rows(conn, select(text("1")).where(bindparam("n") == 1), ["n"], [1])
        except BaseException as statement_error:
            raised.append(statement_error)
            raise
    (error,) = raised
    assert isinstance(error, DBAPIError) and error.connection_invalidated
    assert is_unavailable(error)
    with db.write.begin() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
