"""Display names and codes are whatever someone typed or TVox sent: the reports write them escaped in
the SVG charts, the tables and the filters, and a CSV cell never starts a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tvox_journey.sim import outbound_call, service_call
from tvox_journey.store import names

HOSTILE_AGENT = '<script>alert("a")</script>'
HOSTILE_SERVICE = '=HYPERLINK("http://x","y")'
HOSTILE_CODE = 'op"><svg onload=alert(1)>'  # an agent code without a display name
SVG_BREAKER = "</text></svg><img src=x onerror=alert(2)>"


def _traffic(client: TestClient) -> None:
    ring = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    calls = [
        service_call("1.1@h", number="0452224600", agent="op1", service="care", ring=ring,
                     answer=ring + timedelta(seconds=5), hangup=ring + timedelta(seconds=65)),
        service_call("1.2@h", number="0452224600", agent=HOSTILE_CODE, service="-cmd", ring=ring,
                     answer=ring + timedelta(seconds=8), hangup=ring + timedelta(seconds=90)),
        outbound_call("1.3@h", number="0452224600", agent="op2", new=ring, answer=None,
                      hangup=ring + timedelta(seconds=20)),
    ]  # fmt: skip
    for call in calls:
        for request in call.requests:
            assert client.get("/" + request.path, params=request.params).status_code == 200


@pytest.fixture
def hostile(client: TestClient) -> TestClient:
    _traffic(client)
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.write.begin() as conn:
        names.set_name(conn, names.AGENT, "op1", HOSTILE_AGENT)
        names.set_name(conn, names.AGENT, "op2", SVG_BREAKER)
        names.set_name(conn, names.SERVICE, "care", HOSTILE_SERVICE)
    return client


def test_hostile_names_are_escaped_in_the_charts_tables_and_filters(hostile: TestClient) -> None:
    page = hostile.get("/reports", params={"period": "7d"})
    assert page.status_code == 200
    text = page.text
    for raw in (HOSTILE_AGENT, SVG_BREAKER, HOSTILE_CODE):
        assert raw not in text
    assert "&lt;script&gt;alert(&#34;a&#34;)&lt;/script&gt;" in text
    assert "&lt;/text&gt;&lt;/svg&gt;&lt;img src=x onerror=alert(2)&gt;" in text
    assert "op&#34;&gt;&lt;svg onload=alert(1)&gt;" in text
    assert "<script>" not in text and "onerror=alert(2)>" not in text
    # The display names, not the codes, label the charts, the tables and the selects.
    assert text.count("=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)") >= 3
    assert ">care<" not in text and ">op1<" not in text


@pytest.mark.parametrize("report", ["services", "agents"])
def test_csv_cells_never_start_a_formula(hostile: TestClient, report: str) -> None:
    response = hostile.get("/reports.csv", params={"report": report, "period": "7d"})
    assert response.status_code == 200
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    cells = [cell for row in rows for cell in row]
    assert not any(c[:1] in ("=", "+", "-", "@") for c in cells), cells
    if report == "services":
        assert "'" + HOSTILE_SERVICE in cells
        assert "'-cmd" in cells
    else:
        assert HOSTILE_AGENT in cells and HOSTILE_CODE in cells


def test_the_api_gives_names_as_they_are(hostile: TestClient) -> None:
    items = hostile.get("/api/v1/reports/agents", params={"period": "7d"}).json()["items"]
    assert {(i["code"], i["name"]) for i in items} == {("op1", HOSTILE_AGENT), (HOSTILE_CODE, HOSTILE_CODE)}


def test_every_text_the_reports_build_at_run_time_is_in_both_languages() -> None:
    from tvox_journey.reports import CATEGORIES, PRESETS, REPORTS
    from tvox_journey.web.pages import i18n

    keys = {f"reports.cat.{c}" for c in CATEGORIES} | {f"reports.wd.{d}" for d in range(7)}
    keys |= {f"reports.period.{p}" for p in (*PRESETS, "custom")}
    keys |= {f"reports.{r}.{part}" for r in REPORTS for part in ("title", "desc")}
    keys |= {
        f"reports.error_{e}" for e in ("order", "long", "period", "custom", "threshold", "day", "report")
    }
    keys |= {"role.supervisor", "nav.reports"}
    for lang in i18n.LANGUAGES:
        assert keys - set(i18n.CATALOG[lang]) == set(), lang
