"""/setup: every web service tvox-config prints, its status from the event log, the delays, the test call."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, FAST_HASH_KIB
from tests.web.pages_helpers import HTML, csrf_token
from tests.web.setup_helpers import (
    FORM,
    MISSING_ROUTE,
    MISSING_TEXT,
    MISSPELLED_ROUTE,
    MISSPELLED_TEXT,
    played,
    printed,
    row_html,
    statuses,
    text_of,
    url_of,
    with_mistakes,
)

from tvox_journey.domain.trial_call import TRIAL_CALL_SUFFIX
from tvox_journey.ingest.mapping import route_of
from tvox_journey.settings import Settings
from tvox_journey.store import setup as store_setup
from tvox_journey.store.schema import event_log, interactions
from tvox_journey.traffic.configured import ConfiguredRequest
from tvox_journey.web.app import create_app
from tvox_journey.web.pages import setup as setup_page

WEBHOOK = ("tvox", "webhook-password-for-tests")


def routes_printed(layout: str) -> set[str]:
    return {route_of(s.uri.split("?", 1)[0]) or "" for s in printed(layout).web_services}


def send(client: TestClient, requests: list[ConfiguredRequest], auth: tuple[str, str] | None = None) -> None:
    for request in requests:
        wire = request.wire
        headers = {"content-type": FORM} if wire.body is not None else {}
        response = client.request(
            wire.method, url_of(request), content=wire.body, headers=headers, auth=auth or client.auth
        )
        assert response.status_code == 200, (url_of(request), response.text)


def status_page(client: TestClient, query: str = "") -> str:
    """The live fragment, read fresh (the page reads the event log at most once a second)."""
    client.app.state.setup_facts = None  # type: ignore[attr-defined]
    response = client.get(f"/setup/status{query}", headers=HTML)
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("layout", ["native", "tutorial"])
def test_a_fresh_installation_shows_every_printed_web_service_waiting(
    client: TestClient, layout: str
) -> None:
    page = client.get(f"/setup?layout={layout}", headers=HTML)
    assert page.status_code == 200
    assert set(statuses(page.text)) == routes_printed(layout)
    assert set(statuses(page.text).values()) == {"waiting"}
    assert 'data-live-src="/setup/status?layout=' in page.text and "data-live-stream=" in page.text
    assert "Richieste che nessun web service spiega" in page.text


@pytest.mark.parametrize("layout", ["native", "tutorial"])
@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_missing_and_a_misspelled_variable_make_their_rows_incomplete_and_the_rest_work(
    client: TestClient, layout: str, lang: str
) -> None:
    send(client, played(with_mistakes(printed(layout))))
    page = status_page(client, f"?layout={layout}&lang={lang}")
    found = statuses(page)
    assert found.pop(MISSING_ROUTE[layout]) == "incomplete"
    assert found.pop(MISSPELLED_ROUTE[layout]) == "incomplete"
    assert set(found.values()) == {"working"}
    assert MISSING_TEXT[layout, lang] in text_of(row_html(page, MISSING_ROUTE[layout]))
    assert MISSPELLED_TEXT[layout, lang] in text_of(row_html(page, MISSPELLED_ROUTE[layout]))


def test_an_event_row_left_out_of_the_inbound_web_service_makes_it_incomplete(client: TestClient) -> None:
    requests = [
        r for r in played(printed("native")) if (r.event.call_type, r.event.action) != ("inbound", "new")
    ]
    send(client, requests)
    page = status_page(client, "?layout=native&lang=en")
    found = statuses(page)
    assert found.pop("tvox/events") == "incomplete"
    assert set(found.values()) == {"working"}
    assert "no «Nuova chiamata» (Inbound) event among the newest 2 requests" in text_of(
        row_html(page, "tvox/events")
    )


def test_auto_shows_the_layouts_the_event_log_shows(client: TestClient) -> None:
    assert set(statuses(status_page(client))) == routes_printed("native")  # nothing yet: native
    send(client, played(printed("tutorial"))[:1])
    assert set(statuses(status_page(client))) == routes_printed("tutorial")
    send(client, played(printed("native"))[:1])
    assert set(statuses(status_page(client))) == routes_printed("native") | routes_printed("tutorial")


def test_a_working_row_says_when_the_last_request_came_and_how_many_in_24_hours(client: TestClient) -> None:
    send(client, played(printed("tutorial")))
    row = text_of(row_html(status_page(client, "?layout=tutorial&lang=en"), "service/hangup"))
    assert re.search(r"the last at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, 2 in the last 24 hours", row), row
    assert "delay from the event's time to its arrival: p50" in row


@pytest.fixture
def guarded(sqlite_url: str) -> Iterator[TestClient]:
    """An app whose webhooks take TVox's credentials from TVox's network only."""
    settings = Settings(
        database_url=sqlite_url, admin_password=ADMIN_PASSWORD, password_hash_memory_kib=FAST_HASH_KIB,
        webhook_user=WEBHOOK[0], webhook_password=WEBHOOK[1], webhook_allow_networks=["192.0.2.0/24"],
    )  # fmt: skip
    with TestClient(create_app(settings), client=("192.0.2.10", 50000)) as client:
        client.auth = (ADMIN_USER, ADMIN_PASSWORD)
        yield client


def test_refusals_make_a_row_failing_with_the_reason_and_a_link_to_the_log(guarded: TestClient) -> None:
    ring = played(printed("tutorial"))[0]
    response = guarded.get(url_of(ring), auth=("tvox", "wrong"))
    assert response.status_code == 401
    row = row_html(status_page(guarded, "?layout=tutorial&lang=en"), "service/ring")
    assert 'data-status="failing"' in row
    text = text_of(row)
    assert "401 wrong HTTP Basic credentials for user 'tvox'" in text
    assert "Username and Password of this web service in the OCC must be those of" in text
    assert 'href="/log?outcome=rejected"' in row


def test_requests_no_web_service_explains_are_listed_with_a_guess(client: TestClient) -> None:
    ring = played(printed("tutorial"))[0]
    client.get(url_of(ring).replace("/service/ring", "/service/ring.php"))
    client.get(url_of(ring).replace("/service/ring", "/service/rign"))
    page = text_of(status_page(client, "?layout=native&lang=en"))
    assert "/service/ring.php" in page and "a tutorial Uri, but the native layout is checked" in page
    assert "/service/rign" in page and "likely /service/ring (a mistake in the web service's Uri)" in page


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(hours=-1), r"a constant offset of about (1 h 0 min|59 min 5\d s): a time zone set wrong"),
        (timedelta(minutes=-5), r"a constant delay of about (5 min 0 s|4 min 5\d s): the clocks of TVox and"),
        (timedelta(seconds=30), r"negative delays: TVox's clock is about (30\.0|29\.\d) s ahead of this"),
    ],
)
def test_delays_that_point_at_a_clock_set_wrong_are_warned_about(
    client: TestClient, offset: timedelta, expected: str
) -> None:
    for n in range(4):  # four calls dated the same way: a constant offset
        calls = played(printed("tutorial"), datetime.now(UTC) + offset + timedelta(milliseconds=n))
        send(client, [next(r for r in calls if r.wire.path == "/service/ring")])
    row = row_html(status_page(client, "?layout=tutorial&lang=en"), "service/ring")
    assert 'data-status="working"' in row
    assert re.search(expected, text_of(row)), text_of(row)


def wait_for_run(client: TestClient, location: str) -> str:
    query = location.split("?", 1)[1].split("#", 1)[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fragment = status_page(client, f"?{query}")
        if 'data-run-state="done"' in fragment:
            return fragment
        time.sleep(0.2)
    raise AssertionError("the test call did not finish")


def start_test_call(client: TestClient, **form: str) -> str:
    token = csrf_token(client, "/setup")
    response = client.post("/setup/test-call", data={"csrf_token": token, **form}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


@pytest.mark.parametrize("layout", ["native", "tutorial"])
def test_the_test_call_goes_through_the_configured_routes_with_the_credentials_and_leaves_nothing(
    guarded: TestClient, layout: str
) -> None:
    location = start_test_call(guarded, layout=layout, method="POST")
    fragment = wait_for_run(guarded, location)
    assert 'data-run-ok="yes"' in fragment, text_of(fragment)
    steps = re.findall(
        r'class="step step-(\w+)" data-state="\w+"><span[^>]*>(\d+)</span> <code>(\w+) ([^<]+)</code>',
        fragment,
    )
    assert len(steps) == 6 and {(state, status, method) for state, status, method, _ in steps} == {
        ("ok", "200", "POST")
    }
    paths = [path for *_, path in steps]
    if layout == "tutorial":
        assert paths == ["/service/ring", "/service/answer", "/service/hangup", "/transfer/transfer",
                         "/transfer/answer", "/transfer/hangup"]  # fmt: skip
    else:
        assert paths[0] == "/tvox/events/service/ring" and paths[-1] == "/tvox/events"
    assert set(statuses(fragment).values()) == {"waiting"}  # TVox has still sent nothing
    db = guarded.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        assert conn.execute(select(func.count()).select_from(interactions)).scalar_one() == 0
        query = select(event_log.c.seq, event_log.c.route, event_log.c.actor, event_log.c.params)
        rows = conn.execute(query.order_by(event_log.c.seq)).all()
    assert [(r.route, r.actor) for r in rows] == [
        ("setup/test-call", "admin"),
        ("setup/test-call/done", None),
    ]
    done = dict(rows[1].params)
    assert done["folded"] == "yes" and done["removed"] == "6" and done["call_id"].endswith(TRIAL_CALL_SUFFIX)
    # The closing action is numbered after the six rows it removed, not with a number of theirs again
    # (the log's numbers are never reused, migration 0013): a live page past them still gets it.
    assert rows[1].seq > rows[0].seq + 6


def test_the_test_call_is_hidden_everywhere_while_it_runs(guarded: TestClient) -> None:
    location = start_test_call(guarded, layout="tutorial")
    seen = []
    while 'data-run-state="done"' not in (
        fragment := status_page(guarded, "?" + location.split("?")[1].split("#")[0])
    ):
        seen.append(guarded.get("/api/v1/interactions?state=live").json())
        seen.append(guarded.get("/api/v1/interactions?state=unknown").json())
        seen.append(guarded.get("/export/db.json").json())
        time.sleep(0.05)
    assert 'data-run-ok="yes"' in fragment
    assert len(seen) > 3
    assert all("tvox-journey-test" not in str(found) and "+0000000000" not in str(found) for found in seen)


def test_the_test_call_needs_an_admin_and_a_csrf_token(client: TestClient, make_user, login) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/setup/test-call", data={"layout": "native"}).status_code == 403
    password = make_user("agent1", "agent")
    login(client, "agent1", password)
    assert client.get("/setup", headers=HTML).status_code == 403
    assert client.get("/setup/status", headers=HTML).status_code == 403


def test_with_only_chats_configured_there_is_no_call_to_test(client: TestClient) -> None:
    location = start_test_call(client, layout="native", types="chat")
    assert "nocall=1" in location
    assert "Nessun web service configurato riceve una chiamata" in client.get(location, headers=HTML).text


@pytest.mark.parametrize(
    "query",
    [
        "?layout=xx&method=PUT&types=fax", "?types=chat&types=chat", "?run=abc", "?run=0", "?run=%C2%B2",
        "?run=99999999999999999999999", "?run=12", "?lang=en&layout=tutorial&method=POST&types=service",
    ],
)  # fmt: skip
def test_whatever_the_query_the_page_answers(client: TestClient, query: str) -> None:
    assert client.get(f"/setup{query}", headers=HTML).status_code == 200
    assert client.get(f"/setup/status{query}", headers=HTML).status_code == 200


def test_the_event_log_is_read_at_most_once_a_second_and_every_answer_is_as_new_as_the_log(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[float] = []
    original = store_setup.read_traffic

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(time.monotonic())
        return original(*args, **kwargs)

    monkeypatch.setattr(setup_page, "read_traffic", counted)
    client.app.state.setup_facts = None  # type: ignore[attr-defined]
    for _ in range(5):  # nothing new: one read
        assert set(statuses(client.get("/setup/status?layout=tutorial", headers=HTML).text).values()) == {
            "waiting"
        }
    assert len(reads) == 1
    requests = played(printed("tutorial"))
    for n, route in ((0, "service/ring"), (1, "service/answer")):  # each answer shows what came just before
        send(client, [requests[n]])
        page = client.get("/setup/status?layout=tutorial", headers=HTML).text
        assert statuses(page)[route] == "working"
    assert len(reads) == 3
    assert min(b - a for a, b in zip(reads, reads[1:], strict=False)) >= setup_page.FACTS_SECONDS * 0.99
