"""`/login` and `/logout`: a form, a signed session cookie, throttled wrong passwords."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from tvox_journey.web.pages.common import CSRF
from tvox_journey.web.pages.render import render
from tvox_journey.web.security.identity import (
    OptionalUser,
    check_password,
    end_session,
    safe_next,
    start_session,
)

router = APIRouter(include_in_schema=False)
MAX_FIELD = 1024


def _login_page(
    request: Request, *, next_page: str, username: str = "", error: str | None = None,
    wait: int | None = None, status_code: int = 200, headers: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    response = render(
        request,
        "auth/login.html",
        {"next": next_page, "username": username, "error": error, "wait": wait},
        status_code=status_code,
    )
    response.headers.update(headers or {})
    return response


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    """The login form (a logged-in user goes straight on)."""
    next_page = safe_next(next)
    if user is not None and user.via == "session":
        return RedirectResponse(next_page, status_code=303)
    return _login_page(request, next_page=next_page)


async def _field(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


@router.post("/login", dependencies=CSRF)
async def login(request: Request) -> Response:
    """Check the user name and password; on success, the session cookie and the page asked for."""
    username = (await _field(request, "username")).strip()
    password = await _field(request, "password")
    next_page = safe_next(await _field(request, "next"))
    try:
        stored = await check_password(request, username, password)
    except HTTPException as refused:  # 429 throttled, 503 busy
        wait = int(refused.headers.get("Retry-After", "60")) if refused.headers else 60
        error = "auth.busy" if refused.status_code == 503 else "auth.too_many"
        return _login_page(
            request, next_page=next_page, username=username, error=error, wait=wait,
            status_code=refused.status_code, headers={"Retry-After": str(wait)},
        )  # fmt: skip
    if stored is None:
        return _login_page(
            request, next_page=next_page, username=username, error="auth.wrong", status_code=401
        )
    response = RedirectResponse(next_page, status_code=303)
    await start_session(request, response, stored)
    return response


@router.post("/logout", dependencies=CSRF)
async def logout(request: Request) -> Response:
    """End the session, for every process sharing the database."""
    response = RedirectResponse("/login", status_code=303)
    await end_session(request, response)
    return response
