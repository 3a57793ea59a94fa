"""`/reports` in Chromium: the four charts and their tables on a laptop and on a 360 px side panel,
readable without the page scrolling sideways; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import LAPTOP, SCREENSHOTS, SIDE_PANEL, Server, screenshot

from tvox_journey.sim import random_calls

pytestmark = pytest.mark.browser

CHARTS = ("daily", "services", "agents", "heatmap")


def month_of_calls(server: Server) -> None:
    rng = random.Random(12)
    start = datetime.now(UTC) - timedelta(days=29)
    calls = random_calls(rng, 160, start, ["0452224600", "3331234567"], ["op1", "op2", "op3"],
                         ["customercare", "sales"], mean_gap=timedelta(hours=4))  # fmt: skip
    server.send_calls(calls)


def _check_charts(page: Page, width: int) -> None:
    for name in CHARTS:
        chart = page.locator(f"svg.chart-{name}")
        expect(chart).to_be_visible()
        assert chart.locator("rect").count() > 0
        box = chart.bounding_box()
        assert box is not None and 0 < box["width"] <= width, (name, box)
        expect(page.locator(f"#report-{name} table tbody tr").first).to_be_visible()
    assert page.evaluate(f"document.documentElement.scrollWidth <= {width}"), page.evaluate(
        "document.documentElement.scrollWidth"
    )


def test_the_reports_show_their_charts_and_tables_on_a_laptop_and_a_side_panel(
    page: Page, server: Server
) -> None:
    month_of_calls(server)
    page.goto(server.url("/reports?period=30d"))
    expect(page.get_by_role("heading", name="Report", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Interazioni al giorno")).to_be_visible()
    expect(page.locator("#report-services table")).to_contain_text("Customer Care")  # display names
    expect(page.locator("#report-agents table")).to_contain_text("Operatore 1")
    _check_charts(page, LAPTOP["width"])
    assert page.locator("svg.chart-daily rect").count() >= 30
    screenshot(page, "reports-laptop")

    page.set_viewport_size(SIDE_PANEL)
    _check_charts(page, SIDE_PANEL["width"])
    label = page.locator("svg.chart-heatmap text").first.bounding_box()
    assert label is not None and label["height"] >= 8  # the chart's text stays readable, not shrunk away
    screenshot(page, "reports-side-panel")
    for name in CHARTS:  # each chart and its table as a 360 px panel shows them, to look at closely
        page.locator(f"#report-{name}").screenshot(path=str(SCREENSHOTS / f"reports-side-panel-{name}.png"))


def test_the_filters_and_the_english_page(page: Page, server: Server) -> None:
    month_of_calls(server)
    page.goto(server.url("/reports?period=30d&lang=en"))
    page.select_option("#r-service", label="Customer Care")
    page.select_option("#r-period", "7d")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"period=7d.*service=customercare"))
    expect(page.get_by_role("img", name="Interactions per day")).to_be_visible()
    rows = page.locator("#report-services table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Customer Care")
    expect(page.locator("#report-daily table tbody tr")).to_have_count(7)
    # The link carries the page's filters (a browser's download would not send the test's Basic header).
    link = page.locator("#report-agents a", has_text="Download CSV").get_attribute("href")
    assert link is not None and "service=customercare" in link
    csv = server.get(link)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"].startswith('attachment; filename="report-agents-')
    assert csv.content.decode("utf-8-sig").startswith("Agent;Calls handled;")
    page.set_viewport_size(SIDE_PANEL)
    _check_charts(page, SIDE_PANEL["width"])
    screenshot(page, "reports-filtered-side-panel-en")
