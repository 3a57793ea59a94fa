"""The directory of agents and services in Chromium: an unknown code attached on /names in one click, a
new agent made from another, and the card showing (then live re-labelling) the agent's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import SIDE_PANEL, Server, screenshot
from tests.browser.test_card import open_card
from tests.browser.test_pages import fits

from tvox_journey.sim import TUTORIAL_NUMBER, service_call

pytestmark = pytest.mark.browser
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def calls_of(server: Server, *agents: str) -> None:
    """One answered call of the tutorial's number per agent code, a minute apart."""
    for i, agent in enumerate(agents):
        ring = START + timedelta(minutes=i)
        answer, hangup = ring + timedelta(seconds=5), ring + timedelta(seconds=40)
        call = service_call(f"dir-{i}", number=TUTORIAL_NUMBER, agent=agent, service="customercare",
                            ring=ring, answer=answer, hangup=hangup)  # fmt: skip
        server.send_calls([call])


def test_an_unknown_code_attached_on_the_names_page_shows_the_agents_name_on_the_card(
    page: Page, server: Server
) -> None:
    calls_of(server, "op1", "1001", "2002")
    open_card(page, server)
    agents = page.locator("table.journey tbody tr td:nth-child(3)")
    expect(agents).to_have_text(["2002", "1001", "Operatore 1"])

    page.goto(server.url("/names"))
    unknown = page.locator("#unknown-agent tbody tr")
    expect(unknown).to_have_count(2)
    expect(unknown.nth(0)).to_contain_text("2002")
    screenshot(page, "directory-unknown")
    row = unknown.filter(has_text="1001")
    row.get_by_label("Voce a cui associare 1001").select_option(label="Operatore 1")
    row.get_by_role("button", name="Associa").click()
    expect(page).to_have_url(server.url("/names"))
    expect(page.locator("#unknown-agent tbody tr")).to_have_count(1)
    mario = page.locator("#entries-agent tbody tr").filter(has=page.locator("input[value='Operatore 1']"))
    expect(mario.locator(".codes code")).to_have_text(["1001", "op1"])

    new = page.locator("#unknown-agent tbody tr").filter(has_text="2002")
    new.get_by_label("Nome per 2002").fill("Giulia <Bianchi>")
    new.get_by_role("button", name="Nuovo operatore").click()
    expect(page.locator("#unknown-agent tbody tr")).to_have_text(["Nessun codice sconosciuto."])

    open_card(page, server)
    expect(agents).to_have_text(["Giulia <Bianchi>", "Operatore 1", "Operatore 1"])
    admin = page.context.new_page()  # the card stays open: a rename shows on it without a reload
    admin.goto(server.url("/names"))
    admin.get_by_label("Nome di Operatore 1").fill("Mario Rossi (op1, 1001)")
    admin.get_by_label("Nome di Operatore 1").press("Enter")
    expect(admin).to_have_url(server.url("/names"))
    expect(agents).to_have_text(["Giulia <Bianchi>", "Mario Rossi (op1, 1001)", "Mario Rossi (op1, 1001)"])
    assert page.locator("td b").count() == 0
    admin.set_viewport_size(SIDE_PANEL)
    admin.goto(server.url("/names"))
    screenshot(admin, "directory-side-panel")
    assert fits(admin, SIDE_PANEL["width"])
