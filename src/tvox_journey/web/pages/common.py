"""What the page routes share: role dependencies, limits, contact lookup, publishing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from tvox_journey.domain.contact import Contact
from tvox_journey.live.broadcaster import Change
from tvox_journey.services.contacts import SharedNumber
from tvox_journey.store import contacts as contact_store
from tvox_journey.web.deps import Resources
from tvox_journey.web.pages.render import render
from tvox_journey.web.security.csrf import verify_csrf
from tvox_journey.web.security.identity import User, require

Viewer = Annotated[User, Depends(require("viewer"))]
Agent = Annotated[User, Depends(require("agent"))]
Admin = Annotated[User, Depends(require("admin"))]
CSRF = [Depends(verify_csrf)]

MAX_ID = 2**31 - 1  # larger ids exist in no table (and would overflow the driver)
PAGE_SIZE = 50


def find_contact(resources: Resources, contact_id: int) -> Contact | None:
    if not 0 < contact_id <= MAX_ID:
        return None
    with resources.db.read.connect() as conn:
        return contact_store.get(conn, contact_id)


def contact_not_found(request: Request) -> HTMLResponse:
    """The tutorial's "Il contatto non è stato trovato" page, as a 404."""
    return render(request, "contacts/not_found.html", {"nav": "contacts"}, status_code=404)


def publish(resources: Resources, *changes: Change) -> None:
    for change in changes:
        resources.broadcaster.publish(change)


def confirm_page(
    request: Request,
    contact: Contact,
    step: str,
    *,
    count: int | None = None,
    shared: Sequence[SharedNumber] = (),
) -> HTMLResponse:
    """The "are you sure?" page of a destructive `step` on a contact (clear, delete).

    `shared`: the contact's numbers other contacts have too, whose calls the step hides from them.
    """
    return render(
        request,
        "contacts/confirm.html",
        {
            "nav": "contacts",
            "contact": contact,
            "action": f"/contacts/{contact.id}/{step}",
            "question": f"{step}.question",
            "explanation": f"{step}.explanation",
            "count": count,
            "shared": shared,
            "confirm": f"{step}.confirm",
            "danger": True,
        },
    )
