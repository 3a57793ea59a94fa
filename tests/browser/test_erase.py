"""Erasing a person from the contact card in Chromium: asked first, then gone everywhere, live."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import Server, screenshot

from tvox_journey.sim import TUTORIAL_NUMBER, TUTORIAL_START, tutorial_calls

pytestmark = pytest.mark.browser


def test_an_admin_erases_a_contact_from_its_card_and_an_open_card_of_it_goes_too(
    page: Page, server: Server
) -> None:
    server.send_calls(tutorial_calls(TUTORIAL_START))
    card = server.url(f"/contacts/{server.contact_id}")
    other_tab = page.context.new_page()  # the same card, open elsewhere
    other_tab.goto(card)
    expect(other_tab.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    page.goto(card)
    expect(page.locator("table.journey tbody tr")).to_have_count(4)

    page.get_by_role("link", name="Cancella dati (GDPR)").click()
    expect(page.locator("h1")).to_have_text("Cancellare tutti i dati di Rossi Mario?")
    expect(page.locator(".erase-plan")).to_contain_text(f"Numeri cancellati ovunque: {TUTORIAL_NUMBER}.")
    # the four of the journey, and the consultation call of the consultative transfer (never shown)
    expect(page.locator(".erase-plan")).to_contain_text("5 interazioni eliminate")
    expect(page.locator(".erase-plan")).to_contain_text("18 righe del registro eventi")
    screenshot(page, "erase-confirm")
    page.get_by_role("button", name="Sì, cancella tutti i dati").click()

    expect(page).to_have_url(server.url("/contacts?erased=5&rows=18"))
    expect(page.locator(".notice")).to_have_text(
        "Dati cancellati: contatto eliminato, 5 interazioni eliminate, 18 righe del registro eventi "
        "svuotate o oscurate."
    )
    expect(other_tab.locator("h1")).to_have_text("Il contatto non è stato trovato")  # reloaded by itself
    page.goto(server.url(f"/contacts?q={TUTORIAL_NUMBER}"))
    expect(page.locator("main")).to_contain_text(f"Nessun contatto corrisponde a «{TUTORIAL_NUMBER}»")
    page.goto(server.url("/admin/audit"))
    newest = page.locator("table tbody tr").first
    expect(newest).to_contain_text("Dati di una persona cancellati (GDPR)")
    expect(newest).to_contain_text("admin")
    expect(newest).not_to_contain_text("Rossi")
    expect(newest).not_to_contain_text("222")
    page.goto(server.url("/log?outcome=accepted"))
    expect(page.locator("main")).not_to_contain_text("4600")
    screenshot(page, "erase-log")
    other_tab.close()
