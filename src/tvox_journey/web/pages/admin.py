"""Admin pages: display names of agents and services, and the event log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.live.broadcaster import Change
from tvox_journey.services import recording
from tvox_journey.store import event_log
from tvox_journey.store import names as name_store
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin, publish
from tvox_journey.web.pages.render import formatter, render

router = APIRouter(include_in_schema=False)
KINDS = (name_store.AGENT, name_store.SERVICE)
OUTCOMES = tuple(LogOutcome)
LOG_PAGE = 100
MAX_TEXT = 255
MAX_SHOWN_BODY = 500


def _names_page(
    request: Request, conn: Connection, *, errors: list[str] | None = None, status_code: int = 200
) -> Response:
    found = name_store.all_names(conn)
    return render(
        request,
        "admin/names.html",
        {
            "nav": "names",
            "agents": sorted(found.get(name_store.AGENT, {}).items()),
            "services": sorted(found.get(name_store.SERVICE, {}).items()),
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/names")
def names_page(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Display names of agents and services, as the journey shows them."""
    with resources.db.read.connect() as conn:
        return _names_page(request, conn)


async def _form(request: Request) -> tuple[str, str, str]:
    data = await request.form()
    values = [data.get(name) for name in ("kind", "code", "name")]
    kind, code, name = (v.strip() if isinstance(v, str) else "" for v in values)
    return kind, code, name


@router.post("/names", dependencies=CSRF)
async def set_name(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Add or rename one agent's or service's display name."""
    kind, code, name = await _form(request)
    errors = []
    if kind not in KINDS:
        errors.append("names.error_kind")
    if not code or not name:
        errors.append("names.error_empty")
    if len(code) > MAX_TEXT or len(name) > MAX_TEXT:
        errors.append("form.error_too_long")
    if errors:
        with resources.db.read.connect() as conn:
            return _names_page(request, conn, errors=errors, status_code=422)
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
    """Forget a display name: the journey shows the code again."""
    kind, code, _name = await _form(request)
    if kind not in KINDS or not code or len(code) > MAX_TEXT:
        with resources.db.read.connect() as conn:
            return _names_page(request, conn, errors=["names.error_kind"], status_code=422)
    now = resources.now()

    def write(conn: Connection) -> int:
        name_store.remove_name(conn, kind, code)
        details = [("kind", kind), ("code", code)]
        return recording.record_action(
            conn, actor=user.username, action="names/remove", details=details, now=now
        )

    publish(resources, Change(await resources.writer.run(write), kind="names"))
    return RedirectResponse("/names", status_code=303)


@dataclass(frozen=True)
class LogRow:
    seq: int
    received: str
    method: str
    path: str
    outcome: str
    status_code: int
    reason: str
    actor: str
    call_id: str
    params: list[tuple[str, str]]
    body: str
    seen_count: int = 1  # a flood of refusals counted on this row (store/refused.py)
    last_seen: str = ""
    request_bytes: int | None = None  # the request's size, when the row keeps an excerpt


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def _body(raw: bytes | None) -> str:
    if not raw:
        return ""
    text = raw[:MAX_SHOWN_BODY].decode("utf-8", errors="replace")
    return text + ("…" if len(raw) > MAX_SHOWN_BODY else "")


def _log_row(request: Request, row: dict[str, Any]) -> LogRow:
    params = [(str(p[0]), str(p[1])) for p in row.get("params") or [] if len(p) == 2]
    return LogRow(
        seq=int(row["seq"]),
        received=formatter(request).time(_aware(row["received_at"])),
        method=row["method"],
        path=row["path"],
        outcome=row["outcome"],
        status_code=int(row["status_code"]),
        reason=row.get("reason") or "",
        actor=row.get("actor") or "",
        call_id=row.get("call_id") or "",
        params=params,
        body=_body(row.get("body")),
        seen_count=int(row.get("seen_count") or 1),
        last_seen=formatter(request).time(_aware(last)) if (last := row.get("last_seen_at")) else "",
        request_bytes=row.get("request_bytes"),
    )


@router.get("/log")
def log_page(
    request: Request,
    resources: ResourcesDep,
    user: Admin,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Every request TVox sent and every user action, newest first, with outcome and reason."""
    chosen = outcome if outcome in OUTCOMES else None
    with resources.db.read.connect() as conn:
        found = event_log.recent(conn, limit=LOG_PAGE + 1, before=before, outcome=chosen)
    rows = [_log_row(request, r) for r in found[:LOG_PAGE]]
    more = len(found) > LOG_PAGE
    next_url = None
    if more and rows:
        next_url = f"/log?before={rows[-1].seq}" + (f"&outcome={chosen}" if chosen else "")
    return render(
        request,
        "admin/log.html",
        {"nav": "log", "rows": rows, "outcome": chosen or "", "outcomes": OUTCOMES, "next_url": next_url},
    )
