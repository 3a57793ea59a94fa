"""Every figure of every report, checked against the traffic that was sent.

A fixed month of simulated traffic (the simulator's calls, and chats through the native endpoint) is
sent through the real app's webhooks, shuffled and with duplicates, over a change of daylight saving
time. The expected figures are computed here from the requests as sent (their wire variables and
times), by rules written for this test, never from the database; the API, the CSV and the page must
give exactly them, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tvox_journey.sim import Request, delivery_order, random_calls

ROME = ZoneInfo("Europe/Rome")
MONTH_START = datetime(2026, 3, 1, 0, 30, tzinfo=ROME)  # the clocks go forward on 29 March
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)
AGENTS = ("op1", "op2", "op3", "op4")
SERVICES = ("sales", "care", "billing")
NUMBERS = ("0452224600", "3331234567", "0212345678", "0698765432")
PERIOD = {"period": "custom", "from": FIRST.isoformat(), "to": LAST.isoformat()}


@dataclass(frozen=True)
class Sent:
    """A webhook request as sent: method, path and its variables."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...]


def _chat_requests(rng: random.Random, n: int) -> list[Sent]:
    """Chats through the native endpoint: most handled, some never answered."""
    sent: list[Sent] = []
    for i in range(n):
        start = MONTH_START + timedelta(minutes=rng.uniform(0, 30 * 24 * 60))
        common = (("uniqueid", f"chat-{i}"), ("cli", rng.choice(NUMBERS)), ("servizio", rng.choice(SERVICES)))
        channel = rng.choice(("web", "whatsapp"))

        def at(seconds: float, start: datetime = start) -> tuple[str, str]:
            when = (start + timedelta(seconds=seconds)).astimezone(UTC)
            return ("dateISO", f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond // 1000:03d}Z")

        ring = (*common, ("pin", rng.choice(AGENTS)), at(0))
        sent.append(Sent("GET", f"/tvox/events/chat/ring?channel={channel}", ring))
        if rng.random() < 0.8:
            sent.append(Sent("GET", f"/tvox/events/chat/answer?channel={channel}", (*common, at(15))))
        sent.append(Sent("GET", f"/tvox/events/chat/hangup?channel={channel}", (*common, at(400))))
    return sent


def month_of_traffic() -> list[Sent]:
    """The month's requests in the order they reach the server: shuffled, 5 % of them twice."""
    rng = random.Random(20260301)
    start = MONTH_START.astimezone(UTC)
    calls = random_calls(rng, 500, start, NUMBERS, AGENTS, SERVICES, mean_gap=timedelta(minutes=85))
    requests: list[Request] = delivery_order(calls, rng, shuffle=True, duplicates=0.05)
    sent = [Sent(r.method, "/" + r.path, r.params) for r in requests]
    chats = _chat_requests(rng, 40)
    sent += chats + rng.sample(chats, 4)
    rng.shuffle(sent)
    return sent


def send(client: TestClient, requests: Iterable[Sent]) -> None:
    for request in requests:
        if request.method == "GET":
            response = client.get(request.path, params=request.params)
        else:
            response = client.post(request.path, data=dict(request.params))
        assert response.status_code == 200, (request, response.text)


# The expected figures, from the requests alone.


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Expected:
    """One call or chat as the sent requests tell it."""

    kind: str = "call"  # call|chat
    outbound: bool = False
    times: list[datetime] = field(default_factory=list)
    start: datetime | None = None
    answer: datetime | None = None
    hangups: list[datetime] = field(default_factory=list)
    transfers: list[datetime] = field(default_factory=list)
    agent: str | None = None
    service: str | None = None
    target: str | None = None  # the agent the call was transferred to
    target_answer: datetime | None = None  # their own answer (a blind transfer)
    only_transfers: bool = True

    @property
    def first(self) -> datetime:
        return min(self.times)

    @property
    def own_end(self) -> datetime | None:
        """The answering agent's part ends at their hangup or at the transfer, whichever comes first."""
        ends = sorted(self.hangups)[:1] + sorted(self.transfers)[:1]
        return min(ends) if ends else None

    def category(self) -> str:
        answered = self.answer is not None
        if self.kind == "chat":
            return "chat_answered" if answered else "chat_missed"
        if answered and self.transfers:
            return "transferred"
        if self.outbound:
            return "outbound_answered" if answered else "outbound_unanswered"
        return "answered" if answered else "missed"


def expected_interactions(sent: Sequence[Sent]) -> dict[str, Expected]:
    """Every call and chat of the requests (a duplicate is one event); a consultation call, made of
    transfer events only, is no call."""
    distinct = {(s.path, s.params) for s in sent}
    found: dict[str, Expected] = defaultdict(Expected)
    inbound_answers: list[tuple[str, datetime]] = []
    for path, params in distinct:
        values = dict(params)
        route = path.split("?")[0].removesuffix(".php").strip("/")
        # The tutorial routes' wire names (callId, dateTime, agent, service), or TVox's own (native).
        call_id = values.get("callId") or values["uniqueid"]
        at = _time(values.get("dateTime") or values["dateISO"])
        call = found[call_id]
        call.times.append(at)
        call.only_transfers &= route == "transfer/transfer"
        if route.startswith("tvox/events/chat/"):
            call.kind = "chat"
            route = "chat/" + route.rsplit("/", 1)[1]
        if route in ("service/ring", "outbound/new", "chat/ring"):
            call.start = at
            call.agent = values.get("agent") or values.get("pin")
            call.service = values.get("service") or values.get("servizio")
            call.outbound = route == "outbound/new"
        elif route in ("service/answer", "outbound/answer", "chat/answer"):
            call.answer = at
        elif route == "transfer/answer":
            inbound_answers.append((call_id, at))
        elif route.endswith("hangup"):
            call.hangups.append(at)
        elif route == "transfer/transfer":
            call.transfers.append(at)
            call.target = values["transferToAgent"]
    for call_id, at in inbound_answers:
        # An Inbound answer is the call's own (a direct call) unless it is a transfer target's.
        call = found[call_id]
        if call.transfers:
            call.target_answer = at
        elif call.answer is None:
            call.answer = at
    return {k: v for k, v in found.items() if not v.only_transfers}


def _ms(begin: datetime | None, end: datetime | None) -> int | None:
    return None if begin is None or end is None else round((end - begin).total_seconds() * 1000)


def _local(at: datetime) -> datetime:
    return at.astimezone(ROME)


def _keep(call: Expected, service: str | None, agent: str | None) -> bool:
    in_period = FIRST <= _local(call.first).date() <= LAST
    return in_period and service in (None, call.service) and agent in (None, call.agent)


def expected_daily(calls: Iterable[Expected]) -> dict[str, Counter[str]]:
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for call in calls:
        days[_local(call.first).date().isoformat()][call.category()] += 1
    return days


def expected_heatmap(calls: Iterable[Expected]) -> list[list[int]]:
    cells = [[0] * 24 for _ in range(7)]
    for call in calls:
        if call.kind == "call" and not call.outbound:
            at = _local(call.first)
            cells[at.weekday()][at.hour] += 1
    return cells


def _p90(values: Sequence[int]) -> int:
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


def expected_services(calls: Iterable[Expected], threshold_ms: int = 20_000) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[Expected]] = defaultdict(list)
    for call in calls:
        if call.service is not None and (call.kind == "chat" or not call.outbound):
            grouped[call.service].append(call)
    figures: dict[str, dict[str, Any]] = {}
    for service, members in grouped.items():
        inbound = [c for c in members if c.kind == "call"]
        answered = [c for c in inbound if c.answer is not None]
        waits = [w for c in answered if (w := _ms(c.start, c.answer)) is not None]
        offered = len(inbound)
        figures[service] = {
            "calls": offered,
            "answered": len(answered),
            "missed": offered - len(answered),
            "ongoing": 0,
            "missed_rate": (offered - len(answered)) / offered if offered else None,
            "avg_wait_seconds": sum(waits) / len(waits) / 1000 if waits else None,
            "p90_wait_seconds": _p90(waits) / 1000 if waits else None,
            "service_level": sum(w <= threshold_ms for w in waits) / offered if offered else None,
            "chats": len(members) - len(inbound),
        }
    return figures


