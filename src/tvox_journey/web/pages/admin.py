"""`/names`, the directory of agents and services (its page and forms: web/pages/directory.py), and its
first forms, one code one name, kept for the scripts and tests that post them: `POST /names` names a
code (renaming the entry it belongs to), `POST /names/delete` forgets one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import recording
from tvox_journey.store import names as name_store
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin, publish
from tvox_journey.web.pages.directory import directory_page

router = APIRouter(include_in_schema=False)
KINDS = (name_store.AGENT, name_store.SERVICE)
MAX_TEXT = 255


@router.get("/names")
def names_page(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """The directory of agents and services, as the journey shows them."""
    with resources.db.read.connect() as conn:
        return directory_page(request, conn)


def _refused(request: Request, resources: Resources, *keys: str) -> Response:
    with resources.db.read.connect() as conn:
        return directory_page(request, conn, errors=[(key, {}) for key in keys], status_code=422)


async def _form(request: Request) -> tuple[str, str, str]:
    data = await request.form()
    values = [data.get(name) for name in ("kind", "code", "name")]
    kind, code, name = (v.strip() if isinstance(v, str) else "" for v in values)
    return kind, code, name


@router.post("/names", dependencies=CSRF)
async def set_name(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Name one code: rename the entry it belongs to, or a new entry with that code."""
    kind, code, name = await _form(request)
    errors = []
    if kind not in KINDS:
        errors.append("names.error_kind")
    if not code or not name:
        errors.append("names.error_empty")
    if len(code) > MAX_TEXT or len(name) > MAX_TEXT:
        errors.append("form.error_too_long")
    if errors:
        return _refused(request, resources, *errors)
    now = resources.now()

    def write(conn: Connection) -> int:
        name_store.set_name(conn, kind, code, name)
        details = [("kind", kind), ("code", code), ("name", name)]
        return recording.record_action(
            conn, actor=user.username, action="names/set", details=details, now=now
        )

    publish(resources, Change(await resources.writer.run(write), kind="names"))
    return RedirectResponse("/names", status_code=303)


@router.post("/names/delete", dependencies=CSRF)
async def remove_name(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Forget one code (and its entry, when it was the last): the journey shows the code again."""
    kind, code, _name = await _form(request)
    if kind not in KINDS or not code or len(code) > MAX_TEXT:
        return _refused(request, resources, "names.error_kind")
    now = resources.now()

    def write(conn: Connection) -> int:
        name_store.remove_name(conn, kind, code)
        details = [("kind", kind), ("code", code)]
        return recording.record_action(
            conn, actor=user.username, action="names/remove", details=details, now=now
        )

    publish(resources, Change(await resources.writer.run(write), kind="names"))
    return RedirectResponse("/names", status_code=303)
