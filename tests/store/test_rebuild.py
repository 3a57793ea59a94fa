"""`db rebuild` beside a server that records: short transactions under the calls' locks, so nothing the
server folds meanwhile is overwritten and the server's writes never wait past a short transaction."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from tests.conftest import ADMIN_PASSWORD, FAST_HASH_KIB

from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.contract import TUTORIAL_ALIASES, TUTORIAL_ROUTES
from tvox_journey.ingest.parse import map_variables, parse_event
from tvox_journey.services import recording
from tvox_journey.settings import Settings
from tvox_journey.store import event_log, interactions
from tvox_journey.store.engine import Database, Timeouts, make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.migrate import upgrade
from tvox_journey.web.app import create_app

POLICY = NumberPolicy()
CALLS = 40


def stamp(call: int, ms: int) -> str:
    return f"2024-05-06T10:{call // 60:02d}:{call % 60:02d}.{ms:03d}Z"


def event(call: int, kind: str, ms: int) -> tuple[str, dict[str, str]]:
    params = {"dateTime": stamp(call, ms), "callId": f"call-{call}", "callerNumber": f"04522{call:05d}"}
    if kind == "ring":
        params |= {"agent": "op1", "service": "cc"}
    return f"/service/{kind}", params


@pytest.fixture
def other_process(db_url: str) -> Iterator[Database]:
    """The engines `db rebuild` would open (its own, beside the server's)."""
    database = make_database(db_url, timeouts=Timeouts(lock=60, busy=60, statement=300))
    yield database
    database.dispose()


def test_a_rebuild_beside_incoming_webhooks_leaves_every_interaction_equal_to_its_fold(
    db_url: str, other_process: Database
) -> None:
    upgrade(db_url)
    settings = Settings(
        database_url=db_url, admin_password=ADMIN_PASSWORD, password_hash_memory_kib=FAST_HASH_KIB
    )
    with TestClient(create_app(settings)) as client:
        for call in range(CALLS):
            path, params = event(call, "ring", 0)
            assert client.get(path, params=params).status_code == 200
        later = [
            event(call, kind, ms) for call in range(CALLS) for kind, ms in (("answer", 100), ("hangup", 900))
        ]
        random.Random(4).shuffle(later)
        rebuilt: list[int] = []
        failed: list[BaseException] = []

        def rebuild() -> None:
            try:
                for _ in range(2):
                    rebuilt.append(recording.rebuild(other_process, POLICY, calls_per_transaction=3))
            except BaseException as error:
                failed.append(error)

        thread = threading.Thread(target=rebuild)
        thread.start()
        statuses = [client.get(path, params=params).status_code for path, params in later]
        thread.join(120)
    assert not failed and rebuilt == [CALLS] * 2
    assert set(statuses) == {200}
    with other_process.read.connect() as conn:
        for call in range(CALLS):
            stored = interactions.get(conn, f"call-{call}")
            assert stored is not None
            assert stored.interaction == fold(event_log.events_for_call(conn, f"call-{call}"))
    # And once more with nothing arriving: the rebuild changes nothing.
    assert recording.rebuild(other_process, POLICY, calls_per_transaction=3) == CALLS


def entry(path: str, params: dict[str, str]) -> LogEntry:
    """What the server logs for this webhook request."""
    route = TUTORIAL_ROUTES[path.strip("/")]
    variables = map_variables(params.items(), {**TUTORIAL_ALIASES, **route.mapping}, route.required)
    return LogEntry(
        received_at=datetime.now(UTC), method="GET", path=path, route=route.path,
        params=tuple(params.items()), outcome=LogOutcome.ACCEPTED, status_code=200,
        event=parse_event(route.call_type, route.action, variables),
    )  # fmt: skip


def test_a_rebuild_waits_for_a_call_being_recorded_and_never_writes_an_older_fold(
    db_url: str, other_process: Database
) -> None:
    """The old rebuild read a call's events beside a server's open transaction and then wrote its fold,
    without the event that transaction had just committed (PostgreSQL)."""
    upgrade(db_url)
    server = make_database(db_url)
    try:
        with server.write.begin() as conn:
            recording.record(conn, entry(*event(1, "ring", 0)), POLICY)
        with server.write.connect() as in_flight:
            transaction = in_flight.begin()  # the server, recording an answer for that call
            recording.record(in_flight, entry(*event(1, "answer", 100)), POLICY)
            thread = threading.Thread(target=recording.rebuild, args=(other_process, POLICY))
            thread.start()
            time.sleep(0.5)  # the rebuild reaches the call meanwhile
            transaction.commit()
        thread.join(60)
        with server.read.connect() as conn:
            stored = interactions.get(conn, "call-1")
            assert stored is not None
            assert stored.interaction == fold(event_log.events_for_call(conn, "call-1"))
            assert stored.interaction.outcome.value == "talking"
    finally:
        server.dispose()


def test_a_write_between_two_chunks_of_a_rebuild_goes_through_at_once(
    db_url: str, other_process: Database
) -> None:
    """The old rebuild held one transaction over the whole log: on SQLite the server's writes waited
    for all of it (past their busy timeout)."""
    upgrade(db_url)
    server = make_database(db_url, timeouts=Timeouts(busy=0.2, lock=0.2))
    try:
        with server.write.begin() as conn:
            for call in range(6):
                recording.record(conn, entry(*event(call, "ring", 0)), POLICY)
        answered: list[int] = []

        def between_chunks(done: int) -> None:
            with server.write.begin() as conn:  # fails after 0.2 s if the rebuild still held a lock
                recording.record(conn, entry(*event(done, "answer", 100)), POLICY)
            answered.append(done)

        recording.rebuild(other_process, POLICY, calls_per_transaction=2, progress=between_chunks)
        assert answered == [2, 4, 6]
    finally:
        server.dispose()