def expected_agents(calls: Iterable[Expected], agent: str | None) -> dict[str, dict[str, Any]]:
    """Who answered a call handled it until their hangup or the transfer; the transfer's target handled
    it from their answer (blind: the first agent had hung up) or the transfer (consultative) to the
    end. `calls`: the period's (and service's) whoever answered; `agent`: only that agent's figures."""
    figures: dict[str, dict[str, Any]] = {}

    def credit(who: str | None, talk: int | None, chat: bool, transferred: bool) -> None:
        if who is None or talk is None or agent not in (None, who):
            return
        row = figures.setdefault(who, {"handled": 0, "talk_ms": 0, "transfers": 0, "chats": 0})
        if chat:
            row["chats"] += 1
        else:
            row["handled"] += 1
            row["talk_ms"] += talk
            row["transfers"] += transferred

    for call in calls:
        credit(call.agent, _ms(call.answer, call.own_end), call.kind == "chat", bool(call.transfers))
        if call.transfers and call.kind == "call":
            blind = min(call.hangups) <= call.transfers[0]
            taken = call.target_answer if blind else call.transfers[0]
            credit(call.target, _ms(taken, max(call.hangups)), False, False)
    return figures


def _api(client: TestClient, report: str, **params: str) -> Any:
    response = client.get(f"/api/v1/reports/{report}", params=PERIOD | params)
    assert response.status_code == 200, response.text
    return response.json()


