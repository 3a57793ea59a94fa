"""`/admin/outcomes`: the outcomes a note may carry, kept by admins (add, rename in Italian and English,
reorder, deactivate; never delete: old notes keep showing theirs). Every change is in the audit trail
and refreshes the open pages (an outcome's label shows on the cards)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import note_outcomes
from tvox_journey.services.note_outcomes import InvalidOutcome
from tvox_journey.store import event_log
from tvox_journey.store import notes as note_store
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin, publish
from tvox_journey.web.pages.render import render
from tvox_journey.web.security.identity import User

router = APIRouter(include_in_schema=False)
PATH = "/admin/outcomes"


def _page(
    request: Request, resources: Resources, user: User, *, error: str | None = None, status: int = 200
) -> Response:
    with resources.db.read.connect() as conn:
        outcomes = note_store.all_outcomes(conn)
    context = {
        "nav": "outcomes",
        "user": user,
        "outcomes": outcomes,
        "error": error,
        "saved": request.query_params.get("saved") == "1",
        "label_max": note_outcomes.LABEL_MAX,
    }
    return render(request, "admin/outcomes.html", context, status_code=status)


@router.get(PATH)
def outcomes_page(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """The outcomes of notes, in the order agents see them."""
    return _page(request, resources, user)


async def _fields(request: Request) -> dict[str, str]:
    data = await request.form()
    names = ("code", "label_it", "label_en", "active", "direction")
    return {name: value[:200] if isinstance(value := data.get(name), str) else "" for name in names}


async def _write(
    request: Request, resources: Resources, user: User, change: Callable[[Connection], Any]
) -> Response:
    """Run an outcome change in the writer; a refusal is the page again with the reason (422)."""

    def write(conn: Connection) -> InvalidOutcome | None:
        try:
            change(conn)
        except InvalidOutcome as error:
            return error  # refused before any write
        return None

    refused = await resources.writer.run(write)
    if refused is not None:
        return _page(request, resources, user, error=refused.key, status=422)
    with resources.db.read.connect() as conn:
        publish(resources, Change(event_log.max_seq(conn), kind="action"))
    return RedirectResponse(f"{PATH}?saved=1", status_code=303)


@router.post(PATH, dependencies=CSRF)
async def add_outcome(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Add an outcome at the end of the list."""
    f = await _fields(request)
    now = resources.now()
    return await _write(
        request,
        resources,
        user,
        lambda conn: note_outcomes.add(
            conn, code=f["code"], label_it=f["label_it"], label_en=f["label_en"], actor=user.username, now=now
        ),
    )


@router.post(PATH + "/{code}", dependencies=CSRF)
async def change_outcome(request: Request, code: str, resources: ResourcesDep, user: Admin) -> Response:
    """Rename an outcome, or (de)activate it."""
    f = await _fields(request)
    now = resources.now()
    active = f["active"] == "1"
    return await _write(
        request,
        resources,
        user,
        lambda conn: note_outcomes.change(
            conn, code[:32], label_it=f["label_it"], label_en=f["label_en"], active=active,
            actor=user.username, now=now,
        ),
    )  # fmt: skip


@router.post(PATH + "/{code}/move", dependencies=CSRF)
async def move_outcome(request: Request, code: str, resources: ResourcesDep, user: Admin) -> Response:
    """Move an outcome one place up or down."""
    f = await _fields(request)
    direction: Literal["up", "down"] = "up" if f["direction"] == "up" else "down"
    now = resources.now()
    return await _write(
        request,
        resources,
        user,
        lambda conn: note_outcomes.move(conn, code[:32], direction, actor=user.username, now=now),
    )
