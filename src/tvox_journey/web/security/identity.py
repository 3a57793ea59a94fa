"""Who is asking: a user from a session cookie, HTTP Basic or an API token, and role checks.

Routes depend on `CurrentUser` or `require(role)`. Without a user, a browser
asking for a page is sent to /login?next=... and anything else gets a 401 JSON
(`web/security/install.py` renders `NotAuthenticated`). Wrong credentials are a 401,
too many attempts a 429, too many password checks at once a 503. A
state-changing request that a browser authenticated on its own (session
cookie, remembered Basic credentials) must come from our own pages (Fetch
metadata, else Origin): forms also carry CSRF tokens, but the JSON API has none.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from tvox_journey.services import accounts
from tvox_journey.services.accounts import Passwords
from tvox_journey.settings import Settings
from tvox_journey.store import users as user_store
from tvox_journey.store.users import Role, StoredUser
from tvox_journey.web.deps import get_resources
from tvox_journey.web.security.sessions import SESSION_COOKIE, close_session, open_session, session_user
from tvox_journey.web.security.throttle import (
    HashGate,
    LoginThrottle,
    ServerBusy,
    VerifiedPasswords,
    default_hash_slots,
)

log = logging.getLogger(__name__)

BASIC_CHALLENGE = 'Basic realm="tvox-journey"'
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_CREDENTIALS = 4096
HASH_QUEUE_PER_SLOT = 8  # password checks that may wait for each hash slot
_UNSET = object()

Via = Literal["session", "basic", "token"]  # how a user's request authenticated


@dataclass(frozen=True)
class User:
    """Someone logged in, and how: `session` (cookie), `basic` or `token`."""

    username: str
    role: Role
    via: Via = "session"

    def can(self, role: Role) -> bool:
        return accounts.is_role_at_least(self.role, role)


class NotAuthenticated(Exception):
    """No credentials at all: log in first."""


@dataclass
class AuthState:
    """Per-app authentication helpers (made by `web/security/install.py`)."""

    passwords: Passwords
    throttle: LoginThrottle
    gate: HashGate
    verified: VerifiedPasswords
    session_max_age: int
    cookie_secure: bool
    cookie_samesite: str


def make_auth_state(settings: Settings) -> AuthState:
    slots = settings.password_hash_concurrency or default_hash_slots()
    return AuthState(
        passwords=Passwords(settings.password_hash_memory_kib),
        throttle=LoginThrottle(
            settings.login_attempts_per_minute, settings.login_attempts_per_address_per_minute
        ),
        gate=HashGate(slots, settings.password_hash_wait_seconds, slots * HASH_QUEUE_PER_SLOT),
        verified=VerifiedPasswords(),
        session_max_age=settings.session_max_age_hours * 3600,
        cookie_secure=settings.session_cookie_secure,
        cookie_samesite=settings.session_cookie_samesite,
    )


def cookie_policy(request: Request) -> dict[str, Any]:
    """HttpOnly, SameSite and Secure as configured, for every cookie this app sets."""
    state = auth_state(request)
    secure = state.cookie_secure or state.cookie_samesite == "none" or request.url.scheme == "https"
    return {"httponly": True, "secure": secure, "samesite": state.cookie_samesite, "path": "/"}


def auth_state(request: Request) -> AuthState:
    state: AuthState = request.app.state.auth
    return state


def client_host(request: Request) -> str:
    return request.client.host if request.client else "-"


def parse_basic(authorization: str) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` value, or None when it is not one."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or len(value) > MAX_CREDENTIALS:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def too_many_attempts(wait: int) -> HTTPException:
    return HTTPException(
        429, f"too many failed attempts: try again in {wait} s", headers={"Retry-After": str(wait)}
    )


def server_busy() -> HTTPException:
    return HTTPException(
        503, "too many password checks at once: try again in 1 s", headers={"Retry-After": "1"}
    )


def _lookup(request: Request, name: str, address: str) -> tuple[StoredUser | None, int | None]:
    """The user of that name, and the seconds to wait when the name or address is already throttled."""
    with get_resources(request).db.read.connect() as conn:
        stored = user_store.get(conn, name) if len(name) <= 64 else None
        return stored, auth_state(request).throttle.already_over(conn, name, address)


async def check_password(request: Request, username: str, password: str) -> StoredUser | None:
    """The user when the password is right, else None.

    A credential verified in the last minutes is accepted without hashing (even while the name is
    throttled: it proves no guessing). An address or name already over its limit is refused after
    one read. Otherwise the attempt is counted (per address, then per user name, in the database)
    before the password is hashed, and an unknown user name is hashed too (against a dummy), so it
    takes as long as a wrong password.

    Raises:
        HTTPException: 429 while the address or the user name is over its limit; 503 when too many
            password checks are running or waiting.
    """
    state = auth_state(request)
    resources = get_resources(request)
    name = accounts.normalize_username(username)
    address = client_host(request)
    stored, wait = await run_in_threadpool(_lookup, request, name, address)
    secret = resources.secret_key
    if stored is not None and state.verified.is_known(
        secret, name, password, stored.password_hash, stored.role
    ):
        return stored
    if wait is None:
        wait = await resources.writer.run(lambda conn: state.throttle.reserve(conn, name, address))
    if wait is not None:
        raise too_many_attempts(wait)
    try:
        right = await state.gate.run(
            state.passwords.verify, stored.password_hash if stored else None, password
        )
    except ServerBusy:
        log.warning("password check refused (busy) for user %r from %s", name[:64], address)
        raise server_busy() from None
    if right and stored is not None:
        await resources.writer.run(lambda conn: state.throttle.succeeded(conn, name, address))
        state.verified.remember(secret, name, password, stored.password_hash, stored.role)
        return stored
    log.warning("failed login for user %r from %s", name[:64], address)
    return None


async def start_session(request: Request, response: Response, user: StoredUser) -> None:
    """Log `user` in: a session row and a signed, HttpOnly session cookie on `response`."""
    state = auth_state(request)
    value = await open_session(request, user, state.session_max_age)
    response.set_cookie(SESSION_COOKIE, value, max_age=state.session_max_age, **cookie_policy(request))


async def end_session(request: Request, response: Response) -> None:
    """Log out: the session ends for every process, and the browser forgets the cookie."""
    await close_session(request, response, auth_state(request).session_max_age)


def _session_user(request: Request) -> User | None:
    stored = session_user(request, auth_state(request).session_max_age)
    return User(stored.username, stored.role, "session") if stored else None


def _token_user(request: Request, token: str) -> StoredUser | None:
    with get_resources(request).db.read.connect() as conn:
        return accounts.user_for_token(conn, token)


async def _header_user(request: Request, authorization: str) -> User:
    if len(authorization) > MAX_CREDENTIALS:
        raise HTTPException(401, "credentials too long", headers={"WWW-Authenticate": BASIC_CHALLENGE})
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        found = await run_in_threadpool(_token_user, request, token.strip())
        if found is None:
            raise HTTPException(
                401, "unknown API token", headers={"WWW-Authenticate": 'Bearer realm="tvox-journey"'}
            )
        return User(found.username, found.role, "token")
    credentials = parse_basic(authorization)
    if credentials is None:
        raise HTTPException(
            401, "use HTTP Basic or a Bearer API token", headers={"WWW-Authenticate": BASIC_CHALLENGE}
        )
    stored = await check_password(request, *credentials)
    if stored is None:
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": BASIC_CHALLENGE})
    return User(stored.username, stored.role, "basic")


async def authenticate(request: Request) -> User | None:
    """The user this request carries credentials of, or None when it carries none.

    Raises:
        HTTPException: 401 for wrong credentials, 429 while throttled, 503 when password checks are full.
    """
    cached = getattr(request.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    authorization = request.headers.get("authorization")
    if authorization:
        user: User | None = await _header_user(request, authorization)
    else:
        user = await run_in_threadpool(_session_user, request)
    request.state.user = user
    return user


def check_same_origin(request: Request) -> None:
    """Refuse a state-changing request another site made a browser send.

    Raises:
        HTTPException: 403 when Sec-Fetch-Site, or else Origin, names another site.
    """
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
        raise HTTPException(403, "cross-origin request refused")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower():
        raise HTTPException(403, "cross-origin request refused")


async def current_user(request: Request) -> User:
    """The logged-in user.

    Raises:
        NotAuthenticated: no credentials.
        HTTPException: wrong credentials (401), throttled (429), busy (503), cross-origin write (403).
    """
    user = await authenticate(request)
    if user is None:
        raise NotAuthenticated()
    if user.via != "token":
        check_same_origin(request)
    return user


async def optional_user(request: Request) -> User | None:
    """The logged-in user, or None (for pages anyone may see, like /login)."""
    try:
        return await authenticate(request)
    except HTTPException:
        return None


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require(role: Role) -> Callable[[User], User]:
    """A dependency that lets through users with at least `role`, else 403."""

    def check(user: CurrentUser) -> User:
        if not user.can(role):
            raise HTTPException(403, f"requires the {role} role")
        return user

    check.required_role = role  # type: ignore[attr-defined]  # what tests read off a route's dependencies
    return check


def safe_next(target: str | None) -> str:
    """A path on this site to go to after logging in ("/" for anything else)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if len(target) > 2048 or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    return target
