"""Notes on the card in Chromium: an agent adds one on one page and it appears, as text, on a second
page open on the same card without a reload; what that page was typing survives the refresh."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import LAPTOP, SIDE_PANEL, Server, screenshot
from tests.browser.test_card import CALLS, open_card

from tvox_journey.services import accounts
from tvox_journey.store.engine import make_database

pytestmark = pytest.mark.browser
AGENT = ("anna", "password-for-browser-tests")
NOTE = '<b>Richiamare</b> lunedì & "portare" il preventivo\nseconda riga'


def add_agent(server: Server) -> None:
    db = make_database(server.database_url)
    try:
        with db.write.begin() as conn:
            accounts.add_user(
                conn,
                username=AGENT[0],
                password_hash=accounts.Passwords(64).hash(AGENT[1]),
                role="agent",
                actor="tests",
                now=datetime.now(UTC),
            )
    finally:
        db.dispose()


@pytest.fixture
def agent_pages(chromium: Browser, server: Server) -> Iterator[tuple[Page, Page]]:
    """Two pages of one agent (HTTP Basic), as two browser windows."""
    add_agent(server)
    auth = "Basic " + base64.b64encode(f"{AGENT[0]}:{AGENT[1]}".encode()).decode()
    contexts = [
        chromium.new_context(viewport=LAPTOP, locale="it-IT", extra_http_headers={"Authorization": auth})
        for _ in range(2)
    ]
    for context in contexts:
        context.set_default_timeout(10_000)
    yield contexts[0].new_page(), contexts[1].new_page()
    for context in contexts:
        context.close()


def test_a_note_added_on_one_page_appears_live_on_another_open_on_the_card(
    agent_pages: tuple[Page, Page], server: Server
) -> None:
    server.send_calls(CALLS)
    writer, watcher = agent_pages
    open_card(watcher, server)
    watcher.evaluate("window.stillTheSamePage = true")
    newest_on_watcher = watcher.locator("table.journey tbody tr").first
    newest_on_watcher.locator("summary", has_text="Aggiungi una nota").click()
    draft = newest_on_watcher.locator("textarea[id^=note-text-]")
    draft.fill("sto ancora scrivendo")  # the watcher's own note, half typed

    open_card(writer, server)
    newest = writer.locator("table.journey tbody tr").first
    newest.locator("summary", has_text="Aggiungi una nota").click()
    newest.locator("textarea[name=text]").fill(NOTE)
    newest.locator("select[name=outcome]").select_option(label="Da richiamare")
    newest.get_by_role("button", name="Salva la nota").click()
    expect(writer).to_have_url(server.url(f"/contacts/{server.contact_id}"))
    written = writer.locator("table.journey tbody tr").first.locator(".note")
    expect(written.locator(".note-text")).to_have_text(NOTE)
    expect(written.locator(".badge-note")).to_have_text("Da richiamare")

    seen = newest_on_watcher.locator(".note")
    expect(seen).to_have_count(1)  # no reload: the live stream brought it
    expect(seen.locator(".note-text")).to_have_text(NOTE)  # markup shows as text
    expect(seen.locator(".note-author")).to_have_text("anna")
    expect(seen.locator("b")).to_have_count(0)
    assert watcher.evaluate("window.stillTheSamePage") is True
    expect(draft).to_have_value("sto ancora scrivendo")  # what the watcher was typing is still there
    screenshot(watcher, "card-note-live")
    watcher.set_viewport_size(SIDE_PANEL)  # the card beside TVox's softphone: still no sideways scroll
    assert watcher.evaluate("document.documentElement.scrollWidth") <= SIDE_PANEL["width"]
    screenshot(watcher, "card-note-side-panel")
    watcher.set_viewport_size(LAPTOP)

    seen.locator("summary", has_text="Modifica").click()
    seen.get_by_role("button", name="Elimina la nota").click()
    expect(writer.locator("table.journey tbody tr").first.locator(".note")).to_have_count(0)
