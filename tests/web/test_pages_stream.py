"""Live updates: SSE frames for a card, catch-up by Last-Event-ID, changes from another process."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi.testclient import TestClient
from tests.web.pages_helpers import HTML, add_contact, csrf_token, ring

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.live.sse import comment, format_frame
from tvox_journey.services import recording
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.log_query import OUTCOMES
from tvox_journey.web.pages import i18n

TEMPLATES_KEY = re.compile(r"""_\(\s*["']([a-z_0-9]+\.[a-z_0-9]+)["']""")


def frames(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """SSE frames as {field: value}; comments are skipped."""
    frame: dict[str, str] = {}
    for line in lines:
        if line == "":
            if frame:
                yield frame
            frame = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            frame[name] = value


def next_event(stream: Iterator[dict[str, str]]) -> dict[str, str]:
    """The next frame that is an event (not a heartbeat that only moves the id)."""
    return next(f for f in stream if "event" in f)


def test_a_card_stream_announces_a_webhook_for_its_contact_with_the_log_sequence(client: TestClient) -> None:
    mario = add_contact(client)
    add_contact(client, surname="Verdi", numbers=["3331112222"])
    with client.stream("GET", f"/events?contact={mario}") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = frames(response.iter_lines())
        ready = next_event(stream)
        assert ready["event"] == "ready" and ready["retry"] == "1000"
        ring(client, "8.1@x", "2024-01-10T09:00:00.000Z", number="3331112222")  # another contact's
        ring(client, "8.2@x", "2024-01-10T09:01:00.000Z")
        change = next_event(stream)
    assert change["event"] == "change"
    seq = client.get("/log", headers=HTML).text.count("badge-log-accepted")
    assert change["id"] == str(seq) == "2"
    assert '"call_id": "8.2@x"' in change["data"]


def test_a_reconnecting_browser_catches_up_from_its_last_event_id(client: TestClient) -> None:
    mario = add_contact(client)
    ring(client, "9.1@x", "2024-01-10T09:00:00.000Z")
    ring(client, "9.2@x", "2024-01-10T09:00:00.000Z", number="3331112222")  # not Mario's
    with client.stream("GET", f"/events?contact={mario}", headers={"last-event-id": "0"}) as response:
        caught_up = next_event(frames(response.iter_lines()))
    assert (caught_up["event"], caught_up["id"]) == ("change", "2")
    with client.stream("GET", f"/events?contact={mario}", headers={"last-event-id": "1"}) as response:
        nothing_new = next_event(frames(response.iter_lines()))
    assert (nothing_new["event"], nothing_new["id"]) == ("ready", "2")
    with client.stream("GET", f"/events?contact={mario}&since=0") as response:
        assert next_event(frames(response.iter_lines()))["event"] == "change"


def test_a_change_committed_by_another_process_reaches_open_cards(client: TestClient) -> None:
    mario = add_contact(client)
    resources = client.app.state.resources  # type: ignore[attr-defined]
    occurred = Instant(resources.now(), "2024-01-10T09:00:00.000Z")
    event = CallEvent("10.1@x", CallType.SERVICE, Action.RING, occurred, number="0452224600", agent="op1")
    entry = LogEntry(
        received_at=resources.now(), method="GET", path="/service/ring", route="service/ring",
        params=(("callId", "10.1@x"),), outcome=LogOutcome.ACCEPTED, status_code=200, event=event,
    )  # fmt: skip
    with client.stream("GET", f"/events?contact={mario}") as response:
        stream = frames(response.iter_lines())
        assert next_event(stream)["event"] == "ready"
        with resources.db.write.begin() as conn:  # no broadcast: as if another server process wrote it
            recording.record(conn, entry, resources.policy)
        change = next_event(stream)
    assert (change["event"], change["id"]) == ("change", "1")


def test_clearing_a_journey_and_editing_names_tell_open_cards(client: TestClient) -> None:
    mario = add_contact(client)
    ring(client, "11.1@x", "2024-01-10T09:00:00.000Z")
    token = csrf_token(client, f"/contacts/{mario}/clear")
    with client.stream("GET", f"/events?contact={mario}") as response:
        stream = frames(response.iter_lines())
        assert next_event(stream)["event"] == "ready"
        client.post(f"/contacts/{mario}/clear", data={"csrf_token": token}, follow_redirects=False)
        assert '"kind": "journey_cleared"' in next_event(stream)["data"]
        client.post("/names", data={"csrf_token": token, "kind": "agent", "code": "op1", "name": "Uno"})
        assert '"kind": "names"' in next_event(stream)["data"]


def test_streams_of_missing_contacts_are_refused(client: TestClient) -> None:
    assert client.get("/events?contact=999").status_code == 404
    assert client.get("/events").status_code == 404
    assert client.get("/events?contact=99999999999999").status_code == 422


def test_the_journey_fragment_is_the_live_part_of_the_card(client: TestClient) -> None:
    mario = add_contact(client)
    ring(client, "12.1@x", "2024-01-10T09:00:00.000Z")
    card = client.get(f"/contacts/{mario}", headers=HTML).text
    assert f'data-live-src="/contacts/{mario}/journey"' in card
    assert f'data-live-stream="/events?contact={mario}&amp;since=1"' in card
    fragment = client.get(f"/contacts/{mario}/journey", headers=HTML).text
    assert "<html" not in fragment and 'data-call-id="12.1@x"' in fragment


def test_sse_frames_put_every_data_line_on_its_own_field() -> None:
    assert format_frame(id=7, event="change", data='{"a": 1}') == 'id: 7\nevent: change\ndata: {"a": 1}\n\n'
    assert format_frame(data="one\ntwo\r\nthree") == "data: one\ndata: two\ndata: three\n\n"
    assert format_frame(id=3) == "id: 3\n\n"
    assert format_frame(event="a\nb", retry_ms=10) == "retry: 10\nevent: a b\n\n"
    assert comment("hi\nthere") == ": hi there\n\n"


def test_both_languages_have_every_text_the_pages_use() -> None:
    from pathlib import Path

    import tvox_journey.web as web

    root = Path(web.__file__).parent
    used = {
        key
        for path in [*root.glob("templates/**/*.html"), *root.glob("pages/*.py")]
        for key in TEMPLATES_KEY.findall(path.read_text(encoding="utf-8"))
        if not key.endswith("_")  # a prefix completed at run time, e.g. "log.outcome_" + outcome
    }
    for lang in i18n.LANGUAGES:
        assert used - set(i18n.CATALOG[lang]) == set(), lang
    assert set(i18n.CATALOG["it"]) == set(i18n.CATALOG["en"])
    dynamic = {f"log.outcome_{o}" for o in OUTCOMES} | {"outcome.chat_ringing", "outcome.chat_talking"}
    assert dynamic <= set(i18n.CATALOG["it"])
    assert i18n.translator("en")("clear.done", n=3) == "Customer Journey cleared (3 interactions)."
    assert i18n.translator("xx")("col.type") == "Tipo"
