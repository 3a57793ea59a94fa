"""What issue 5 adds to an app: security headers, authentication, login and user pages, first admin."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from tvox_journey import accounts
from tvox_journey.settings import Settings
from tvox_journey.web import admin_users, login
from tvox_journey.web.auth import BASIC_CHALLENGE, AuthState, NotAuthenticated, make_auth_state
from tvox_journey.web.deps import Resources
from tvox_journey.web.errors import error_body, wants_html
from tvox_journey.web.login import safe_next
from tvox_journey.web.security_headers import SecurityHeadersMiddleware

log = logging.getLogger(__name__)


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    if wants_html(request):
        target = request.url.path
        if request.url.query:
            target += f"?{request.url.query}"
        next_page = safe_next(target) if request.method in ("GET", "HEAD") else "/"
        query = f"?{urlencode({'next': next_page})}" if next_page != "/" else ""
        return RedirectResponse(f"/login{query}", status_code=303)
    return JSONResponse(
        error_body(401, "authentication required: log in, or use HTTP Basic or an API token"),
        status_code=401,
        headers={"WWW-Authenticate": BASIC_CHALLENGE},
    )


def install_security(app: FastAPI, settings: Settings) -> None:
    """Headers on every response, the authentication state, and the login and user admin routes."""
    app.state.auth = make_auth_state(settings)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.include_router(login.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(admin_users.router, max_body_size=settings.max_api_body_bytes)


def app_auth_state(app: FastAPI) -> AuthState:
    state: AuthState = app.state.auth
    return state


async def create_first_admin(app: FastAPI, resources: Resources) -> None:
    """With no user at all, make `admin`: the configured password, or a random one shown once."""
    with resources.db.read.connect() as conn:
        if accounts.has_users(conn):
            return
    configured = resources.settings.admin_password
    password = configured.get_secret_value() if configured else accounts.new_password()
    password_hash = app_auth_state(app).passwords.hash(password)
    now = resources.now()
    created = await resources.writer.run(
        lambda conn: accounts.create_first_admin(conn, password_hash=password_hash, now=now)
    )
    if created and configured is None:
        log.warning(
            "\n\n  First start: created the user 'admin' with the password  %s\n"
            "  It is shown only this once: log in and change it (or `tvox-journey users passwd admin`).\n",
            password,
        )
    elif created:
        log.info("created the user 'admin' with the password of TVOX_JOURNEY_ADMIN_PASSWORD")
