"""Contacts: list and search, create, edit, delete, and the screen-pop `/lookup`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.domain.contact import Contact, ContactNumber
from tvox_journey.live.broadcaster import Change
from tvox_journey.services import contacts as contact_services
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions as interaction_store
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import (
    CSRF,
    PAGE_SIZE,
    Agent,
    Viewer,
    confirm_page,
    contact_not_found,
    find_contact,
    publish,
)
from tvox_journey.web.pages.render import render

router = APIRouter(include_in_schema=False)
MAX_TEXT = 255
MAX_NUMBER = 64
MAX_NUMBERS = 20
Text = Annotated[str | None, Query(max_length=MAX_TEXT)]


@dataclass
class ContactForm:
    """What the form shows: typed values, their problems, and any suggestion from TVox."""

    name: str = ""
    surname: str = ""
    company: str = ""
    numbers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    suggested: bool = False

    @property
    def number_fields(self) -> list[str]:
        """The numbers plus empty fields to add more (without JavaScript)."""
        return self.numbers + [""] * max(2, 3 - len(self.numbers))

    @classmethod
    def of(cls, contact: Contact) -> ContactForm:
        return cls(contact.name, contact.surname, contact.company or "", [n.raw for n in contact.numbers])


def search_contacts(conn: Connection, resources: Resources, q: str | None, offset: int) -> list[Contact]:
    """A page of the search, and one more to tell whether there is a next page."""
    return contact_services.search_contacts(conn, q, resources.policy, limit=PAGE_SIZE + 1, offset=offset)


@router.get("/contacts")
def contact_list(
    request: Request,
    resources: ResourcesDep,
    user: Viewer,
    q: Text = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Contacts, searched by name or number."""
    with resources.db.read.connect() as conn:
        found = search_contacts(conn, resources, q, offset)
        total = contact_store.count(conn)
    more = len(found) > PAGE_SIZE
    next_url = f"/contacts?{urlencode({'q': q or '', 'offset': offset + PAGE_SIZE})}" if more else None
    return render(
        request,
        "contacts/list.html",
        {
            "nav": "contacts",
            "user": user,
            "contacts": found[:PAGE_SIZE],
            "q": q or "",
            "total": total,
            "next_url": next_url,
            "deleted": request.query_params.get("deleted") == "1",
            "erased": _count(request, "erased"),
            "erased_rows": _count(request, "rows") or 0,
        },
    )


def _count(request: Request, name: str) -> int | None:
    """A count a redirect carried in the query (what an erasure did), None when there is none."""
    value = request.query_params.get(name)
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _new_form(conn: Connection, number: str | None, from_call: str | None, typed: ContactForm) -> ContactForm:
    """The new-contact form: what the link carries, then TVox's caller data where nothing was given."""
    form = typed
    if number and not form.numbers:
        form.numbers = [number[:MAX_NUMBER]]
    stored = interaction_store.get(conn, from_call) if from_call else None
    if stored is not None:
        i = stored.interaction
        if not form.numbers and i.number:
            form.numbers = [i.number[:MAX_NUMBER]]
        suggestions = {"name": i.caller_name, "surname": i.caller_surname, "company": i.caller_company}
        for attribute, value in suggestions.items():
            if value and not getattr(form, attribute):
                setattr(form, attribute, value[:MAX_TEXT])
                form.suggested = True
    return form


@router.get("/contacts/new")
def new_contact_form(
    request: Request,
    resources: ResourcesDep,
    user: Agent,
    number: Annotated[str | None, Query(max_length=MAX_NUMBER)] = None,
    from_call: Annotated[str | None, Query(max_length=255)] = None,
    name: Text = None,
    surname: Text = None,
    company: Text = None,
) -> Response:
    """A new contact; `number` and `from_call` (an unknown caller's call id) prefill it."""
    typed = ContactForm(name or "", surname or "", company or "")
    with resources.db.read.connect() as conn:
        form = _new_form(conn, number, from_call, typed)
    return _render_form(request, form, action="/contacts/new", contact=None)


def _render_form(
    request: Request, form: ContactForm, *, action: str, contact: Contact | None, status_code: int = 200
) -> Response:
    return render(
        request,
        "contacts/form.html",
        {"nav": "contacts", "form": form, "action": action, "contact": contact},
        status_code=status_code,
    )


