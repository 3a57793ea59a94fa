"""The general guard of issue 9, item 1: no accepted webhook can break a page.

A Hypothesis state machine sends arbitrary webhooks (every tutorial route and
the native endpoint in its three forms; extreme but accepted dates in every
format, odd and huge numbers, long and unicode values, every type and event),
adds contacts for the numbers it has used, clears journeys, and now and then
requests every page and API endpoint as the admin (tests/web/every_page.py):
never a 5xx, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from tests.web.every_page import server_errors
from tests.web.pages_helpers import csrf_token

from tvox_journey.domain.events import EARLIEST_EVENT_TIME, LATEST_EVENT_TIME
from tvox_journey.ingest.contract import TUTORIAL_ROUTES
from tvox_journey.ingest.native import EVENT_VALUES, TYPE_VALUES

MACHINE_SETTINGS = hypothesis_settings(
    max_examples=6,
    stateful_step_count=12,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Times anywhere in the accepted range, the edges above all, in any offset.
OFFSETS = [
    UTC,
    timezone(timedelta(hours=14)),
    timezone(-timedelta(hours=12)),
    timezone(timedelta(minutes=345)),
]
EDGES = [
    EARLIEST_EVENT_TIME,
    EARLIEST_EVENT_TIME + timedelta(microseconds=1),
    LATEST_EVENT_TIME - timedelta(microseconds=1),
    LATEST_EVENT_TIME - timedelta(minutes=30),
    datetime(2020, 11, 20, 10, 24, 8, 674000, tzinfo=UTC),
]
# Out of the range: refused now, and pages broke when they were accepted (issue 9, item 1).
ABSURD = [
    datetime(9999, 12, 31, 23, 30, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    EARLIEST_EVENT_TIME - timedelta(microseconds=1),
    LATEST_EVENT_TIME,
]
instants = st.one_of(
    st.sampled_from(EDGES),
    st.sampled_from(ABSURD),
    st.datetimes(
        min_value=EARLIEST_EVENT_TIME.replace(tzinfo=None) + timedelta(days=1),
        max_value=LATEST_EVENT_TIME.replace(tzinfo=None) - timedelta(days=1),
        timezones=st.just(UTC),
    ),
)


def _ymd_hms(at: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS` for any year (strftime writes year 1 as `1`)."""
    return at.replace(tzinfo=None, microsecond=0).isoformat()


@st.composite
def wire_times(draw: st.DrawFn) -> tuple[str, str]:
    """(variable, text): `dateISO` in an ISO form, or `dateYMDms` (TVox's zone)."""
    at = draw(instants)
    form = draw(st.sampled_from(["Z", "offset", "nanos", "naive", "space", "ymd"]))
    if form == "ymd":
        return "dateYMDms", _ymd_hms(at).replace("-", "").replace("T", "").replace(":", "")
    if form == "Z":
        return "dateISO", f"{_ymd_hms(at)}.{at.microsecond // 1000:03d}Z"
    if form == "nanos":
        return "dateISO", f"{_ymd_hms(at)}.{at.microsecond:06d}999Z"
    if form == "offset":
        try:
            return "dateISO", at.astimezone(draw(st.sampled_from(OFFSETS))).isoformat()
        except OverflowError:
            return "dateISO", at.isoformat()
    if form == "space":
        return "dateISO", at.isoformat(sep=" ")
    return "dateISO", _ymd_hms(at)


call_ids = st.one_of(
    st.sampled_from(["c1", "c2", "c3", "1605867847.783@d92061befe"]),  # events of one call meet
    st.text(string.ascii_letters + string.digits + "./@-_ %?#&", min_size=1, max_size=40),
    st.text(st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=20),
    st.just("x" * 255),
)
numbers = st.one_of(
    st.sampled_from(
        [
            "0452224600",
            "+39 045 222 4600",
            "tel:+390452224600",
            "tel:+39-045-222-4600;ext=7",
            "00390452224600",
            "201",
            "0",
            "+",
            "00",
            "+1 (201) 555-0123",
            "sip:alice@pbx",
            "٠٤٥٢٢٢٤٦٠٠",
            "9" * 64,
            "+" + "9" * 63,
            "İ" * 63 + "1",
            "tel:0145678901;phone-context=+33",
        ]
    ),  # fmt: skip
    st.text(string.digits + "+ -()./", min_size=1, max_size=64),
    st.text(st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=64),
)
texts = st.one_of(
    st.sampled_from(["op1", "op2", "customercare", "", " ", "<script>alert(1)</script>", "{{ 7*7 }}"]),
    st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=30),
    st.integers(1, 1024).map(lambda n: "é" * n),
)
native_types = st.sampled_from(sorted(TYPE_VALUES) + ["answer_service", "power-dialer", "nosuchtype"])
native_events = st.sampled_from(sorted(EVENT_VALUES) + ["no_answer", "SOMETHINGELSE"])


