"""Login sessions: a signed cookie carrying a random token, and a row of `sessions` holding its hash.

Every request with the cookie looks the row up (one indexed query), so a session ended anywhere
(logout, a new password or role, the user removed) is refused by every process at once. The cookie
is also signed with the secret key, so a forged one costs no query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tvox_journey.store import sessions as session_store
from tvox_journey.store.users import StoredUser
from tvox_journey.web.deps import get_resources

SESSION_COOKIE = "tvox_journey_session"
MAX_COOKIE = 4096
_SESSION_SALT = "tvox-journey.session"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_resources(request).secret_key, salt=_SESSION_SALT)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def session_token(request: Request, max_age: int) -> str | None:
    """The session token of this request's cookie, when the cookie is ours and not expired."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > MAX_COOKIE:
        return None
    try:
        data: Any = _serializer(request).loads(raw, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        return None
    token: str = data["s"]
    return token


def session_user(request: Request, max_age: int) -> StoredUser | None:
    """The user of this request's session, if it is still open (blocking: run it on a thread)."""
    token = session_token(request, max_age)
    if token is None:
        return None
    resources = get_resources(request)
    with resources.db.read.connect() as conn:
        return session_store.user_for(conn, _token_hash(token), resources.now())


async def open_session(request: Request, user: StoredUser, max_age: int) -> str:
    """Record a new session for `user`; returns the cookie value to set."""
    resources = get_resources(request)
    token = secrets.token_urlsafe(32)
    now = resources.now()
    expires_at = now + timedelta(seconds=max_age)
    await resources.writer.run(
        lambda conn: session_store.create(
            conn, token_hash=_token_hash(token), user_id=user.id, now=now, expires_at=expires_at
        )
    )
    return str(_serializer(request).dumps({"s": token}))


async def close_session(request: Request, response: Response, max_age: int) -> None:
    """End this request's session in the database (every process) and delete the cookie."""
    token = session_token(request, max_age)
    if token is not None:
        token_hash = _token_hash(token)
        await get_resources(request).writer.run(lambda conn: session_store.end(conn, token_hash))
    response.delete_cookie(SESSION_COOKIE, path="/")
