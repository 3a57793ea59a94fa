"""Erasure of a person (GDPR art. 17) through the real app and the command line, on both databases:
afterwards no page, API, export, search or live stream finds the number, the database holds none of it,
and neither a rebuild nor a rerun brings anything back."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import ADMIN_PASSWORD
from tests.web.pages_helpers import HTML, add_contact, csrf_token
from typer.testing import CliRunner

from tvox_journey import erasure
from tvox_journey.cli import app as cli_app
from tvox_journey.cli import db as _db_commands  # noqa: F401  (registers the commands, as main() does)
from tvox_journey.cli import erase as _erase_command  # noqa: F401
from tvox_journey.domain.redaction import ERASED
from tvox_journey.services import recording
from tvox_journey.store.engine import Timeouts, make_database
from tvox_journey.store.schema import contact_numbers, contacts, event_log, interactions
from tvox_journey.traffic.entries import tutorial_entry

NUMBER = "0498765432"  # Mario's landline, shared with Anna
KEY = "+390498765432"
MOBILE = "3471234567"  # Mario's own
ANNA = "0212345678"
CARLO = "0611111111"
TRACES = ("498765432", "8765432", "3471234567", "Mario", "Rossi")  # nothing of Mario may be left

runner = CliRunner()


@dataclass(frozen=True)
class Scene:
    mario: int
    anna: int
    carlo: int


def native(client: TestClient, event: str, call_id: str, number: str, at: str, **extra: str) -> int:
    params = {"idlastcall": call_id, "cli": number, "servizio": "customercare", "pin": "op1", "dateISO": at}
    return client.get(f"/tvox/events/service/{event}", params=params | extra).status_code


def scene(client: TestClient) -> Scene:
    """Mario (landline shared with Anna, and a mobile), Anna, Carlo, and their calls: Mario's with his
    name as TVox sends it, a duplicate, an unknown event, a request refused with 422 that carried his
    number, a 404 whose path carried it, and Carlo's call with Mario's number in a popup."""
    mario = add_contact(client, "Rossi", "Mario", [NUMBER, MOBILE])
    anna = add_contact(client, "Bianchi", "Anna", [NUMBER, ANNA])
    carlo = add_contact(client, "Neri", "Carlo", [CARLO])
    names = {"clidname": "Mario", "clidsurname": "Rossi", "popup1": "cliente Rossi"}
    assert native(client, "ring", "m-1", NUMBER, "2024-05-06T10:00:00Z", **names) == 200
    assert native(client, "ring", "m-1", NUMBER, "2024-05-06T10:00:00Z", **names) == 200  # a duplicate
    assert native(client, "answer", "m-1", NUMBER, "2024-05-06T10:00:05Z") == 200
    assert native(client, "hangup", "m-1", NUMBER, "2024-05-06T10:03:00Z") == 200
    assert native(client, "surprise", "m-1", NUMBER, "2024-05-06T10:03:01Z") == 200  # unrecognized
    outbound = {"dateTime": "2024-05-07T09:00:00Z", "callId": "m-2", "calledNumber": MOBILE, "agent": "op2"}
    assert client.get("/outbound/new", params=outbound).status_code == 200
    refused = {"dateTime": "yesterday", "callId": "m-3", "callerNumber": "+39 049 876 5432", "agent": "op1"}
    assert client.get("/service/ring", params=refused | {"service": "cc"}).status_code == 422
    assert client.get(f"/crm/lookup/{NUMBER}", auth=None).status_code == 404
    assert native(client, "ring", "a-1", ANNA, "2024-05-08T11:00:00Z") == 200
    note = {"popup1": f"richiamare al {NUMBER[:3]} {NUMBER[3:]}", "popup2": "CRM-7"}
    assert native(client, "ring", "c-1", CARLO, "2024-05-08T12:00:00Z", **note) == 200
    return Scene(mario, anna, carlo)


def database_text(url: str) -> str:
    """Everything the database holds in the tables that may hold a person, as text."""
    db = make_database(url)
    try:
        with db.read.connect() as conn:
            rows = [
                [str(value) for value in row]
                for table in (event_log, interactions, contacts, contact_numbers)
                for row in conn.execute(select(table))
            ]
    finally:
        db.dispose()
    return json.dumps(rows, ensure_ascii=False)


def everything_shown(client: TestClient, scene: Scene) -> str:
    """Every page, API answer, export and search that could show Mario, as one text (what a search
    echoes back of its own query is left out)."""
    texts = []
    for path, echoed in (
        (f"/contacts/{scene.anna}", None),
        (f"/contacts/{scene.carlo}", None),
        (f"/contacts?q={NUMBER}", NUMBER),
        (f"/contacts?q={MOBILE}", MOBILE),
        ("/contacts?q=Rossi", "Rossi"),
        ("/", None),
        ("/unknown", None),
        ("/unknown/list", None),
        ("/live", None),
        ("/live/board", None),
        ("/log", None),
        ("/log?outcome=rejected", None),
        ("/admin/audit", None),
        (f"/lookup?number={NUMBER}", NUMBER),  # no contact: the new-contact form, with the number typed in
    ):
        text = client.get(path, headers=HTML, follow_redirects=True).text
        texts.append(text.replace(echoed, "") if echoed else text)
    for path, echoed in (
        (f"/api/v1/contacts?q={NUMBER}", None),
        (f"/api/v1/contacts/{scene.anna}/journey", None),
        (f"/api/v1/numbers/{NUMBER}/suggestion", NUMBER),
        (f"/api/v1/numbers/{MOBILE}/suggestion", MOBILE),
        (f"/api/v1/search/interactions?popup={NUMBER}", None),
        ("/api/v1/search/interactions?popup=8765432", None),
        ("/api/v1/search/interactions?popup=rossi", None),
        ("/api/v1/interactions/m-1", None),
        ("/export/db.json", None),
    ):
        text = client.get(path).text
        texts.append(
            text.replace(echoed, "").replace(KEY, "").replace("+39" + MOBILE, "") if echoed else text
        )
    with client.stream("GET", "/events?scope=all", headers={"last-event-id": "0"}) as response:
        texts.append(next(line for line in response.iter_lines() if line.startswith("data")))
    return "\n".join(texts)


def erase_from_the_card(client: TestClient, contact_id: int) -> str:
    page = client.get(f"/contacts/{contact_id}/erase", headers=HTML)
    assert page.status_code == 200
    token = csrf_token(client, f"/contacts/{contact_id}/erase")
    done = client.post(f"/contacts/{contact_id}/erase", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return done.headers["location"]


def test_before_an_erasure_the_scene_shows_mario_everywhere_it_should(
    client: TestClient, db_url: str
) -> None:
    """The checks below would find him: they look where he is."""
    people = scene(client)
    shown = everything_shown(client, people)
    assert "Rossi" in shown and NUMBER in shown
    assert all(trace in database_text(db_url) for trace in TRACES)


def test_erasing_a_contact_from_its_card_leaves_nothing_of_its_numbers_anywhere(
    client: TestClient, db_url: str
) -> None:
    people = scene(client)
    confirm = client.get(f"/contacts/{people.mario}/erase", headers=HTML).text
    assert "Bianchi Anna" in confirm and "GDPR" in confirm  # the shared number's other owner is named
    location = erase_from_the_card(client, people.mario)
    assert location.startswith("/contacts?erased=2&rows=")
    assert client.get(location, headers=HTML).text.count('role="status"') == 1

    assert client.get(f"/contacts/{people.mario}", headers=HTML).status_code == 404
    shown = everything_shown(client, people)
    assert [trace for trace in TRACES if trace in shown] == []
    assert [trace for trace in TRACES if trace in database_text(db_url)] == []

    anna = client.get(f"/api/v1/contacts/{people.anna}").json()
    assert [n["raw"] for n in anna["numbers"]] == [ANNA]  # she keeps her own number
    journey = client.get(f"/api/v1/contacts/{people.anna}/journey").json()["items"]
    assert [i["call_id"] for i in journey] == ["a-1"]
    carlo = client.get("/api/v1/interactions/c-1").json()
    assert carlo["popups"] == {"popup1": ERASED, "popup2": "CRM-7"}


def test_the_audit_trail_records_who_erased_and_how_much_without_the_data(client: TestClient) -> None:
    people = scene(client)
    erase_from_the_card(client, people.mario)
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.read.connect() as conn:
        rows = conn.execute(select(event_log).where(event_log.c.outcome == "action")).all()
    assert [(r.route, r.actor) for r in rows] == [("contact/erase", "admin")]
    details = dict(rows[0].params)
    assert details == {
        "contact_id": str(people.mario),
        "numbers": "2",
        "contacts_deleted": "1",
        "contacts_changed": "1",
        "interactions_deleted": "2",
        "interactions_redacted": "1",
        "log_rows_erased": "8",  # ring, duplicate, answer, hangup, unknown event, outbound, 422, 404
        "log_rows_redacted": "1",  # Carlo's ring
        "notes_redacted": "0",
    }


def test_a_rebuild_after_an_erasure_brings_nothing_back(client: TestClient, db_url: str) -> None:
    people = scene(client)
    erase_from_the_card(client, people.mario)
    resources = client.app.state.resources  # type: ignore[attr-defined]
    assert recording.rebuild(resources.db, resources.policy) >= 2
    assert [trace for trace in TRACES if trace in database_text(db_url)] == []
    assert client.get("/api/v1/interactions/m-1").status_code == 404
    assert client.get("/api/v1/interactions/a-1").status_code == 200
    carlo = client.get("/api/v1/interactions/c-1").json()
    assert carlo["popups"]["popup1"] == ERASED


def test_the_same_events_sent_again_after_an_erasure_are_recorded_as_new(client: TestClient) -> None:
    """TVox calling again is new data: an erasure removes what was stored, it does not block a number."""
    people = scene(client)
    erase_from_the_card(client, people.mario)
    assert native(client, "ring", "m-1", NUMBER, "2024-05-06T10:00:00Z") == 200
    assert client.get("/api/v1/interactions/m-1").status_code == 200


def test_erasing_by_number_on_the_command_line_with_a_dry_run_first(client: TestClient, db_url: str) -> None:
    people = scene(client)
    before = database_text(db_url)
    dry = runner.invoke(cli_app, ["erase", "--number", "+39 049 876 5432", "--dry-run", "--database", db_url])
    assert dry.exit_code == 0, dry.output
    assert f"Contact that loses the number, and keeps the rest: #{people.mario} Rossi Mario" in dry.output
    assert "Interactions deleted: 1" in dry.output
    assert (
        "Log rows of their calls emptied: 5 (accepted 3, duplicate 1, unrecognized 1, rejected 0)"
        in dry.output
    )
    assert (
        "Other log rows carrying the number: 3 (accepted 1, duplicate 0, unrecognized 0, rejected 2)"
        in dry.output
    )
    assert database_text(db_url) == before

    refused = runner.invoke(cli_app, ["erase", "--number", NUMBER, "--database", db_url], input="\n")
    assert refused.exit_code == 1 and "Nothing was erased" in refused.output
    assert database_text(db_url) == before

    done = runner.invoke(cli_app, ["erase", "--number", NUMBER, "--yes", "--database", db_url])
    assert done.exit_code == 0, done.output
    assert "Log rows emptied: 7 (accepted 3, duplicate 1, unrecognized 1, rejected 2)" in done.output
    text = database_text(db_url)
    assert "498765432" not in text and "8765432" not in text
    assert MOBILE in text and "Mario" in text  # by number: Mario keeps his mobile, so his contact stays
    mario = client.get(f"/api/v1/contacts/{people.mario}").json()
    assert [n["raw"] for n in mario["numbers"]] == [MOBILE]
    audit = [
        r
        for r in client.get("/admin/audit", headers=HTML).text.split("<tr")
        if "contact/erase" in r or "GDPR" in r
    ]
    assert audit and all("cli:" in row for row in audit)

    again = runner.invoke(cli_app, ["erase", "--number", NUMBER, "--yes", "--database", db_url])
    assert again.exit_code == 0 and "Log rows emptied: 0" in again.output


def test_erasing_by_number_deletes_a_contact_that_had_no_other_number(
    client: TestClient, db_url: str
) -> None:
    carlo = add_contact(client, "Neri", "Carlo", [CARLO])
    result = runner.invoke(cli_app, ["erase", "--number", CARLO, "--yes", "--database", db_url])
    assert result.exit_code == 0, result.output
    assert client.get(f"/api/v1/contacts/{carlo}").status_code == 404


def test_the_command_line_refuses_what_it_cannot_erase(sqlite_url: str) -> None:
    for args, message in (
        (["--number", "no digits"], "is not a phone number"),
        (["--contact", "999"], "there is no contact 999"),
        (["--contact", "99999999999999"], "there is no contact"),
    ):
        result = runner.invoke(cli_app, ["erase", *args, "--yes", "--database", sqlite_url])
        assert result.exit_code == 1 and message in result.output
    both = runner.invoke(cli_app, ["erase", "--number", NUMBER, "--contact", "1", "--database", sqlite_url])
    assert both.exit_code == 2


class Cut(Exception):
    """The process stopping mid-way (a crash, a restart)."""


def test_an_erasure_cut_short_is_finished_by_running_it_again(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = scene(client)
    monkeypatch.setattr(erasure, "ROWS_PER_WRITE", 2)
    monkeypatch.setattr(erasure, "CALLS_PER_WRITE", 1)
    resources = client.app.state.resources  # type: ignore[attr-defined]
    with resources.db.read.connect() as conn:
        target = erasure.of_contact(conn, people.mario)
    assert target is not None
    writes = 0

    def write_then_stop(job):  # type: ignore[no-untyped-def]
        nonlocal writes
        if writes == 3:
            raise Cut
        writes += 1
        with resources.db.write.begin() as conn:
            return job(conn)

    with pytest.raises(Cut):
        erasure.erase(
            resources.db, target, resources.policy, actor="admin", now=resources.now(), write=write_then_stop
        )
    half = database_text(db_url)
    assert "Mario" in half and "498765432" in half  # not done: the contact and some rows are still there
    assert client.get(f"/contacts/{people.mario}/erase", headers=HTML).status_code == 200
    erase_from_the_card(client, people.mario)
    assert [trace for trace in TRACES if trace in database_text(db_url)] == []


def test_an_erasure_writes_small_batches_and_webhooks_go_on_meanwhile(
    client: TestClient, db_url: str
) -> None:
    """Thousands of log rows of one number, erased beside a running server (as `tvox-journey erase`
    does): every write holds at most ROWS_PER_WRITE rows or CALLS_PER_WRITE calls, and webhooks sent
    meanwhile are answered 200."""
    resources = client.app.state.resources  # type: ignore[attr-defined]
    calls = 1000
    entries = [
        tutorial_entry(
            f"service/{kind}",
            [
                ("dateTime", f"2024-05-06T10:00:{second:02d}Z"),
                ("callId", f"big-{call}"),
                ("callerNumber", NUMBER),
            ],
            method="GET",
            received_at=resources.now(),
            tvox_timezone=resources.tvox_zone,
        )
        for call in range(calls)
        for kind, second in (("ring", 0), ("answer", 5), ("hangup", 30))
    ]
    with resources.db.write.begin() as conn:
        recording.record_many(conn, entries, resources.policy)
    other = make_database(db_url, timeouts=Timeouts(lock=60, busy=60, statement=300))
    sizes: list[int] = []
    done = threading.Event()
    answered = threading.Event()

    def write(job):  # type: ignore[no-untyped-def]
        with other.write.begin() as conn:
            result = job(conn)
        if isinstance(result, tuple) and isinstance(result[0], Counter):
            sizes.append(sum(result[0].values()))
            answered.wait(60)  # between two batches, until a webhook has been answered meanwhile
        return result

    def run() -> None:
        try:
            erasure.erase(other, erasure.Target((resources.policy.key(NUMBER),)), resources.policy,
                          actor="cli", now=resources.now(), write=write)  # fmt: skip
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    answered_during = 0
    for i in range(200):
        status = native(client, "ring", f"live-{i}", CARLO, "2024-05-08T12:00:00Z")
        assert status == 200
        answered_during += not done.is_set()
        answered.set()
        if done.is_set() and i > 20:
            break
    thread.join(120)
    other.dispose()
    assert not thread.is_alive()
    assert len(sizes) >= 3 * calls // erasure.ROWS_PER_WRITE and max(sizes) <= erasure.ROWS_PER_WRITE
    assert answered_during > 0
    assert "498765432" not in database_text(db_url)


def test_only_an_admin_with_a_valid_form_can_erase(
    anonymous_client: TestClient,
    login: Callable[[TestClient, str, str], None],
    make_user: Callable[..., str],
) -> None:
    mario = add_contact(anonymous_client, "Rossi", "Mario", [NUMBER])
    login(anonymous_client, "bob", make_user("bob", "agent"))
    card = anonymous_client.get(f"/contacts/{mario}", headers=HTML).text
    assert f"/contacts/{mario}/clear" in card and f"/contacts/{mario}/erase" not in card
    assert anonymous_client.get(f"/contacts/{mario}/erase", headers=HTML).status_code == 403
    token = csrf_token(anonymous_client, f"/contacts/{mario}/clear")
    refused = anonymous_client.post(f"/contacts/{mario}/erase", data={"csrf_token": token}, headers=HTML)
    assert refused.status_code == 403

    login(anonymous_client, "admin", ADMIN_PASSWORD)
    assert f"/contacts/{mario}/erase" in anonymous_client.get(f"/contacts/{mario}", headers=HTML).text
    forged = anonymous_client.post(f"/contacts/{mario}/erase", data={"csrf_token": "forged"}, headers=HTML)
    assert forged.status_code == 403
    assert anonymous_client.get(f"/contacts/{mario}", headers=HTML).status_code == 200  # still there
    token = csrf_token(anonymous_client, f"/contacts/{mario}/erase")
    missing = anonymous_client.post("/contacts/99999/erase", data={"csrf_token": token}, headers=HTML)
    assert missing.status_code == 404
    assert anonymous_client.get("/contacts/99999/erase", headers=HTML).status_code == 404
