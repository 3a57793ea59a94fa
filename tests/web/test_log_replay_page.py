"""Replay from the log page, on SQLite and PostgreSQL: a preview that changes nothing, a confirmation that
needs its CSRF token, the replay itself with the page's current mapping, its entry in the audit trail,
and a second replay that changes nothing."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from tests.test_replay import set_mapping
from tests.web.log_helpers import all_rows, fill_log, refused_ring
from tests.web.pages_helpers import HTML, TOKEN

COUNTS = re.compile(r'<li data-outcome="([a-z_]+)">[^<]*<strong>(\d+)</strong>')
HIDDEN = re.compile(r'<input type="hidden" name="(outcome|route|since|until)" value="([^"]*)">')


def counts(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in COUNTS.findall(page)}


def confirm_form(page: str) -> dict[str, str]:
    token = TOKEN.search(page)
    assert token is not None, page
    return {
        **{k: html.unescape(v) for k, v in HIDDEN.findall(page)},
        "csrf_token": html.unescape(token.group(1)),
    }


def test_the_log_offers_the_replay_of_refused_rows_only(client: TestClient) -> None:
    fill_log(client)
    assert (
        'href="/log/replay?outcome=rejected&amp;route=service%2Fring"'
        in client.get("/log?outcome=rejected&route=service/ring", headers=HTML).text
    )
    assert "/log/replay" not in client.get("/log?outcome=accepted", headers=HTML).text


def test_preview_then_confirm_replays_with_the_fixed_mapping_and_is_audited(client: TestClient) -> None:
    fill_log(client)
    refused_ring(client, "late-1")
    set_mapping(client, "service/ring", "numeroChiamante", "cli")
    before = all_rows(client)
    preview = client.get("/log/replay?outcome=rejected&route=service/ring", headers=HTML)
    assert preview.status_code == 200
    assert counts(preview.text) == {"accepted": 2, "excerpt": 1}  # the 405 kept an excerpt only
    assert "Richieste da riprovare: 3." in preview.text
    assert all_rows(client) == before  # a preview writes nothing
    form = confirm_form(preview.text)
    assert (form["outcome"], form["route"]) == ("rejected", "service/ring") and form["until"]

    forged = {**form, "csrf_token": "forged"}
    assert client.post("/log/replay", data=forged, headers=HTML).status_code == 403
    done = client.post("/log/replay", data=form, headers=HTML)
    assert done.status_code == 200 and counts(done.text) == {"accepted": 2, "excerpt": 1}
    assert "Fatto. Richieste rilette: 3." in done.text
    assert client.get("/api/v1/interactions/late-1").json()["number_normalized"] == "+390452224600"
    audit = client.get("/admin/audit", headers=HTML).text
    assert "Richieste riprovate" in audit and "<dt>accepted</dt><dd>2</dd>" in audit

    rows = all_rows(client)
    again = client.post("/log/replay", data=confirm_form(preview.text), headers=HTML)
    assert again.status_code == 200 and counts(again.text) == {"excerpt": 1}
    assert len(all_rows(client)) == len(rows) + 1  # only the audit entry of the second replay


def test_a_replay_names_a_value_it_cannot_use(client: TestClient) -> None:
    for query, message in (
        ("outcome=accepted", "Esito: si riprovano solo le richieste rifiutate"),
        ("outcome=rejected&since=ieri", "Dal: data/ora non valida"),
    ):
        page = client.get(f"/log/replay?{query}", headers=HTML)
        assert page.status_code == 422 and message in html.unescape(page.text), page.text
    token = confirm_form(client.get("/log/replay?outcome=rejected", headers=HTML).text)["csrf_token"]
    refused = client.post("/log/replay", data={"outcome": "duplicate", "csrf_token": token}, headers=HTML)
    assert refused.status_code == 422
