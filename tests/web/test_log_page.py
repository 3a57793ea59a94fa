"""The event log page and GET /api/v1/log, on SQLite and PostgreSQL: every filter narrows the log, rows
link to their interaction and contacts, pages follow a cursor, bad values are named (never a 5xx), and
only admins may look."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.log_helpers import NUMBER, all_rows, fill_log
from tests.web.pages_helpers import HTML, add_contact

from tvox_journey.store.log_query import params_contain

ROW = re.compile(r'<tr class="log-[a-z]+" data-seq="(\d+)">(.*?)</tr>', re.S)
NEXT = re.compile(r'rel="next" href="([^"]+)"')
ALERT = re.compile(r'role="alert">(.*?)</div>', re.S)


def shown(page: str) -> list[int]:
    return [int(seq) for seq, _row in ROW.findall(page)]


def every_page(client: TestClient, url: str) -> list[int]:
    seqs: list[int] = []
    for _ in range(50):
        page = client.get(url, headers=HTML)
        assert page.status_code == 200, page.text
        seqs += shown(page.text)
        found = NEXT.search(page.text)
        if found is None:
            return seqs
        url = html.unescape(found.group(1))
    raise AssertionError("the pages did not end")


def seqs_where(client: TestClient, keep: Callable[[dict[str, Any]], bool]) -> list[int]:
    return [int(r["seq"]) for r in all_rows(client) if keep(r)]


def test_each_filter_of_the_page_shows_exactly_its_rows(client: TestClient) -> None:
    fill_log(client)
    mario = "+390452224600"
    cases: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
        ("/log", lambda r: True),
        ("/log?outcome=rejected", lambda r: r["outcome"] == "rejected"),
        ("/log?route=tvox/events", lambda r: r["route"] == "tvox/events"),
        (
            "/log?route=/service/answer.php",
            lambda r: r["route"] == "service/answer",
        ),  # a path names its route
        ("/log?number=%2B39+045+222+4600", lambda r: r["number_key"] == mario),  # another format
        (
            "/log?number=0452224600&outcome=accepted",
            lambda r: r["number_key"] == mario and r["outcome"] == "accepted",
        ),
        ("/log?call_id=other-1", lambda r: r["call_id"] == "other-1"),
        ("/log?text=NUMEROCHIAMANTE", lambda r: params_contain(r["params"], "numerochiamante")),
        ("/log?until=2000-01-01", lambda r: False),
        ("/log?since=2000-01-01&route=service/ring", lambda r: r["route"] == "service/ring"),
    ]
    for url, keep in cases:
        assert every_page(client, url) == seqs_where(client, keep), url


def test_a_long_log_pages_by_cursor_without_repeating_or_skipping(client: TestClient) -> None:
    for i in range(105):
        params = {"dateTime": "2026-11-24T09:00:00Z", "callId": f"p{i}", "callerNumber": NUMBER}
        assert client.get("/service/answer", params=params).status_code == 200
    first = client.get("/log?route=service/answer", headers=HTML).text
    assert len(shown(first)) == 100 and NEXT.search(first) is not None
    assert every_page(client, "/log?route=service/answer") == seqs_where(
        client, lambda r: r["route"] == "service/answer"
    )


def test_rows_link_to_their_interaction_and_the_contacts_of_its_number(client: TestClient) -> None:
    fill_log(client)
    mario = add_contact(client)
    page = client.get("/log?call_id=other-1", headers=HTML).text
    assert 'href="/interactions/other-1"' in page and f'href="/contacts/{mario}"' not in page
    page = client.get("/log?route=service/ring&outcome=accepted&number=0452224600", headers=HTML).text
    rows = ROW.findall(page)
    assert rows and all(f'href="/contacts/{mario}">Rossi Mario</a>' in row for _seq, row in rows)
    assert all('href="/interactions/' in row for _seq, row in rows)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=ieri", "Dal: data/ora non valida"),
        ("until=2026-02-30", "Al: data/ora non valida"),
        ("since=2026-11-24&until=2026-11-23", "Al: deve essere dopo «Dal»"),
        ("number=abc", "Numero: non è un numero di telefono"),
        ("outcome=maybe", "Esito: scegli accettato"),
        ("cursor=bm90IGEgY3Vyc29y", "Pagina: collegamento alla pagina non valido"),
        ("route=" + "r" * 65, "Route: al massimo"),
        ("text=" + "t" * 256, "Testo nei parametri: al massimo"),
        ("since=9999-12-31&until=9999-12-31", "Al: data/ora non valida"),
    ],
)
def test_a_value_the_page_cannot_use_is_named_on_it(client: TestClient, query: str, message: str) -> None:
    page = client.get(f"/log?{query}", headers=HTML)
    assert page.status_code == 422
    alert = ALERT.search(page.text)
    assert alert is not None and message in html.unescape(alert.group(1)), page.text
    english = client.get(f"/log?{query}&lang=en", headers=HTML)
    assert english.status_code == 422 and 'role="alert"' in english.text


def test_the_api_pages_the_log_and_names_a_bad_value(client: TestClient) -> None:
    fill_log(client)
    add_contact(client)
    seqs: list[int] = []
    params: dict[str, str] = {"limit": "7"}
    while True:
        page = client.get("/api/v1/log", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 7 and body["bounded"] is False
        seqs += [item["seq"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seqs == seqs_where(client, lambda r: True)
    ring = client.get("/api/v1/log", params={"call_id": "other-1", "outcome": "accepted"}).json()["items"]
    assert [(i["route"], i["params"][1], i["number_normalized"]) for i in ring] == [
        ("service/ring", ["callId", "other-1"], "+390212345678")
    ]
    mario = client.get("/api/v1/log", params={"number": NUMBER, "limit": "1"}).json()["items"][0]
    assert mario["contact_ids"] and mario["call_id"]
    for params, error in (
        ({"since": "x"}, "since: not a date/time"),
        ({"outcome": "maybe"}, "outcome: one of accepted"),
        ({"cursor": "@@"}, "cursor: not a cursor of this log"),
        ({"number": "-"}, "number: not a phone number"),
    ):
        refused = client.get("/api/v1/log", params=params)
        assert refused.status_code == 422 and refused.json()["error"].startswith(error), refused.text
    for limit in ("0", "501", "x"):
        assert client.get("/api/v1/log", params={"limit": limit}).status_code == 422


def test_only_admins_see_the_log(client: TestClient, make_user: Callable[..., str]) -> None:
    password = make_user("vera", "agent")
    for url in ("/log", "/log/replay?outcome=rejected", "/api/v1/log"):
        assert client.get(url, headers=HTML, auth=("vera", password)).status_code == 403, url
    assert client.get("/api/v1/log", auth=None).status_code == 401