async def _read_form(request: Request, resources: Resources) -> tuple[ContactForm, list[ContactNumber]]:
    data = await request.form()

    def text(name: str) -> str:
        value = data.get(name)
        return value.strip() if isinstance(value, str) else ""

    raw_numbers = [v.strip() for v in data.getlist("number") if isinstance(v, str) and v.strip()]
    form = ContactForm(text("name"), text("surname"), text("company"), raw_numbers)
    if not (form.name or form.surname or form.company):
        form.errors.append("form.error_no_name")
    if any(len(v) > MAX_TEXT for v in (form.name, form.surname, form.company)):
        form.errors.append("form.error_too_long")
    if len(raw_numbers) > MAX_NUMBERS or any(len(n) > MAX_NUMBER for n in raw_numbers):
        form.errors.append("form.error_numbers_too_many")
        return form, []
    try:
        numbers = contact_services.contact_numbers(raw_numbers, resources.policy)
    except ValueError:
        form.errors.append("form.error_bad_number")
        numbers = []
    return form, numbers


def _fields(form: ContactForm, numbers: list[ContactNumber]) -> contact_services.ContactFields:
    return contact_services.ContactFields(form.name, form.surname, form.company or None, numbers)


@router.post("/contacts/new", dependencies=CSRF)
async def create_contact(request: Request, resources: ResourcesDep, user: Agent) -> Response:
    """Create the contact; its numbers' past interactions join its journey at once."""
    form, numbers = await _read_form(request, resources)
    if form.errors:
        return _render_form(request, form, action="/contacts/new", contact=None, status_code=422)
    now = resources.now()
    saved = await resources.writer.run(
        lambda conn: contact_services.save_contact(
            conn, None, _fields(form, numbers), actor=user.username, now=now
        )
    )
    assert saved is not None
    contact_id, seq = saved
    publish(resources, Change(seq, kind="contact"))
    return RedirectResponse(f"/contacts/{contact_id}", status_code=303)


@router.get("/contacts/{contact_id:int}/edit")
def edit_contact_form(request: Request, contact_id: int, resources: ResourcesDep, user: Agent) -> Response:
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    return _render_form(
        request, ContactForm.of(contact), action=f"/contacts/{contact.id}/edit", contact=contact
    )


@router.post("/contacts/{contact_id:int}/edit", dependencies=CSRF)
async def update_contact(request: Request, contact_id: int, resources: ResourcesDep, user: Agent) -> Response:
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    form, numbers = await _read_form(request, resources)
    if form.errors:
        return _render_form(
            request, form, action=f"/contacts/{contact.id}/edit", contact=contact, status_code=422
        )
    now = resources.now()
    saved = await resources.writer.run(
        lambda conn: contact_services.save_contact(
            conn, contact.id, _fields(form, numbers), actor=user.username, now=now
        )
    )
    if saved is None:
        return contact_not_found(request)
    publish(resources, Change(saved[1], kind="contact"))
    return RedirectResponse(f"/contacts/{contact.id}", status_code=303)


@router.get("/contacts/{contact_id:int}/delete")
def confirm_delete(request: Request, contact_id: int, resources: ResourcesDep, user: Agent) -> Response:
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    return confirm_page(request, contact, "delete")


@router.post("/contacts/{contact_id:int}/delete", dependencies=CSRF)
async def delete_contact(request: Request, contact_id: int, resources: ResourcesDep, user: Agent) -> Response:
    """Delete the contact; its interactions stay, as an unknown number's."""
    contact = find_contact(resources, contact_id)
    if contact is None:
        return contact_not_found(request)
    now = resources.now()
    seq = await resources.writer.run(
        lambda conn: contact_services.delete_contact(conn, contact.id, actor=user.username, now=now)
    )
    if seq is not None:
        publish(resources, Change(seq, kind="contact"))
    return RedirectResponse("/contacts?deleted=1", status_code=303)


@router.get("/lookup")
def lookup(
    request: Request,
    resources: ResourcesDep,
    user: Viewer,
    number: Annotated[str, Query(max_length=MAX_NUMBER)] = "",
) -> Response:
    """Screen-pop: the card of the contact with this number, a choice if several, else a new contact."""
    with resources.db.read.connect() as conn:
        owners = contact_services.find_contact_for_number(conn, number, resources.policy)
    if len(owners) == 1:
        return RedirectResponse(f"/contacts/{owners[0].id}", status_code=303)
    if not owners:
        query = urlencode({"number": number}) if number.strip() else ""
        return RedirectResponse(f"/contacts/new?{query}" if query else "/contacts/new", status_code=303)
    return render(
        request,
        "contacts/list.html",
        {
            "nav": "contacts",
            "user": user,
            "contacts": owners,
            "q": number,
            "total": None,
            "next_url": None,
            "deleted": False,
            "erased": None,
            "ambiguous_number": number,
        },
    )
