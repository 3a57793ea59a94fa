"""Browser tests: a real server process on a temporary SQLite file, driven by Debian's Chromium.

Chromium missing is a skip locally and a failure in CI (`tests.conftest.unavailable`).
Screenshots go to test-artifacts/screenshots/ (gitignored): look at them.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright
from tests.conftest import unavailable
from tests.server_process import running_server

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.sim import Request, delivery_order
from tvox_journey.sim.scenarios import Call
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ADMIN_PASSWORD = "browser-tests-admin-password"
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
SIDE_PANEL: ViewportSize = {"width": 360, "height": 780}
NAMES = ((names.AGENT, "op1", "Operatore 1"), (names.AGENT, "op2", "Operatore 2"),
         (names.SERVICE, "customercare", "Customer Care"))  # fmt: skip


@dataclass(frozen=True)
class Server:
    """A running tvox-journey with the tutorial's contact (Mario Rossi) and display names."""

    base: str
    contact_id: int
    database_url: str

    @property
    def auth_header(self) -> str:
        return "Basic " + base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()

    def url(self, path: str) -> str:
        return self.base + path

    def send(self, requests: Iterable[Request]) -> None:
        """Deliver webhook requests as TVox would."""
        with httpx.Client(base_url=self.base, timeout=10) as http:
            for request in requests:
                params: list[tuple[str, str | int | float | bool | None]] = list(request.params)
                if request.method == "GET":
                    response = http.get(f"/{request.path}", params=httpx.QueryParams(params))
                else:
                    form = {"content-type": "application/x-www-form-urlencoded"}
                    response = http.post(f"/{request.path}", content=urlencode(params), headers=form)
                assert response.status_code == 200, response.text

    def send_calls(self, calls: Iterable[Call]) -> None:
        self.send(delivery_order(list(calls), random.Random(0)))

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url(path), headers={"authorization": self.auth_header}, timeout=10, **kwargs)  # type: ignore[arg-type]


def seed(
    database_url: str, *, name: str = "Mario", surname: str = "Rossi", number: str = "0452224600"
) -> int:
    upgrade(database_url)
    db = make_database(database_url)
    try:
        with db.write.begin() as conn:
            for kind, code, display in NAMES:
                names.set_name(conn, kind, code, display)
            return contact_store.create(
                conn, name=name, surname=surname, company=None,
                numbers=contact_services.contact_numbers([number], NumberPolicy()), now=datetime.now(UTC),
            )  # fmt: skip
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        unavailable(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    contact_id = seed(url)
    env = {
        "TVOX_JOURNEY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TVOX_JOURNEY_PASSWORD_HASH_MEMORY_KIB": "64",
        "TVOX_JOURNEY_SECRET_KEY": "browser-tests-secret-key-0123456789",
    }
    with running_server(url, env=env, log_path=tmp_path / "server.log") as base:
        yield Server(base, contact_id, url)


@pytest.fixture
def page(chromium: Browser, server: Server) -> Iterator[Page]:
    """A laptop-sized page logged in as the admin (HTTP Basic on every request)."""
    context = chromium.new_context(
        viewport=LAPTOP, locale="it-IT", extra_http_headers={"Authorization": server.auth_header}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