def check_every_report(client: TestClient, calls: Sequence[Expected], **filters: str) -> None:
    kept = [c for c in calls if _keep(c, filters.get("service"), filters.get("agent"))]
    assert kept, filters

    daily = _api(client, "daily", **filters)
    assert [d["day"] for d in daily["days"]] == [
        (FIRST + timedelta(days=n)).isoformat() for n in range((LAST - FIRST).days + 1)
    ]
    days = expected_daily(kept)
    for day in daily["days"]:
        assert day["counts"] == {c: days[day["day"]][c] for c in daily["categories"]}, day["day"]
        assert day["total"] == sum(days[day["day"]].values())

    assert _api(client, "heatmap", **filters)["cells"] == expected_heatmap(kept)

    services = {row["code"]: row for row in _api(client, "services", **filters)["items"]}
    wanted = expected_services(kept)
    assert set(services) == set(wanted)
    for code, figures in wanted.items():
        got = services[code]
        for name, value in figures.items():
            assert got[name] == (pytest.approx(value, abs=1e-9) if isinstance(value, float) else value), (
                code,
                name,
            )

    agents = {row["code"]: row for row in _api(client, "agents", **filters)["items"]}
    anyone = [c for c in calls if _keep(c, filters.get("service"), None)]
    expected = expected_agents(anyone, filters.get("agent"))
    assert set(agents) == set(expected)
    for code, figures in expected.items():
        got = agents[code]
        assert (got["handled"], got["transfers"], got["chats"]) == (
            figures["handled"],
            figures["transfers"],
            figures["chats"],
        ), code
        assert got["talk_total_seconds"] == pytest.approx(figures["talk_ms"] / 1000, abs=1e-9)
        average = figures["talk_ms"] / 1000 / figures["handled"] if figures["handled"] else None
        assert got["talk_avg_seconds"] == (pytest.approx(average) if average is not None else None)


