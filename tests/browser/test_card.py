"""The contact card in Chromium: the tutorial's calls, live updates, Cancella Journey, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import SIDE_PANEL, Server, screenshot

from tvox_journey.sim import TUTORIAL_NUMBER, TUTORIAL_START, Request, service_call, tutorial_calls

pytestmark = pytest.mark.browser
CALLS = tutorial_calls(TUTORIAL_START)


def open_card(page: Page, server: Server, contact_id: int | None = None) -> None:
    """Open a card and wait until its live stream is connected."""
    page.goto(server.url(f"/contacts/{contact_id or server.contact_id}"))
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")


def test_card_shows_the_tutorials_four_calls_with_labels_and_local_times(page: Page, server: Server) -> None:
    server.send_calls(CALLS)
    page.goto(server.url("/lookup?number=%2B39%20045%20222%204600"))  # screen-pop, another format
    expect(page).to_have_url(server.url(f"/contacts/{server.contact_id}"))
    expect(page.locator("h1")).to_have_text("Rossi Mario")
    expect(page.locator(".numbers")).to_contain_text("Telefono: 0452224600")
    rows = page.locator("table.journey tbody tr")
    expect(rows).to_have_count(4)
    consultative, blind, outbound, inbound = (rows.nth(i) for i in range(4))
    expect(inbound.locator("td").nth(0)).to_contain_text("Chiamata di Servizio Inbound")
    expect(inbound.locator("td").nth(1)).to_have_text("Customer Care")
    expect(inbound.locator("td").nth(2)).to_have_text("Operatore 1")
    expect(inbound.locator("td").nth(3)).to_have_text("20-11-2020 11:24:08")  # 10:24:08.674Z
    expect(inbound.locator("td").nth(4)).to_have_text("20-11-2020 11:24:14")
    expect(inbound.locator("td").nth(5)).to_have_text("20-11-2020 11:25:43")
    expect(outbound.locator("td").nth(0)).to_contain_text("Chiamata Outbound")
    expect(outbound.locator("td").nth(1)).to_have_text("-")
    expect(outbound.locator("td").nth(3)).to_have_text("20-11-2020 11:29:31")
    expect(blind.locator(".transfer strong")).to_have_text("Chiamata trasferita (diretta / blind)")
    expect(blind.locator(".transfer")).to_contain_text("Trasferita ad operatore: Operatore 2")
    expect(blind.locator(".transfer")).to_contain_text("Data/Ora trasferimento: 20-11-2020 11:45:57")
    expect(blind.locator("td").nth(5)).to_have_text("20-11-2020 11:45:57")  # op1's own hangup
    expect(consultative.locator(".transfer strong")).to_have_text("Chiamata trasferita (con consultazione)")
    expect(consultative.locator(".transfer")).to_contain_text("Trasferita ad operatore: Operatore 2")
    expect(page.locator(".badge-answered")).to_have_count(4)
    screenshot(page, "card-laptop")
    page.set_viewport_size(SIDE_PANEL)
    assert page.evaluate("document.documentElement.scrollWidth") <= SIDE_PANEL["width"]
    screenshot(page, "card-side-panel")
    page.goto(server.url(f"/contacts/{server.contact_id}?lang=en"))
    expect(rows.nth(3).locator("td").nth(0)).to_contain_text("Inbound service call")
    expect(page.locator("table.journey thead")).to_contain_text("Start")


def test_webhook_sent_while_the_card_is_open_appears_without_reload(page: Page, server: Server) -> None:
    open_card(page, server)
    expect(page.locator(".empty")).to_contain_text("Nessuna interazione ancora")
    page.evaluate("window.stillTheSamePage = true")
    call = CALLS[0]
    ring, answer, hangup = call.requests
    server.send([ring])
    row = page.locator("table.journey tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("Squilla ora")
    server.send([answer])
    expect(row.locator(".badge")).to_have_text("In conversazione ora")
    server.send([hangup])
    expect(row.locator(".badge")).to_have_text("Risposta")
    expect(row.locator("td").nth(5)).to_have_text("20-11-2020 11:25:43")
    assert page.evaluate("window.stillTheSamePage") is True


def test_cancella_journey_asks_first_then_empties_the_journey(page: Page, server: Server) -> None:
    server.send_calls(CALLS)
    open_card(page, server)
    expect(page.locator("table.journey tbody tr")).to_have_count(4)
    page.get_by_role("link", name="Cancella Journey").click()
    expect(page.locator("h1")).to_have_text("Cancellare la Customer Journey di Rossi Mario?")
    screenshot(page, "clear-confirm")
    page.get_by_role("button", name="Sì, cancella la Journey").click()
    expect(page.locator(".notice")).to_have_text("Customer Journey cancellata (4 interazioni).")
    expect(page.locator("table.journey")).to_have_count(0)
    expect(page.locator(".empty")).to_contain_text("Nessuna interazione ancora")
    page.goto(server.url("/log?outcome=action"))
    expect(page.locator("table.log tbody tr").first).to_contain_text("journey/clear")
    expect(page.locator("table.log tbody tr").first).to_contain_text("admin")


def test_cancella_journey_without_a_valid_csrf_token_is_refused(page: Page, server: Server) -> None:
    server.send_calls(CALLS)
    open_card(page, server)  # the browser now has its CSRF cookie
    target = server.url(f"/contacts/{server.contact_id}/clear")
    assert page.request.post(target, form={}).status == 403
    assert page.request.post(target, form={"csrf_token": "forged.token.value"}).status == 403
    page.goto(server.url(f"/contacts/{server.contact_id}/clear"))
    token = page.locator("main input[name=csrf_token]").get_attribute("value")
    other = page.context.browser.new_context(  # type: ignore[union-attr]
        extra_http_headers={"Authorization": server.auth_header}
    )
    try:  # a valid token is no use with another browser's cookie
        assert other.request.post(target, form={"csrf_token": token or ""}).status == 403
    finally:
        other.close()
    open_card(page, server)
    expect(page.locator("table.journey tbody tr")).to_have_count(4)


def test_html_in_names_agents_and_popups_is_shown_as_text(page: Page, server: Server) -> None:
    page.goto(server.url("/names"))
    page.locator("#code").fill("op9")
    page.locator("#display-name").fill('<img src=x onerror="window.pwned=1">Op <b>9</b>')
    page.get_by_role("button", name="Salva").first.click()
    page.goto(server.url("/contacts/new"))
    page.locator("#surname").fill("<script>window.pwned=2</script>")
    page.locator("#name").fill("<b>Eve</b>")
    page.locator("input[name=number]").first.fill("045 999 1111")
    page.get_by_role("button", name="Salva").click()
    expect(page.locator("h1")).to_have_text("<script>window.pwned=2</script> <b>Eve</b>")
    contact_id = int(page.url.rstrip("/").split("/")[-1])
    open_card(page, server, contact_id)
    params = (
        ("dateISO", "2024-03-05T08:00:00.000Z"), ("idlastcall", "1709625600.1@x"), ("cli", "0459991111"),
        ("pin", "op9"), ("servizio", "<i>svc</i>"), ("popup1", "<script>window.pwned=3</script>"),
    )  # fmt: skip
    server.send([Request("GET", "tvox/events/service/ring", params, "1709625600.1@x", TUTORIAL_START)])
    row = page.locator("table.journey tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text('<img src=x onerror="window.pwned=1">Op <b>9</b>')
    expect(row.locator("td").nth(1)).to_have_text("<i>svc</i>")
    expect(row.locator(".popups")).to_contain_text("<script>window.pwned=3</script>")
    assert page.locator("h1 b, td b, td img, td i, .popups script").count() == 0
    assert page.evaluate("window.pwned") is None
    screenshot(page, "card-escaping")


def test_live_board_shows_a_call_while_it_rings_and_drops_it_when_it_ends(page: Page, server: Server) -> None:
    page.goto(server.url("/live"))
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(page.locator(".empty")).to_contain_text("Nessuna chiamata in corso")
    now = datetime.now(UTC)
    call = service_call(
        "1700000000.1@live", number=TUTORIAL_NUMBER, agent="op2", service="customercare",
        ring=now - timedelta(seconds=20), answer=None, hangup=now,
    )  # fmt: skip
    ring, hangup = call.requests
    server.send([ring])
    row = page.locator("table.board tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Rossi Mario")
    expect(row).to_contain_text("Operatore 2")
    expect(row.locator(".badge")).to_have_text("Squilla ora")
    screenshot(page, "live-board")
    server.send([hangup])
    expect(row).to_have_count(0)
