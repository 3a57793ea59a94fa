"""The demo's first start in Chromium: the home page, a card and /callbacks look like a working
contact center, and the tutorial's calls for Mario Rossi still arrive live (screenshots kept)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import LAPTOP, screenshot
from tests.server_process import running_server

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.store import contacts as contact_store
from tvox_journey.store.engine import make_database
from tvox_journey.traffic.demo import create_demo_database
from tvox_journey.traffic.tutorial import play_tutorial

pytestmark = pytest.mark.browser
PASSWORD = "browser-demo-password"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """A server on a database made as `tvox-journey demo` makes it; (base URL, contact ids by name)."""
    url, _mario, _recorded = create_demo_database(tmp_path / "demo.db", NumberPolicy(), PASSWORD)
    db = make_database(url)
    try:
        with db.read.connect() as conn:
            ids = {f"{c.name} {c.surname}": c.id for c in contact_store.all_contacts(conn)}
    finally:
        db.dispose()
    env = {"TVOX_JOURNEY_SECRET_KEY": "browser-tests-secret-key-0123456789"}
    with running_server(url, env=env, log_path=tmp_path / "server.log") as base:
        yield base, ids


@pytest.fixture
def demo_page(chromium: Browser, demo: tuple[str, dict[str, int]]) -> Iterator[Page]:
    auth = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    context = chromium.new_context(
        viewport=LAPTOP, locale="it-IT", extra_http_headers={"Authorization": auth}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_the_demo_opens_on_weeks_of_calls_and_a_handful_to_call_back(
    demo_page: Page, demo: tuple[str, dict[str, int]]
) -> None:
    base, ids = demo
    page = demo_page
    page.goto(base + "/")
    expect(page.locator(".nav .nav-count")).to_be_visible()
    screenshot(page, "demo-home")

    page.goto(base + f"/contacts/{ids['Luca Ferri']}")
    expect(page.locator("h1")).to_have_text("Ferri Luca")
    rows = page.locator("table.journey tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 5
    agents = {"Laura Bianchi", "Giorgio Verdi", "Sara Ferrari", "Andrea Romano"}
    journey = page.locator("table.journey").inner_text()
    assert any(agent in journey for agent in agents)  # agents by name, whether TVox sent a username or PIN
    screenshot(page, "demo-card")

    page.goto(base + "/callbacks")
    entries = page.locator("table.callbacks tbody tr")
    expect(entries.first).to_be_visible()
    assert 5 <= entries.count() <= 8
    screenshot(page, "demo-callbacks")

    # The tutorial's four calls, played as the demo plays them, arrive live on Mario Rossi's card.
    page.goto(base + f"/contacts/{ids['Mario Rossi']}")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    expect(page.locator(".empty")).to_be_visible()
    report = play_tutorial(base, now=datetime.now(UTC), max_gap=0.0)
    assert report.ok == report.sent == 18
    expect(page.locator("table.journey tbody tr")).to_have_count(4)
    screenshot(page, "demo-mario-rossi")