def test_every_figure_of_every_report_is_what_the_sent_traffic_says(client: TestClient) -> None:
    sent = month_of_traffic()
    send(client, sent)
    calls = list(expected_interactions(sent).values())
    kinds = Counter(c.category() for c in calls)
    assert all(kinds[k] > 5 for k in ("answered", "transferred", "missed", "chat_answered")), kinds
    assert any(c.transfers and c.hangups[0] < c.transfers[0] for c in calls)  # blind transfers
    assert any(c.transfers and c.transfers[0] < min(c.hangups) for c in calls)  # consultative ones
    assert all(c.target is not None for c in calls if c.transfers)

    check_every_report(client, calls)
    check_every_report(client, calls, service="care")
    check_every_report(client, calls, agent="op2")
    check_every_report(client, calls, service="sales", agent="op3")


def test_the_page_and_the_csv_give_the_figures_of_the_api(client: TestClient) -> None:
    sent = month_of_traffic()
    send(client, sent)
    for report in ("daily", "services", "agents", "heatmap"):
        response = client.get("/reports.csv", params=PERIOD | {"report": report, "lang": "en"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        lines = response.content.decode("utf-8-sig").splitlines()
        api = _api(client, report)
        if report == "daily":
            assert len(lines) == 1 + len(api["days"])
            for line, day in zip(lines[1:], api["days"], strict=True):
                values = line.split(";")
                assert [int(v) for v in values[1:]] == [
                    *(day["counts"][c] for c in api["categories"]),
                    day["total"],
                ]
        elif report == "heatmap":
            assert [[int(v) for v in line.split(";")[1:-1]] for line in lines[1:]] == api["cells"]
        else:
            assert [line.split(";")[1] for line in lines[1:]] == [
                str(row["calls" if report == "services" else "handled"]) for row in api["items"]
            ]
    page = client.get("/reports", params=PERIOD | {"lang": "en"})
    assert page.status_code == 200
    for day in _api(client, "daily")["days"]:
        first = date.fromisoformat(day["day"])
        assert f'<th scope="row">{first:%d-%m-%Y}</th>' in page.text
    check_the_charts(page.text, client)


def _section(page: str, name: str) -> str:
    start = page.index(f'<section class="report" id="report-{name}"')
    return page[start : page.index("</section>", start)]


BAR = re.compile(r'<rect class="cat-(\w+)"[^>]*><title>([^<]*): [^<]* (\d+)</title>')
CELL = re.compile(r'<rect class="heat-\d"[^>]*><title>(\w+) (\d\d):00: (\d+)</title>')


def check_the_charts(page: str, client: TestClient) -> None:
    """Every bar and cell of the SVG charts says (in its title) the figure of the API."""
    daily = _api(client, "daily")["days"]
    drawn = {(day, category): int(n) for category, day, n in BAR.findall(_section(page, "daily"))}
    wanted = {(f"{d['day'][8:10]}/{d['day'][5:7]}", c): n for d in daily for c, n in d["counts"].items() if n}
    assert drawn == wanted
    services = _api(client, "services")["items"]
    drawn = {(name, c): int(n) for c, name, n in BAR.findall(_section(page, "services"))}
    wanted = {(s["name"], c): s[c] for s in services for c in ("answered", "missed", "ongoing") if s[c]}
    assert drawn == wanted
    agents = _api(client, "agents")["items"]
    drawn = {(name, c): int(n) for c, name, n in BAR.findall(_section(page, "agents"))}
    wanted = {(a["name"], "answered"): a["handled"] for a in agents if a["handled"]}
    wanted |= {(a["name"], "chat_answered"): a["chats"] for a in agents if a["chats"]}
    assert drawn == wanted
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    cells = _api(client, "heatmap")["cells"]
    drawn_cells = {(weekdays.index(d), int(h)): int(n) for d, h, n in CELL.findall(_section(page, "heatmap"))}
    assert drawn_cells == {(d, h): cells[d][h] for d in range(7) for h in range(24)}
