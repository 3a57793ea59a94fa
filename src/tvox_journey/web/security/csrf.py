"""CSRF protection for every state-changing form.

Each browser gets a random value in an HttpOnly cookie (`tvox_journey_csrf`).
A form's token is that value signed with the app's secret key (itsdangerous,
timestamped), so a page of another site can neither read the cookie nor make
a token that matches it. On POST, `verify_csrf` refuses with 403 unless the
form field `csrf_token` (or the `X-CSRF-Token` header) carries a valid token
for the cookie sent with the request.

Use in a template rendered by `web.pages.render.render`: `{{ csrf_field() }}`.
Elsewhere: put `hidden_field(request)` in the form and call
`set_cookie_if_new(request, response)` on the response that carries it.
Protect a route with `dependencies=[Depends(verify_csrf)]`.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup, escape

from tvox_journey.web.deps import get_resources
from tvox_journey.web.security.identity import cookie_policy

COOKIE = "tvox_journey_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
MAX_AGE_SECONDS = 7 * 24 * 3600  # a card may stay open for days
_SALT = "tvox-journey.csrf"
_NEW_SEED = "csrf_new_seed"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_resources(request).secret_key, salt=_SALT)


def _seed(request: Request) -> str:
    """This browser's random value: from its cookie, or a new one for this response to set."""
    new: str | None = getattr(request.state, _NEW_SEED, None)
    if new is not None:
        return new
    cookie = request.cookies.get(COOKIE, "")
    if 20 <= len(cookie) <= 100:
        return cookie
    new = secrets.token_urlsafe(32)
    setattr(request.state, _NEW_SEED, new)
    return new


def token(request: Request) -> str:
    """A token for a form on the page answering `request`."""
    return str(_serializer(request).dumps(_seed(request)))


def hidden_field(request: Request) -> Markup:
    """The hidden input carrying the token."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token(request)))


def set_cookie_if_new(request: Request, response: Response) -> None:
    """Give the browser its CSRF cookie when this request made one."""
    new: str | None = getattr(request.state, _NEW_SEED, None)
    if new is not None:
        # Same SameSite/Secure as the session, so forms work inside a framing TVox client too.
        response.set_cookie(COOKIE, new, **cookie_policy(request))


def is_valid(request: Request, sent: str | None) -> bool:
    """True when `sent` is a token this app signed for the cookie of this request."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or not sent or len(sent) > 500:
        return False
    try:
        signed = _serializer(request).loads(sent, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also SignatureExpired
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed.encode(), cookie.encode())


async def verify_csrf(request: Request) -> None:
    """Dependency for POST routes: 403 without a valid token."""
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    if not is_valid(request, sent):
        raise HTTPException(403, "invalid or missing CSRF token: reload the page and try again")
