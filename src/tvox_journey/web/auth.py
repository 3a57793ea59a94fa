"""Who is asking: a user from a session cookie, HTTP Basic or an API token, and role checks.

Routes depend on `CurrentUser` or `require(role)`. Without a user, a browser
asking for a page is sent to /login?next=... and anything else gets a 401 JSON
(`web/security.py` renders `NotAuthenticated`). Wrong credentials are a 401,
too many wrong passwords a 429. A state-changing request that a browser
authenticated on its own (session cookie, remembered Basic credentials) must
come from our own pages (Fetch metadata, else Origin): forms also carry CSRF
tokens, but the JSON API has none.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tvox_journey import accounts
from tvox_journey.accounts import Passwords
from tvox_journey.settings import Settings
from tvox_journey.store import users as user_store
from tvox_journey.store.users import StoredUser
from tvox_journey.web.deps import get_resources
from tvox_journey.web.throttle import AttemptLimiter, VerifiedPasswords

log = logging.getLogger(__name__)

ROLES = accounts.ROLES  # each role can do what the ones before it can
SESSION_COOKIE = "tvox_journey_session"
BASIC_CHALLENGE = 'Basic realm="tvox-journey"'
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_CREDENTIALS = 4096
_SESSION_SALT = "tvox-journey.session"
_UNSET = object()


@dataclass(frozen=True)
class User:
    """Someone logged in, and how: `session` (cookie), `basic` or `token`."""

    username: str
    role: str
    via: str = "session"

    def can(self, role: str) -> bool:
        return accounts.is_role_at_least(self.role, role)


class NotAuthenticated(Exception):
    """No credentials at all: log in first."""


@dataclass
class AuthState:
    """Per-app authentication helpers (made by `web/security.py`)."""

    passwords: Passwords
    limiter: AttemptLimiter
    verified: VerifiedPasswords
    session_max_age: int
    cookie_secure: bool
    cookie_samesite: str


def make_auth_state(settings: Settings) -> AuthState:
    return AuthState(
        passwords=Passwords(settings.password_hash_memory_kib),
        limiter=AttemptLimiter(settings.login_attempts_per_minute, 60.0),
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


def attempt_key(request: Request, username: str) -> str:
    return f"{accounts.normalize_username(username)}\0{client_host(request)}"


def too_many_attempts(wait: int) -> HTTPException:
    return HTTPException(
        429, f"too many failed attempts: try again in {wait} s", headers={"Retry-After": str(wait)}
    )


def check_password(request: Request, username: str, password: str) -> StoredUser | None:
    """The user when the password is right; counts wrong ones per user name and address.

    Raises:
        HTTPException: 429 while this user name and address are throttled.
    """
    state = auth_state(request)
    resources = get_resources(request)
    key = attempt_key(request, username)
    wait = state.limiter.retry_after(key)
    if wait is not None:
        raise too_many_attempts(wait)
    name = accounts.normalize_username(username)
    with resources.db.read.connect() as conn:
        stored = user_store.get(conn, name) if len(name) <= 64 else None
    if stored is not None and state.verified.is_known(
        resources.secret_key, name, password, stored.password_hash
    ):
        return stored
    if state.passwords.verify(stored.password_hash if stored else None, password) and stored is not None:
        state.limiter.succeeded(key)
        state.verified.remember(resources.secret_key, name, password, stored.password_hash)
        return stored
    state.limiter.failed(key)
    log.warning("failed login for user %r from %s", name[:64], client_host(request))
    return None


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_resources(request).secret_key, salt=_SESSION_SALT)


def _fingerprint(password_hash: str) -> str:
    """Changes with the password, so a new password ends the other sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def start_session(request: Request, response: Response, user: StoredUser) -> None:
    """Log `user` in: a signed, HttpOnly session cookie on `response`."""
    state = auth_state(request)
    value = _serializer(request).dumps({"u": user.username, "p": _fingerprint(user.password_hash)})
    response.set_cookie(SESSION_COOKIE, str(value), max_age=state.session_max_age, **cookie_policy(request))


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _session_user(request: Request) -> User | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > MAX_CREDENTIALS:
        return None
    try:
        data: Any = _serializer(request).loads(raw, max_age=auth_state(request).session_max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("p"), str):
        return None
    with get_resources(request).db.read.connect() as conn:
        stored = user_store.get(conn, data["u"])
    if stored is None or not hmac.compare_digest(_fingerprint(stored.password_hash), data["p"]):
        return None
    return User(stored.username, stored.role, "session")


def _header_user(request: Request, authorization: str) -> User:
    if len(authorization) > MAX_CREDENTIALS:
        raise HTTPException(401, "credentials too long", headers={"WWW-Authenticate": BASIC_CHALLENGE})
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        with get_resources(request).db.read.connect() as conn:
            found = accounts.user_for_token(conn, token.strip())
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
    stored = check_password(request, *credentials)
    if stored is None:
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": BASIC_CHALLENGE})
    return User(stored.username, stored.role, "basic")


def authenticate(request: Request) -> User | None:
    """The user this request carries credentials of, or None when it carries none.

    Raises:
        HTTPException: 401 for wrong credentials, 429 while throttled.
    """
    cached = getattr(request.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    authorization = request.headers.get("authorization")
    user = _header_user(request, authorization) if authorization else _session_user(request)
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


def current_user(request: Request) -> User:
    """The logged-in user.

    Raises:
        NotAuthenticated: no credentials.
        HTTPException: wrong credentials (401), throttled (429), cross-origin write (403).
    """
    user = authenticate(request)
    if user is None:
        raise NotAuthenticated()
    if user.via != "token":
        check_same_origin(request)
    return user


def optional_user(request: Request) -> User | None:
    """The logged-in user, or None (for pages anyone may see, like /login)."""
    try:
        return authenticate(request)
    except HTTPException:
        return None


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require(role: str) -> Callable[[User], User]:
    """A dependency that lets through users with at least `role`, else 403."""

    def check(user: CurrentUser) -> User:
        if not user.can(role):
            raise HTTPException(403, f"requires the {role} role")
        return user

    return check
