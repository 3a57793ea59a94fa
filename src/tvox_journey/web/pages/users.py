"""Admin pages: the users and their roles (`/admin/users`), and the audit trail (`/admin/audit`).

Every change goes through `accounts` (which records it) and every form carries
a CSRF token. A new API token is shown once, in the page answering the POST,
never in a URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from tvox_journey.services import accounts
from tvox_journey.services.accounts import AccountError
from tvox_journey.store import event_log
from tvox_journey.store import users as user_store
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.store.users import Role
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin
from tvox_journey.web.pages.render import formatter, render
from tvox_journey.web.security.identity import User, auth_state

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
AUDIT_PAGE = 100
MAX_FIELD = 1024
DONE = ("created", "role", "password", "token_revoked", "removed")  # notices after a redirect


@dataclass(frozen=True)
class Problem:
    key: str
    values: dict[str, Any]


@dataclass(frozen=True)
class UserRow:
    username: str
    role: Role
    has_token: bool
    created: str


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    actor: str | None
    action: str
    details: list[tuple[str, str]]


def _problem(error: AccountError) -> Problem:
    return Problem(error.key, dict(error.values))


def _status(error: AccountError) -> int:
    return 404 if error.key == "users.error_unknown" else 422


def _users_page(
    request: Request, resources: Resources, user: User, *, problem: Problem | None = None,
    token: tuple[str, str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    with resources.db.read.connect() as conn:
        everyone = user_store.all_users(conn)
    fmt = formatter(request)
    rows = [UserRow(u.username, u.role, u.has_token, fmt.time(_aware(u.created_at))) for u in everyone]
    done = request.query_params.get("done")
    who = request.query_params.get("who", "")[:64]
    return render(
        request,
        "admin/users.html",
        {
            "nav": "users",
            "user": user,
            "users": rows,
            "roles": accounts.ROLES,
            "min_password": accounts.MIN_PASSWORD_LENGTH,
            "problem": problem,
            "done": done if done in DONE else None,
            "who": who,
            "token": token,
        },
        status_code=status_code,
    )


async def _field(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _done(what: str, username: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/users?done={what}&who={username}", status_code=303)


async def _hash(request: Request, password: str) -> str:
    return await run_in_threadpool(auth_state(request).passwords.hash, password)  # argon2 is slow


def _refusable(conn: Connection, change: Callable[[Connection], T]) -> T | AccountError:
    """Run a change in a savepoint: refused, what it wrote before the refusal is undone (the rest of the
    writer's batch still commits)."""
    try:
        with conn.begin_nested():
            return change(conn)
    except AccountError as error:
        return error


async def _change(resources: Resources, change: Callable[[Connection], object]) -> AccountError | None:
    """Run a change in the writer; an AccountError is a result here, not a failed write."""

    def write(conn: Connection) -> AccountError | None:
        refused = _refusable(conn, change)
        return refused if isinstance(refused, AccountError) else None

    return await resources.writer.run(write)


async def _apply(
    request: Request,
    resources: Resources,
    user: User,
    done: str,
    username: str,
    change: Callable[[Connection], object],
) -> Response:
    """Run a change; refused, the users page says why, else back to the list saying what was done."""
    refused = await _change(resources, change)
    if refused is not None:
        return _users_page(request, resources, user, problem=_problem(refused), status_code=_status(refused))
    return _done(done, username)


@router.get("/admin/users")
def users_page(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Users, their roles and API tokens; add, change and remove them."""
    return _users_page(request, resources, user)


@router.post("/admin/users", dependencies=CSRF)
async def add_user(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Add a user."""
    try:
        username = accounts.check_username(await _field(request, "username"))
        role = accounts.check_role(await _field(request, "role"))
        password = await _field(request, "password")
        accounts.check_password(password)
    except AccountError as error:
        return _users_page(request, resources, user, problem=_problem(error), status_code=422)
    password_hash = await _hash(request, password)
    now = resources.now()
    return await _apply(
        request, resources, user, "created", username,
        lambda conn: accounts.add_user(
            conn, username=username, password_hash=password_hash, role=role, actor=user.username, now=now
        ),
    )  # fmt: skip


def _known(username: str) -> str | None:
    try:
        return accounts.check_username(username)
    except AccountError:
        return None


def _not_found(request: Request, resources: Resources, user: User, username: str) -> Response:
    problem = Problem("users.error_unknown", {"username": username[:64]})
    return _users_page(request, resources, user, problem=problem, status_code=404)


@router.post("/admin/users/{username}/role", dependencies=CSRF)
async def change_role(request: Request, username: str, resources: ResourcesDep, user: Admin) -> Response:
    """Change a user's role."""
    name = _known(username)
    if name is None:
        return _not_found(request, resources, user, username)
    role = await _field(request, "role")
    now = resources.now()
    return await _apply(
        request, resources, user, "role", name,
        lambda conn: accounts.set_role(conn, username=name, role=role, actor=user.username, now=now),
    )  # fmt: skip


@router.post("/admin/users/{username}/password", dependencies=CSRF)
async def change_password(request: Request, username: str, resources: ResourcesDep, user: Admin) -> Response:
    """Set a user's password (their open sessions end)."""
    name = _known(username)
    if name is None:
        return _not_found(request, resources, user, username)
    password = await _field(request, "password")
    try:
        accounts.check_password(password)
    except AccountError as error:
        return _users_page(request, resources, user, problem=_problem(error), status_code=422)
    password_hash = await _hash(request, password)
    now = resources.now()
    return await _apply(
        request, resources, user, "password", name,
        lambda conn: accounts.set_password(
            conn, username=name, password_hash=password_hash, actor=user.username, now=now
        ),
    )  # fmt: skip


@router.post("/admin/users/{username}/token", dependencies=CSRF)
async def new_token(request: Request, username: str, resources: ResourcesDep, user: Admin) -> Response:
    """Issue an API token, shown in this answer only."""
    name = _known(username)
    if name is None:
        return _not_found(request, resources, user, username)
    now = resources.now()

    def write(conn: Connection) -> str | AccountError:
        return _refusable(
            conn, lambda c: accounts.issue_token(c, username=name, actor=user.username, now=now)
        )

    issued = await resources.writer.run(write)
    if isinstance(issued, AccountError):
        return _users_page(request, resources, user, problem=_problem(issued), status_code=_status(issued))
    return _users_page(request, resources, user, token=(name, issued))


@router.post("/admin/users/{username}/token/revoke", dependencies=CSRF)
async def revoke_token(request: Request, username: str, resources: ResourcesDep, user: Admin) -> Response:
    """Remove a user's API token."""
    name = _known(username)
    if name is None:
        return _not_found(request, resources, user, username)
    now = resources.now()
    return await _apply(
        request, resources, user, "token_revoked", name,
        lambda conn: accounts.revoke_token(conn, username=name, actor=user.username, now=now),
    )  # fmt: skip


@router.get("/admin/users/{username}/delete")
def confirm_remove(request: Request, username: str, resources: ResourcesDep, user: Admin) -> Response:
    """Removing a user, step one: ask."""
    name = _known(username)
    with resources.db.read.connect() as conn:
        found = user_store.get(conn, name) if name else None
    if found is None:
        return _not_found(request, resources, user, username)
    return render(request, "admin/users_delete.html", {"nav": "users", "user": user, "target": found})


@router.post("/admin/users/{username}/delete", dependencies=CSRF)
async def remove_user(request: Request, username: str, resources: ResourcesDep, user: Admin) -> Response:
    """Removing a user, step two: do it (the last admin stays)."""
    name = _known(username)
    if name is None:
        return _not_found(request, resources, user, username)
    now = resources.now()
    return await _apply(
        request, resources, user, "removed", name,
        lambda conn: accounts.remove_user(conn, username=name, actor=user.username, now=now),
    )  # fmt: skip


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC


@router.get("/admin/audit")
def audit_page(
    request: Request,
    resources: ResourcesDep,
    user: Admin,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Who did what and when: journeys cleared, contacts, names, mappings and users changed."""
    with resources.db.read.connect() as conn:
        found = event_log.recent(conn, limit=AUDIT_PAGE + 1, before=before, outcome=LogOutcome.ACTION)
    fmt = formatter(request)
    rows = [
        AuditRow(
            seq=row["seq"],
            at=fmt.time(_aware(row["received_at"])),
            actor=row["actor"],
            action=row["route"],
            details=[(str(k), str(v)) for k, v in row["params"] or []],
        )
        for row in found[:AUDIT_PAGE]
    ]
    older = f"/admin/audit?before={rows[-1].seq}" if len(found) > AUDIT_PAGE and rows else None
    return render(request, "admin/audit.html", {"nav": "audit", "user": user, "rows": rows, "older": older})
