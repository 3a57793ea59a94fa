"""/setup in Chromium: a fresh installation waits; the printed configuration played with one variable
missing and one misspelled turns those two rows incomplete and the rest working, live; the test call
turns each step green and leaves nothing behind (screenshots kept, the docs show them)."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from tests.browser.conftest import SIDE_PANEL, Server, screenshot
from tests.web.setup_helpers import (
    FORM,
    MISSING_ROUTE,
    MISSING_TEXT,
    MISSPELLED_ROUTE,
    MISSPELLED_TEXT,
    played,
    printed,
    url_of,
    with_mistakes,
)

from tvox_journey.ingest.mapping import route_of
from tvox_journey.store.engine import make_database
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.traffic.configured import ConfiguredRequest

pytestmark = pytest.mark.browser


def play(server: Server, requests: list[ConfiguredRequest]) -> None:
    """The requests, over HTTP, as TVox sends them."""
    with httpx.Client(base_url=server.base, timeout=10) as http:
        for request in requests:
            wire = request.wire
            headers = {"content-type": FORM} if wire.body is not None else {}
            response = http.request(wire.method, url_of(request), content=wire.body, headers=headers)
            assert response.status_code == 200, response.text


def routes(layout: str) -> set[str]:
    return {route_of(s.uri.split("?", 1)[0]) or "" for s in printed(layout).web_services}


def fits(page: Page, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def open_setup(page: Page, server: Server, query: str = "") -> None:
    page.goto(server.url(f"/setup{query}"))
    expect(page.locator("h1")).to_have_text("Configurazione di TVox")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    page.evaluate("window.notReloaded = true")


@pytest.mark.parametrize("layout", ["native", "tutorial"])
def test_the_printed_configuration_with_two_mistakes_shows_them_live_and_the_rest_working(
    page: Page, server: Server, layout: str
) -> None:
    open_setup(page, server, "" if layout == "native" else "?layout=tutorial")
    rows = page.locator("tr.setup-row")
    expect(rows).to_have_count(len(routes(layout)))
    expect(page.locator('tr.setup-row[data-status="waiting"]')).to_have_count(len(routes(layout)))
    screenshot(page, f"setup-{layout}-waiting")

    play(server, played(with_mistakes(printed(layout))))

    missing = page.locator(f'tr.setup-row[data-route="{MISSING_ROUTE[layout]}"]')
    misspelled = page.locator(f'tr.setup-row[data-route="{MISSPELLED_ROUTE[layout]}"]')
    expect(missing).to_have_attribute("data-status", "incomplete")
    expect(missing.locator(".setup-problems")).to_contain_text(MISSING_TEXT[layout, "it"])
    expect(misspelled).to_have_attribute("data-status", "incomplete")
    expect(misspelled.locator(".setup-problems")).to_contain_text(MISSPELLED_TEXT[layout, "it"])
    expect(page.locator('tr.setup-row[data-status="working"]')).to_have_count(len(routes(layout)) - 2)
    expect(missing.locator(".badge")).to_have_text("incompleto")
    assert page.evaluate("window.notReloaded") is True  # live, without reload
    missing.locator("details").first.evaluate("d => d.open = true")
    screenshot(page, f"setup-{layout}")

    page.set_viewport_size(SIDE_PANEL)
    screenshot(page, f"setup-{layout}-side-panel")
    assert fits(page, SIDE_PANEL["width"])


def test_the_test_call_turns_each_step_green_and_leaves_nothing_behind(page: Page, server: Server) -> None:
    open_setup(page, server)
    page.get_by_role("button", name="Avvia la chiamata di prova").click()
    steps = page.locator("#trial-run li.step")
    expect(steps).to_have_count(8)  # six requests, the fold, the removal
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen.append(page.locator('#trial-run li.step[data-state="ok"]').count())
        if page.locator('#trial-run[data-run-state="done"]').count():
            break
        time.sleep(0.1)
    expect(page.locator("#trial-run")).to_have_attribute("data-run-ok", "yes")
    expect(page.locator('#trial-run li.step[data-state="ok"]')).to_have_count(8)
    assert seen == sorted(seen), seen  # steps only ever turn green
    expect(page.locator("#trial-run")).to_contain_text("La chiamata di prova è passata da ogni web service")
    expect(page.locator('tr.setup-row[data-status="waiting"]')).to_have_count(len(routes("native")))
    screenshot(page, "setup-test-call")

    db = make_database(server.database_url)
    try:
        with db.read.connect() as conn:
            assert conn.execute(select(func.count()).select_from(interactions)).scalar_one() == 0
            left = [row.route for row in conn.execute(select(event_log.c.route).order_by(event_log.c.seq))]
    finally:
        db.dispose()
    assert left == ["setup/test-call", "setup/test-call/done"]
    page.goto(server.url("/live"))
    expect(page.locator(".empty")).to_be_visible()
