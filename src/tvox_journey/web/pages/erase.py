"""Erasure of a person from the contact card (admins only): a confirmation page, then the erasure.

The erasure runs in batches through the process's writer (erasure.py), so the
webhooks arriving meanwhile wait at most for one small batch; the request ends
when it is done. Cut short (a 503, a restart), it is run again from the same card.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from tvox_journey import erasure
from tvox_journey.live.broadcaster import Change
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin, contact_not_found, find_contact, publish
from tvox_journey.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get("/contacts/{contact_id:int}/erase")
def confirm_erase(request: Request, contact_id: int, resources: ResourcesDep, user: Admin) -> Response:
    """Step one: what the erasure will delete and change."""
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    target = erasure.Target(tuple(contact.number_keys), contact.id)
    plan = erasure.plan(resources.db, target, resources.policy)
    shared = [
        (other, number.raw)
        for other in plan.changed_contacts
        for number in contact.numbers
        if number.key in other.number_keys
    ]
    return render(
        request,
        "contacts/erase.html",
        {
            "nav": "contacts",
            "user": user,
            "contact": contact,
            "plan": plan,
            "rows": sum(plan.call_rows.values()),
            "shared": shared,
        },
    )


def _through_writer(resources: Resources, loop: asyncio.AbstractEventLoop) -> erasure.Write:
    """Run each write of the erasure (on a worker thread) as a job of the process's writer."""

    def write(job: Callable[[Connection], Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(resources.writer.run(job), loop).result()

    return write


@router.post("/contacts/{contact_id:int}/erase", dependencies=CSRF)
async def erase_contact(request: Request, contact_id: int, resources: ResourcesDep, user: Admin) -> Response:
    """Step two: erase the contact and everything stored of its numbers."""
    write = _through_writer(resources, asyncio.get_running_loop())
    now = resources.now()

    def run() -> erasure.Report | None:
        with resources.db.read.connect() as conn:
            target = erasure.of_contact(conn, contact_id)
        if target is None:
            return None
        return erasure.erase(
            resources.db, target, resources.policy, actor=user.username, now=now, write=write
        )

    if find_contact(resources, contact_id) is None:
        return contact_not_found(request)
    report = await run_in_threadpool(run)
    if report is None:
        return contact_not_found(request)
    publish(resources, Change(report.seq, kind="contact"))
    rows = sum(report.rows_erased.values()) + sum(report.rows_redacted.values())
    return RedirectResponse(f"/contacts?erased={report.interactions_deleted}&rows={rows}", status_code=303)
