"""`/callbacks` in Chromium: a missed call appears live without a reload, leaves when marked handled
(by another client, or from the page), and the navigation's count follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import LAPTOP, SIDE_PANEL, Server, screenshot

from tvox_journey.sim import outbound_call, service_call

pytestmark = pytest.mark.browser

KEY = "+390452224600"


def miss(server: Server, call_id: str, number: str = "0452224600", minutes_ago: int = 5) -> None:
    ring = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    call = service_call(call_id, number=number, agent="op1", service="customercare",
                        ring=ring, answer=None, hangup=ring + timedelta(seconds=40))  # fmt: skip
    server.send(call.requests)


def test_a_missed_call_appears_live_and_leaves_when_marked_handled(page: Page, server: Server) -> None:
    page.goto(server.url("/callbacks"))
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(page.locator(".empty")).to_contain_text("Nessuna chiamata da richiamare")
    count = page.locator(".nav .nav-count")
    expect(count).to_have_attribute("data-count", "0")
    expect(count).to_be_hidden()
    page.evaluate("window.notReloaded = true")

    miss(server, "1.1@h", minutes_ago=9)
    miss(server, "1.2@h")
    entry = page.locator("table.callbacks tbody tr")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Rossi Mario")
    expect(entry).to_contain_text("Customer Care")
    expect(entry.locator(".callbacks-attempts")).to_have_text("2")
    expect(entry.get_by_role("link", name="Chiama", exact=True)).to_have_attribute("href", f"tel:{KEY}")
    expect(count).to_have_text("1")
    expect(count).to_be_visible()
    screenshot(page, "callbacks-laptop")

    # Another agent marks it handled through the API: the page follows without a reload.
    response = httpx.post(
        server.url(f"/api/v1/callbacks/{KEY}/handled"),
        json={"note": "richiamato"},
        headers={"authorization": server.auth_header},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    expect(entry).to_have_count(0)
    expect(count).to_have_attribute("data-count", "0")
    expect(count).to_be_hidden()
    assert page.evaluate("window.notReloaded") is True

    # A new missed call reopens the number; this time the agent marks it from the page.
    miss(server, "1.3@h", minutes_ago=1)
    expect(entry).to_have_count(1)
    expect(entry.locator(".callbacks-attempts")).to_have_text("1")
    expect(count).to_have_text("1")
    page.set_viewport_size(SIDE_PANEL)
    screenshot(page, "callbacks-side-panel")
    assert page.evaluate(f"document.documentElement.scrollWidth <= {SIDE_PANEL['width']}")
    page.set_viewport_size(LAPTOP)
    entry.get_by_role("button", name="Segna come gestita").click()
    expect(page.locator(".notice")).to_contain_text("Segnata come gestita (tentativi: 1).")
    expect(entry).to_have_count(0)
    expect(count).to_be_hidden()


def test_the_navigation_count_shows_on_other_pages_and_the_home_tile(page: Page, server: Server) -> None:
    miss(server, "2.1@h")
    miss(server, "2.2@h", number="3331234567")
    page.goto(server.url("/contacts"))
    expect(page.locator(".nav .nav-count")).to_have_text("2")
    page.goto(server.url("/"))
    tile = page.locator("a.tile[href='/callbacks']")
    expect(tile.locator(".tile-count")).to_have_text("2")
    tile.click()
    expect(page.locator("h1")).to_have_text("Da richiamare")
    expect(page.locator("table.callbacks tbody tr")).to_have_count(2)


def test_an_entry_closes_by_itself_when_the_number_is_called_back_and_answers(
    page: Page, server: Server
) -> None:
    """No one marks it: an answered call with the number (here an agent's outbound call) closes it live,
    while another number stays."""
    miss(server, "3.1@h", minutes_ago=8)
    miss(server, "3.2@h", number="3331234567", minutes_ago=6)
    page.goto(server.url("/callbacks"))
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    rows = page.locator("table.callbacks tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate("window.notReloaded = true")

    now = datetime.now(UTC) - timedelta(minutes=1)
    back = outbound_call("3.3@h", number="0452224600", agent="op1", new=now,
                         answer=now + timedelta(seconds=8), hangup=now + timedelta(seconds=70))  # fmt: skip
    server.send(back.requests)
    expect(rows).to_have_count(1)
    expect(rows).not_to_contain_text("Rossi Mario")
    expect(page.locator(".nav .nav-count")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "callbacks-closed-by-a-call")
