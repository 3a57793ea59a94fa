"""Use cases for users: roles, argon2 password hashes, API tokens, the first admin.

One of the use cases of the `services` package (no web, no live).
Hashing is slow on purpose, so callers hash before opening a write transaction
and pass the hash in. Every change is recorded in the audit trail, never a
password or a token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tvox_journey.services.recording import record_action
from tvox_journey.store import sessions as session_store
from tvox_journey.store import users as user_store
from tvox_journey.store.users import Role, StoredUser

ROLES: tuple[Role, ...] = get_args(Role)  # least first
# What each role may do besides its own: the roles are not a ladder, a supervisor sees the reports but
# writes nothing an agent writes (read-only, like a viewer), and an agent sees no report.
_INCLUDES: dict[Role, frozenset[Role]] = {
    "viewer": frozenset({"viewer"}),
    "agent": frozenset({"viewer", "agent"}),
    "supervisor": frozenset({"viewer", "supervisor"}),
    "admin": frozenset(get_args(Role)),
}
ADMIN: Role = "admin"
FIRST_ADMIN = "admin"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "tvj_"
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


class AccountError(Exception):
    """A user change that cannot be made: an English message, and a catalog key with values for pages."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


def is_role_at_least(role: Role, needed: Role) -> bool:
    """True when `role` can do everything `needed` can (an admin everything; see `_INCLUDES`)."""
    return needed in _INCLUDES.get(role, frozenset())


def normalize_username(raw: str) -> str:
    """User names are compared without case and surrounding spaces."""
    return raw.strip().lower()


def check_username(raw: str) -> str:
    """The normalized user name.

    Raises:
        AccountError: not 1-64 of letters, digits and `.`, `_`, `@`, `-`.
    """
    username = normalize_username(raw)
    if not _USERNAME.fullmatch(username):
        raise AccountError(
            "users.error_username", "user names are 1 to 64 letters, digits, '.', '_', '@' or '-'"
        )
    return username


def check_password(password: str) -> None:
    """Raises:
    AccountError: shorter than MIN_PASSWORD_LENGTH or absurdly long.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "users.error_short",
            f"passwords have at least {MIN_PASSWORD_LENGTH} characters",
            n=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            "users.error_long",
            f"passwords have at most {MAX_PASSWORD_LENGTH} characters",
            n=MAX_PASSWORD_LENGTH,
        )


def check_role(role: str) -> Role:
    """Raises:
    AccountError: not one of ROLES.
    """
    for known in ROLES:
        if role == known:
            return known
    raise AccountError("users.error_role", f"the role is one of {', '.join(ROLES)}")


class Passwords:
    """argon2id hashing with this installation's cost; verification never raises."""

    def __init__(self, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(memory_cost=memory_kib)
        self._dummy: str | None = None
        self.verifications = 0  # how many hashes `verify` computed (a check of the cache in tests)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash, spends the same time and says False."""
        if password_hash is None:
            # An unknown user name takes as long as a wrong password (no user enumeration by timing).
            if self._dummy is None:
                self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
            password_hash = self._dummy
            password = ""
        self.verifications += 1
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def hash_token(token: str) -> str:
    """API tokens are long random strings, so a fast hash is enough to store them safely."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(12)


def _details(username: str, *more: tuple[str, str]) -> Sequence[tuple[str, str]]:
    return [("username", username), *more]


def _existing(conn: Connection, username: str) -> StoredUser:
    user = user_store.get(conn, username)
    if user is None:
        raise AccountError("users.error_unknown", f"no user {username!r}", username=username)
    return user


def _keep_an_admin(conn: Connection, user: StoredUser) -> None:
    if user.role == ADMIN and user_store.count(conn, role=ADMIN) <= 1:
        raise AccountError("users.error_last_admin", "the last admin cannot be removed or demoted")


def add_user(
    conn: Connection, *, username: str, password_hash: str, role: str, actor: str | None, now: datetime
) -> int:
    """Create a user (name already checked); returns its id.

    Raises:
        AccountError: the name is taken or the role unknown.
    """
    checked = check_role(role)
    if user_store.get(conn, username) is not None:
        raise AccountError("users.error_exists", f"the user {username!r} already exists", username=username)
    user_id = user_store.create(conn, username=username, password_hash=password_hash, role=checked, now=now)
    record_action(
        conn, actor=actor, action="user/create", details=_details(username, ("role", role)), now=now
    )
    return user_id


def set_password(
    conn: Connection, *, username: str, password_hash: str, actor: str | None, now: datetime
) -> None:
    """Replace a user's password; all their sessions end, in every process.

    Raises:
        AccountError: no such user.
    """
    user = _existing(conn, username)
    user_store.set_password_hash(conn, username, password_hash)
    session_store.end_all(conn, user.id)
    record_action(conn, actor=actor, action="user/password", details=_details(username), now=now)


def set_role(conn: Connection, *, username: str, role: str, actor: str | None, now: datetime) -> None:
    """Change a user's role; all their sessions end, in every process (they log in again with it).

    Raises:
        AccountError: no such user, unknown role, or it would leave no admin.
    """
    checked = check_role(role)
    user = _existing(conn, username)
    if checked == user.role:
        return
    if checked != ADMIN:
        _keep_an_admin(conn, user)
    user_store.set_role(conn, username, checked)
    session_store.end_all(conn, user.id)
    record_action(conn, actor=actor, action="user/role", details=_details(username, ("role", role)), now=now)


def remove_user(conn: Connection, *, username: str, actor: str | None, now: datetime) -> None:
    """Delete a user, and their sessions.

    Raises:
        AccountError: no such user, or it is the last admin.
    """
    user = _existing(conn, username)
    _keep_an_admin(conn, user)
    session_store.end_all(conn, user.id)
    user_store.remove(conn, username)
    record_action(conn, actor=actor, action="user/delete", details=_details(username), now=now)


def issue_token(conn: Connection, *, username: str, actor: str | None, now: datetime) -> str:
    """A new API token for a user, replacing any previous one; shown once, only its hash is kept.

    Raises:
        AccountError: no such user.
    """
    _existing(conn, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user_store.set_token_hash(conn, username, hash_token(token))
    record_action(conn, actor=actor, action="user/token", details=_details(username), now=now)
    return token


def revoke_token(conn: Connection, *, username: str, actor: str | None, now: datetime) -> None:
    """Remove a user's API token.

    Raises:
        AccountError: no such user.
    """
    _existing(conn, username)
    user_store.set_token_hash(conn, username, None)
    record_action(conn, actor=actor, action="user/token-revoke", details=_details(username), now=now)


def user_for_token(conn: Connection, token: str) -> StoredUser | None:
    """The user an API token belongs to."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 256:
        return None
    return user_store.with_token_hash(conn, hash_token(token))


def has_users(conn: Connection) -> bool:
    return user_store.count(conn) > 0


def create_first_admin(conn: Connection, *, password_hash: str, now: datetime) -> bool:
    """Create `admin` when there is no user at all; False when someone was first.

    Not an audited action: nobody did it (and the event log starts empty).
    """
    if has_users(conn):
        return False
    try:
        with conn.begin_nested():
            user_store.create(conn, username=FIRST_ADMIN, password_hash=password_hash, role=ADMIN, now=now)
    except IntegrityError:  # another process made it at the same moment
        return False
    return True
