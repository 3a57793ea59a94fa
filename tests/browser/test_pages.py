"""The pages around the card in Chromium, at laptop and side-panel widths (screenshots kept)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import LAPTOP, SIDE_PANEL, Server, screenshot

from tvox_journey.sim import TUTORIAL_START, Request, tutorial_calls

pytestmark = pytest.mark.browser

UNKNOWN_CALL = (
    ("dateISO", "2024-03-05T08:00:00.000Z"), ("idlastcall", "1709625600.7@x"), ("cli", "+39 02 1234 5678"),
    ("pin", "op1"), ("servizio", "customercare"), ("clidname", "Anna"), ("clidsurname", "Bianchi"),
    ("clidcompany", "Bianchi Srl"), ("popup1", "CRM-4411"),
)  # fmt: skip


def fits(page: Page, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def test_unknown_number_becomes_a_contact_with_its_history_and_tvox_suggested_name(
    page: Page, server: Server
) -> None:
    server.send([Request("GET", "tvox/events/service/ring", UNKNOWN_CALL, "1709625600.7@x", TUTORIAL_START)])
    page.goto(server.url("/unknown"))
    entry = page.locator("table.unknown tbody tr")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Bianchi Anna (Bianchi Srl)")
    entry.get_by_role("link", name="Crea contatto da questo numero").click()
    expect(page.locator("#surname")).to_have_value("Bianchi")
    expect(page.locator("#name")).to_have_value("Anna")
    expect(page.locator("#company")).to_have_value("Bianchi Srl")
    expect(page.locator("input[name=number]").first).to_have_value("+39 02 1234 5678")
    page.locator("#name").fill("Annalisa")  # what a person types is kept
    page.get_by_role("button", name="Salva").click()
    expect(page.locator("h1")).to_have_text("Bianchi Annalisa")
    expect(page.locator("table.journey tbody tr")).to_have_count(1)
    expect(page.locator(".popups")).to_contain_text("CRM-4411")
    page.goto(server.url("/unknown"))
    expect(page.locator(".empty")).to_contain_text("Nessun numero sconosciuto")


def test_screen_pop_of_a_number_nobody_has_opens_the_new_contact_form(page: Page, server: Server) -> None:
    page.goto(server.url("/lookup?number=3331234567"))
    expect(page.locator("h1")).to_have_text("Nuovo contatto")
    expect(page.locator("input[name=number]").first).to_have_value("3331234567")


@pytest.mark.parametrize("size", ["laptop", "side-panel"])
def test_main_pages_render_and_fit_the_width(page: Page, server: Server, size: str) -> None:
    viewport = LAPTOP if size == "laptop" else SIDE_PANEL
    page.set_viewport_size(viewport)
    server.send_calls(tutorial_calls(TUTORIAL_START))
    server.send([Request("GET", "tvox/events/service/ring", UNKNOWN_CALL, "1709625600.7@x", TUTORIAL_START)])
    pages = {
        "home": ("/", "Customer Journey TVox"),
        "contacts": ("/contacts", "Contatti"),
        "contacts-search": ("/contacts?q=045%202224600", "Contatti"),
        "contact-new": ("/contacts/new?number=3331234567", "Nuovo contatto"),
        "contact-edit": (f"/contacts/{server.contact_id}/edit", "Modifica contatto"),
        "unknown": ("/unknown", "Numeri sconosciuti"),
        "live-empty": ("/live", "Chiamate in corso"),
        "names": ("/names", "Nomi di operatori e servizi"),
        "log": ("/log", "Registro eventi"),
        "not-found": ("/contacts/999", "Il contatto non è stato trovato"),
    }
    for name, (path, title) in pages.items():
        page.goto(server.url(path))
        expect(page.locator("h1")).to_contain_text(title)
        screenshot(page, f"{name}-{size}")
        assert fits(page, viewport["width"]), f"{path} is wider than {viewport['width']} px"
    page.goto(server.url("/contacts?q=045%202224600"))
    expect(page.locator(".contact-list li")).to_have_count(1)
    page.goto(server.url("/names"))
    expect(page.locator("table.names input[value='Operatore 2']")).to_have_count(1)
    page.goto(server.url("/log"))
    expect(page.locator("table.log tbody tr").first).to_contain_text("/tvox/events/service/ring")


def test_api_docs_render_from_vendored_files_under_the_content_security_policy(
    page: Page, server: Server
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(server.url("/api/docs"))
    page.get_by_text("/api/v1/contacts/{contact_id}/journey").first.wait_for()
    screenshot(page, "api-docs")
    assert not [e for e in errors if "Content Security Policy" in e and "script" in e]