@st.composite
def tutorial_requests(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    route = draw(st.sampled_from(sorted(TUTORIAL_ROUTES)))
    wire = {variable: name for name, variable in TUTORIAL_ROUTES[route].mapping.items()}
    _variable, when = draw(wire_times().filter(lambda t: t[0] == "dateISO"))
    params = [(wire["dateISO"], when)]
    for variable in ("idlastcall", "id", "cli", "clid", "dnis", "pin", "userclid", "servizio", "userdnis"):
        if variable not in wire:
            continue
        value = {
            "idlastcall": call_ids, "id": call_ids, "cli": numbers, "clid": numbers, "dnis": numbers,
        }.get(variable, texts)  # fmt: skip
        params.append((wire[variable], draw(value)))
    if draw(st.booleans()):
        params.append(("transfer", draw(texts)))
    suffix = draw(st.sampled_from(["", ".php"]))
    return f"/{route}{suffix}", params


@st.composite
def native_requests(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    call_type, event = draw(native_types), draw(native_events)
    variable, when = draw(wire_times())
    params = [(variable, when)]
    form = draw(st.sampled_from(["variables", "path", "query"]))
    if form == "path":
        path = f"/tvox/events/{call_type}/{event}"
    elif form == "query":
        path = "/tvox/events"
        params = [("type", call_type), ("event", event), *params]
    else:
        path = "/tvox/events"
        params += [("eventtype", call_type), ("event", event)]
    for name in draw(st.sets(st.sampled_from(["id", "idlastcall", "uniqueid"]), min_size=1)):
        params.append((name, draw(call_ids)))
    for name in draw(st.sets(st.sampled_from(["cli", "clid", "dnis"]))):
        params.append((name, draw(numbers)))
    optional = [
        "pin", "userclid", "userdnis", "servizio", "clidname", "clidsurname", "clidcompany",
        "campaignId", "listId", "channel", "abandonedCallId", "popup1", "popup2", "popup999",
    ]  # fmt: skip
    for name in draw(st.sets(st.sampled_from(optional))):
        params.append((name, draw(texts)))
    return path, params


def test_no_sequence_of_accepted_webhooks_breaks_any_page_or_endpoint(client: TestClient) -> None:
    class Traffic(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            self.numbers: list[str] = []
            self.accepted = 0

        @rule(request=st.one_of(tutorial_requests(), native_requests()), post=st.booleans())
        def send_webhook(self, request: tuple[str, list[tuple[str, str]]], post: bool) -> None:
            path, params = request
            if post:
                form = {"Content-Type": "application/x-www-form-urlencoded"}
                response = client.post(path, content=urlencode(params), headers=form)
            else:
                response = client.get(path, params=params)
            assert response.status_code < 500, (path, params, response.text)
            if response.status_code == 200:
                self.accepted += 1
                self.numbers += [
                    value
                    for name, value in params
                    if name in ("callerNumber", "calledNumber", "cli", "clid", "dnis")
                ]

        @rule(data=st.data())
        def add_contact(self, data: st.DataObject) -> None:
            if not self.numbers:
                return
            number = data.draw(st.sampled_from(self.numbers))
            response = client.post(
                "/api/v1/contacts", json={"name": "N", "surname": "S", "numbers": [number]}
            )
            assert response.status_code < 500, response.text

        @rule(data=st.data())
        def clear_a_journey(self, data: st.DataObject) -> None:
            found = client.get("/api/v1/contacts", params={"limit": 500}).json()
            if not found:
                return
            contact = data.draw(st.sampled_from(found))
            token = csrf_token(client)
            response = client.post(
                f"/contacts/{contact['id']}/clear", data={"csrf_token": token}, follow_redirects=False
            )
            assert response.status_code < 500, response.text

        @rule()
        def every_page_answers(self) -> None:
            assert server_errors(client) == []

        def teardown(self) -> None:
            assert server_errors(client) == []

    run_state_machine_as_test(Traffic, settings=MACHINE_SETTINGS)
