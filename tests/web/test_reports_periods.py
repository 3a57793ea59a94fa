"""The reports' periods: presets ending today, custom days, at most 366 days, on the installation's
days and hours whatever its offset (whole hours, half hours, daylight saving time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tvox_journey import reports
from tvox_journey.reports import Period, ReportError
from tvox_journey.settings import Settings
from tvox_journey.sim import service_call
from tvox_journey.web.app import create_app
from tvox_journey.web.security.identity import User

ROME = ZoneInfo("Europe/Rome")


def test_presets_end_today_and_a_custom_period_is_bounded() -> None:
    today = date(2026, 3, 29)
    assert reports.period_of("today", today) == Period(today, today)
    assert reports.period_of("7d", today) == Period(date(2026, 3, 23), today)
    assert reports.period_of("30d", today) == Period(date(2026, 2, 28), today)
    assert len(Period(date(2025, 1, 1), date(2026, 1, 1)).days) == 366
    for bad in (
        lambda: Period(date(2025, 1, 1), date(2026, 1, 2)),  # 367 days
        lambda: Period(date(2026, 1, 2), date(2026, 1, 1)),
        lambda: reports.period_of("custom", today, date(2026, 1, 1)),
        lambda: reports.period_of("1y", today),
        lambda: reports.parse_day("2026-1-1"),
        lambda: reports.parse_day("20260101"),
    ):
        with pytest.raises(ReportError):
            bad()


def test_a_day_is_the_installations_day_across_daylight_saving_time() -> None:
    # 29 March 2026: Rome goes from +01:00 to +02:00, a 23-hour day.
    start, end = Period(date(2026, 3, 29), date(2026, 3, 29)).utc_range(ROME)
    assert (start, end) == (datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 22, tzinfo=UTC))
    assert reports.slot_seconds(Period(date(2026, 3, 1), date(2026, 3, 31)), ROME) == 3600
    assert reports.slot_seconds(Period(date(2026, 3, 1), date(2026, 3, 31)), ZoneInfo("Asia/Kolkata")) == 900
    assert (
        reports.slot_seconds(Period(date(2026, 3, 1), date(2026, 3, 31)), ZoneInfo("Asia/Kathmandu")) == 900
    )


def test_a_half_hour_zone_counts_a_call_on_its_own_day_and_hour(sqlite_url: str) -> None:
    settings = Settings(
        database_url=sqlite_url, admin_password="admin-password-for-tests", password_hash_memory_kib=64,
        display_timezone="Asia/Kolkata",
    )  # fmt: skip
    ring = datetime(2026, 3, 10, 18, 40, tzinfo=UTC)  # 00:10 on 11 March in India (+05:30)
    call = service_call("1.1@h", number="0452224600", agent="op1", service="care", ring=ring,
                        answer=ring + timedelta(seconds=4), hangup=ring + timedelta(seconds=60))  # fmt: skip
    with TestClient(create_app(settings)) as client:
        client.auth = ("admin", "admin-password-for-tests")
        for request in call.requests:
            assert client.get("/" + request.path, params=request.params).status_code == 200
        period = {"period": "custom", "from": "2026-03-10", "to": "2026-03-11"}
        days = client.get("/api/v1/reports/daily", params=period).json()["days"]
        assert [(d["day"], d["total"]) for d in days] == [("2026-03-10", 0), ("2026-03-11", 1)]
        cells = client.get("/api/v1/reports/heatmap", params=period).json()["cells"]
        assert cells[2][0] == 1 and sum(map(sum, cells)) == 1  # a Wednesday, hour 00


def test_a_period_that_is_not_one_is_refused_with_its_reason(client: TestClient) -> None:
    long = {"period": "custom", "from": "2025-01-01", "to": "2026-06-01"}
    api = client.get("/api/v1/reports/services", params=long)
    assert api.status_code == 422 and "366" in api.json()["error"]
    page = client.get("/reports", params=long | {"lang": "en"})
    assert page.status_code == 422 and "A period has at most 366 days." in page.text
    assert client.get("/reports", params={"period": "custom", "from": "x"}).status_code == 422
    assert client.get("/reports.csv", params={"report": "nope"}).status_code == 422
    assert client.get("/api/v1/reports/daily", params={"threshold": 0}).status_code == 422
    assert User("someone", "supervisor").can("viewer") and not User("someone", "supervisor").can("agent")


def test_days_changed_by_hand_on_the_page_make_the_period_custom(client: TestClient) -> None:
    today = datetime.now(ROME).date()
    preset = client.get("/reports", params={"period": "7d", "from": (today - timedelta(days=6)).isoformat()})
    assert preset.status_code == 200 and '<option value="7d" selected>' in preset.text
    shown = f"{today - timedelta(days=6)}/{today}"  # what the page showed, sent back by its form
    kept = client.get("/reports", params={"period": "30d", "from": str(today - timedelta(days=6)),
                                          "to": str(today), "shown": shown})  # fmt: skip
    assert '<option value="30d" selected>' in kept.text  # a preset chosen, the days left alone
    assert f'value="{today - timedelta(days=29)}"' in kept.text
    changed = client.get(
        "/reports", params={"period": "7d", "from": "2026-01-01", "to": "2026-01-03", "shown": shown}
    )
    assert changed.status_code == 200
    assert '<option value="custom" selected>' in changed.text
    days = [f'<th scope="row">{d:02d}-01-2026</th>' for d in (1, 2, 3)]
    assert all(day in changed.text for day in days) and '<th scope="row">04-01-2026</th>' not in changed.text
    assert 'value="2026-01-01"' in changed.text and "period=custom" in changed.text
