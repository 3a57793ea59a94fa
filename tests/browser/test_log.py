"""The event log and the interaction page in Chromium: filters, a bad value named, a row's interaction,
the card's link to a call's requests, and a refused ring replayed after the mapping is fixed."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import SIDE_PANEL, Server, screenshot

from tvox_journey.sim import TUTORIAL_START, tutorial_calls

pytestmark = pytest.mark.browser
CALLS = tutorial_calls(TUTORIAL_START)
FIRST_CALL = "1605867847.783@d92061befe"


def refused_ring(server: Server, call_id: str) -> None:
    params = {"dateTime": "2026-11-24T09:00:00Z", "callId": call_id, "agent": "op1",
              "service": "customercare", "numeroChiamante": "0452224600"}  # fmt: skip
    assert httpx.get(server.url("/service/ring"), params=params, timeout=10).status_code == 422


def test_log_filters_narrow_the_rows_and_a_bad_value_is_named(page: Page, server: Server) -> None:
    server.send_calls(CALLS)
    refused_ring(server, "r1")
    logged = server.get("/api/v1/log?limit=500").json()["items"]
    page.goto(server.url("/log"))
    rows = page.locator("table.log tbody tr")
    expect(rows).to_have_count(len(logged))  # the tutorial's requests and the refused ring
    page.get_by_label("Numero").fill("+39 045 222 4600")
    page.get_by_label("Esito").select_option("accepted")
    page.get_by_label("ID chiamata").fill(FIRST_CALL)
    page.get_by_role("button", name="Filtra").click()
    expect(rows).to_have_count(3)
    expect(page.get_by_label("Numero")).to_have_value("+39 045 222 4600")  # kept in the form
    screenshot(page, "log-filtered")
    page.get_by_role("link", name="Togli i filtri").click()
    page.get_by_label("Testo nei parametri").fill("numerochiamante")
    page.get_by_role("button", name="Filtra").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("callerNumber: missing")
    page.get_by_label("Dal").fill("ieri")
    page.get_by_role("button", name="Filtra").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Dal: data/ora non valida (ISO-8601, es. 2026-11-24 o 2026-11-24T09:30)."
    )
    expect(rows).to_have_count(0)
    page.set_viewport_size(SIDE_PANEL)
    assert page.evaluate("document.documentElement.scrollWidth") <= SIDE_PANEL["width"]


def test_a_row_leads_to_its_interaction_and_the_card_to_its_requests(page: Page, server: Server) -> None:
    server.send_calls(CALLS)
    page.goto(server.url(f"/log?call_id={FIRST_CALL}"))
    page.locator("table.log tbody tr").first.get_by_role("link", name="Interazione").click()
    expect(page.locator("h1")).to_contain_text(FIRST_CALL)
    events = page.locator("table.events tbody tr")
    expect(events).to_have_count(3)
    expect(events.nth(0)).to_contain_text("service ring")
    expect(events.nth(1).locator(".changes")).to_contain_text("Squilla ora → In conversazione ora")
    expect(events.nth(2).locator(".changes")).to_contain_text("In conversazione ora → Risposta")
    screenshot(page, "interaction-by-time")
    page.get_by_role("link", name="Per arrivo").click()
    expect(page.locator("nav.order-switch strong")).to_have_text("Per arrivo")
    page.goto(server.url(f"/contacts/{server.contact_id}"))
    page.locator(f"tr[data-call-id='{FIRST_CALL}']").get_by_role("link", name="Richieste ricevute").click()
    expect(page).to_have_url(server.url("/interactions/" + FIRST_CALL.replace("@", "%40")))
    expect(page.locator("table.journey:not(.log) tbody tr")).to_have_count(1)
    page.set_viewport_size(SIDE_PANEL)
    assert page.evaluate("document.documentElement.scrollWidth") <= SIDE_PANEL["width"]
    screenshot(page, "interaction-side-panel")


def test_a_refused_ring_is_replayed_from_the_log_after_the_mapping_is_fixed(
    page: Page, server: Server
) -> None:
    refused_ring(server, "r1")
    page.goto(server.url("/mappings"))
    page.locator("#route").select_option("service/ring")
    page.locator("#incoming").fill("numeroChiamante")
    page.locator("#variable").fill("cli")
    page.get_by_role("button", name="Salva").click()
    page.goto(server.url("/log"))
    page.get_by_label("Esito").select_option("rejected")
    page.get_by_role("button", name="Filtra").click()
    page.get_by_role("link", name="Riprova queste richieste…").click()
    expect(page.locator(".replay-count")).to_have_text("Richieste da riprovare: 1.")
    expect(page.locator(".replay-summary")).to_contain_text("accettate: 1")
    screenshot(page, "replay-preview")
    page.get_by_role("button", name="Riprova le richieste (1)").click()
    expect(page.get_by_role("status")).to_have_text("Fatto. Richieste rilette: 1.")
    page.locator("table.replay").get_by_role("link", name="r1").click()
    expect(page.locator("table.journey:not(.log) tbody tr")).to_have_count(1)
    expect(page.locator("table.events tbody tr").first).to_contain_text("riprova della voce #1")
