"""Database failures as the rest of the application sees them.

A failure of the database itself (unreachable, frozen, locked, full, out of
connections) is `StoreUnavailable`, answered 503; a failure of a statement is
left as the driver raised it. `is_unavailable` tells the two apart for
SQLAlchemy's errors on both backends, and `unavailable` makes the exception
to raise for one.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class StoreUnavailable(Exception):
    """The database could not be reached or could not commit in time."""


# SQLite's primary result codes that mean "the database", not the statement: BUSY, LOCKED, IOERR,
# CORRUPT, FULL, CANTOPEN, PROTOCOL (sqlite3 reports every one of them, and "no such table", as
# OperationalError).
_SQLITE_UNAVAILABLE = frozenset({5, 6, 10, 11, 13, 14, 15})


def is_unavailable(error: BaseException) -> bool:
    """The database, not the statement, failed: trying other statements would only wait longer."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNAVAILABLE
    # psycopg: connection failures, statement_timeout, lock_timeout, server shutdown.
    return isinstance(error, OperationalError)


def unavailable(error: BaseException) -> StoreUnavailable:
    """The StoreUnavailable to raise for `error`, with the driver's own message."""
    return StoreUnavailable(str(error.orig if isinstance(error, DBAPIError) else error))
