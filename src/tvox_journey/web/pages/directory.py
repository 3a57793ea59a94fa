"""The directory of agents and services on `/names`: entries with their codes, the codes recent calls
carry that no entry has, and the forms that change them (admin only, CSRF, each change audited).

The changes are `services/directory.py`'s; this module reads forms and renders the page. `admin.py`
keeps the older one-code-one-name forms of `/names` working on the same directory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import directory as directory_changes
from tvox_journey.services.directory import DirectoryError
from tvox_journey.store import directory
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, MAX_ID, Admin, publish
from tvox_journey.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/names"
Problem = tuple[str, dict[str, object]]  # a catalog key and its values


@dataclass(frozen=True)
class KindView:
    """One kind's half of the page: its entries and the codes the directory lacks."""

    kind: str
    entries: list[directory.Entry]
    unknown: list[directory.UnknownCode]


def directory_page(
    request: Request, conn: Connection, *, errors: list[Problem] | None = None, status_code: int = 200
) -> Response:
    """The page, with the problems of a refused form on top."""
    kinds = [
        KindView(kind, directory.entries(conn, kind), directory.unknown_codes(conn, kind))
        for kind in directory.KINDS
    ]
    return render(
        request,
        "admin/names.html",
        {
            "nav": "names",
            "kinds": kinds,
            "labels": directory.LABELS,
            "window": directory.UNKNOWN_WINDOW,
            "limit": directory.UNKNOWN_LIMIT,
            "errors": errors or [],
        },
        status_code=status_code,
    )


async def _form(request: Request, *names: str) -> dict[str, str]:
    data = await request.form()
    values = {name: data.get(name) for name in names}
    return {name: value if isinstance(value, str) else "" for name, value in values.items()}


def _entry_id(text: str) -> int:
    """An entry id from a form field (a select's value or a hidden field)."""
    if not text.strip().isdigit() or not 0 < int(text) <= MAX_ID:
        raise DirectoryError("directory.error_no_entry", f"{text!r}: not an entry")
    return int(text)


async def _apply(request: Request, resources: Resources, user: Admin, change: Callable[..., int]) -> Response:
    """Run one change in the writer (in a savepoint: refused, it writes nothing and the writer's batch goes
    on); then back to the page, or the page with the refusal and 422."""
    now = resources.now()

    def write(conn: Connection) -> int | DirectoryError:
        try:
            with conn.begin_nested():
                return change(conn, actor=user.username, now=now)
        except DirectoryError as error:
            return error

    outcome = await resources.writer.run(write)
    if isinstance(outcome, DirectoryError):
        return refused(request, resources, outcome)
    publish(resources, Change(outcome, kind="names"))
    return RedirectResponse(PAGE, status_code=303)


def refused(request: Request, resources: Resources, error: DirectoryError) -> Response:
    with resources.db.read.connect() as conn:
        return directory_page(request, conn, errors=[(error.key, error.values)], status_code=422)


@router.post("/names/entries", dependencies=CSRF)
async def add_entry(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """A new agent or service with its first code (also the unknown codes' "new agent")."""
    form = await _form(request, "kind", "name", "code", "label")

    def change(conn: Connection, **who: Any) -> int:
        return directory_changes.add_entry(
            conn, kind=form["kind"], name=form["name"], code=form["code"], label=form["label"], **who
        )

    return await _apply(request, resources, user, change)


@router.post("/names/entries/{entry_id}/rename", dependencies=CSRF)
async def rename_entry(request: Request, resources: ResourcesDep, user: Admin, entry_id: str) -> Response:
    """Another display name for an entry: every page shows it at once, past calls too."""
    form = await _form(request, "name")

    def change(conn: Connection, **who: Any) -> int:
        checked = _entry_id(entry_id)
        return directory_changes.rename_entry(conn, entry_id=checked, name=form["name"], **who)

    return await _apply(request, resources, user, change)


@router.post("/names/entries/{entry_id}/delete", dependencies=CSRF)
async def delete_entry(request: Request, resources: ResourcesDep, user: Admin, entry_id: str) -> Response:
    """Forget an entry: its codes show as they are, and are listed as unknown again."""

    def change(conn: Connection, **who: Any) -> int:
        return directory_changes.delete_entry(conn, entry_id=_entry_id(entry_id), **who)

    return await _apply(request, resources, user, change)


@router.post("/names/codes", dependencies=CSRF)
async def attach_code(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Give an entry a code: typed on its row, or an unknown code attached in one click."""
    form = await _form(request, "entry", "code", "label")

    def change(conn: Connection, **who: Any) -> int:
        entry_id = _entry_id(form["entry"])
        return directory_changes.attach_code(
            conn, entry_id=entry_id, code=form["code"], label=form["label"], **who
        )

    return await _apply(request, resources, user, change)


@router.post("/names/codes/delete", dependencies=CSRF)
async def detach_code(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Take a code from its entry (the entry stays)."""
    form = await _form(request, "kind", "code")

    def change(conn: Connection, **who: Any) -> int:
        return directory_changes.detach_code(conn, kind=form["kind"], code=form["code"], **who)

    return await _apply(request, resources, user, change)


@router.post("/names/merge", dependencies=CSRF)
async def merge_entries(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Two entries of one person (or service) become one: the second's codes move to the first."""
    form = await _form(request, "into", "from")

    def change(conn: Connection, **who: Any) -> int:
        into_id, from_id = _entry_id(form["into"]), _entry_id(form["from"])
        return directory_changes.merge_entries(conn, into_id=into_id, from_id=from_id, **who)

    return await _apply(request, resources, user, change)
