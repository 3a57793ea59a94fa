"""Helpers for the page tests: tutorial traffic, contacts, CSRF tokens, the rows of a card."""

from __future__ import annotations

import html
import random
import re
from collections.abc import Iterable

from fastapi.testclient import TestClient

from tvox_journey.services import contacts as contact_services
from tvox_journey.sim import TUTORIAL_NUMBER, TUTORIAL_START, Request, delivery_order, tutorial_calls
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names

HTML = {"accept": "text/html"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW = re.compile(r"<tr class=\"kind-.*?</tr>", re.S)
TAG = re.compile(r"<[^>]+>")


def send(client: TestClient, requests: Iterable[Request]) -> None:
    for request in requests:
        response = client.get(f"/{request.path}", params=list(request.params))
        assert response.status_code == 200, response.text


def send_tutorial_calls(client: TestClient) -> None:
    send(client, delivery_order(tutorial_calls(TUTORIAL_START), random.Random(0)))


def ring(
    client: TestClient, call_id: str, at: str, *, number: str = TUTORIAL_NUMBER, agent: str = "op1"
) -> None:
    params = {
        "dateTime": at,
        "callId": call_id,
        "agent": agent,
        "service": "customercare",
        "callerNumber": number,
    }
    assert client.get("/service/ring", params=params).status_code == 200


def add_contact(
    client: TestClient,
    surname: str = "Rossi",
    name: str = "Mario",
    numbers: Iterable[str] = (TUTORIAL_NUMBER,),
) -> int:
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.write.begin() as conn:
        return contact_store.create(
            conn, name=name, surname=surname, company=None,
            numbers=contact_services.contact_numbers(list(numbers), resources.policy), now=resources.now(),
        )  # fmt: skip


def add_names(client: TestClient, *entries: tuple[str, str, str]) -> None:
    entries = entries or (
        (names.AGENT, "op1", "Operatore 1"), (names.AGENT, "op2", "Operatore 2"),
        (names.SERVICE, "customercare", "Customer Care"),
    )  # fmt: skip
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.write.begin() as conn:
        for kind, code, display in entries:
            names.set_name(conn, kind, code, display)


def csrf_token(client: TestClient, path: str = "/contacts/new") -> str:
    """A token from a form page (the client keeps the CSRF cookie that comes with it)."""
    page = client.get(path, headers=HTML)
    found = TOKEN.search(page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


def rows(page_html: str) -> list[str]:
    """The journey rows of a card, as text."""
    return [" ".join(html.unescape(TAG.sub(" ", row)).split()) for row in ROW.findall(page_html)]
