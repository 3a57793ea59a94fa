"""The log follower of each process: out-of-order commits, other processes' changes, mappings."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from tests.web.pages_helpers import ring
from tests.web.test_mappings import RING, app_settings, post_form
from tests.web.test_pages_stream import frames

from tvox_journey.services import recording
from tvox_journey.store import changes, interactions
from tvox_journey.web.app import create_app

NUMBER = "0452224600"


def change_seqs(stream: Iterator[dict[str, str]], count: int) -> list[int]:
    """The sequence numbers announced by `change` frames, until `count` of them arrived."""
    seqs: list[int] = []
    for frame in stream:
        if frame.get("event") == "change":
            seqs += json.loads(frame["data"])["seqs"]
            if len(seqs) >= count:
                return seqs
    raise AssertionError(f"stream ended after {seqs}")


def test_a_change_committed_after_a_later_one_is_announced_first_and_once(postgres_url: str) -> None:
    """Sequence 1 commits after 2 (two writers): the stream announces 1, then 2, each once."""
    with TestClient(create_app(app_settings(postgres_url))) as client:
        client.auth = ("admin", "admin-password-for-tests")
        resources = client.app.state.resources  # type: ignore[attr-defined]
        with client.stream("GET", "/events?scope=all") as response:
            stream = frames(response.iter_lines())
            assert next(stream)["event"] == "ready"
            slow = resources.db.write.connect()
            transaction = slow.begin()
            changes.announce(slow, channel=resources.feed.channel)  # as every writer does
            first = recording.record_action(
                slow, actor="t", action="names/set", details=[], now=resources.now()
            )
            ring(client, "o.1@x", "2024-01-10T09:00:00.000Z")  # another writer: seq 2, committed now
            threading.Timer(0.5, lambda: (transaction.commit(), slow.close())).start()
            began = time.monotonic()
            seqs = change_seqs(stream, 2)
    assert time.monotonic() - began >= 0.4  # the ring waited for the earlier number
    assert seqs == [first, first + 1]


def test_changes_written_by_another_process_reach_a_stream_within_a_second(db_url: str) -> None:
    settings = app_settings(db_url)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        one.auth = two.auth = ("admin", "admin-password-for-tests")
        with one.stream("GET", "/events?scope=all") as response:
            stream = frames(response.iter_lines())
            assert next(stream)["event"] == "ready"
            for n in range(5):
                ring(two, f"p.{n}@x", f"2024-01-10T09:00:0{n}.000Z")
            began = time.monotonic()
            seqs = change_seqs(stream, 5)
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert time.monotonic() - began < (1.0 if db_url.startswith("postgresql") else 2.0)


def test_a_mapping_saved_in_one_process_applies_in_another_within_a_second(db_url: str) -> None:
    """PostgreSQL notifies at once; on SQLite (one server process) the follower's idle read finds it."""
    bound = 1.0 if db_url.startswith("postgresql") else 2.0
    settings = app_settings(db_url)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        one.auth = two.auth = ("admin", "admin-password-for-tests")
        response = post_form(one, "/mappings", route="service/ring", incoming="numero", variable="cli")
        assert response.status_code == 303
        saved = time.monotonic()
        other = two.app.state.resources  # type: ignore[attr-defined]
        while other.mappings.for_route("service/ring").get("numero") != "cli":
            assert time.monotonic() - saved < bound, "the other process still has the old mapping"
            time.sleep(0.02)
        assert two.get("/service/ring", params={**RING, "numero": NUMBER}).status_code == 200
        with other.db.read.connect() as conn:
            stored = interactions.get(conn, "c1")
        assert stored is not None and stored.interaction.number == NUMBER


def _listening_backends(conn: Connection, channel: str) -> set[int]:
    rows = conn.execute(
        text("SELECT pid FROM pg_stat_activity WHERE query = :listen"),
        {"listen": f'LISTEN "{channel}"'},
    )
    pids = {int(pid) for (pid,) in rows}
    conn.commit()  # pg_stat_activity is read once per transaction
    return pids


def test_a_lost_listen_connection_comes_back_and_nothing_written_meanwhile_is_missed(
    postgres_url: str,
) -> None:
    """The LISTEN connections of both processes are cut (as by a PostgreSQL restart or a network
    failure); changes written while they reconnect reach the other process's stream, once, in order."""
    settings = app_settings(postgres_url)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        one.auth = two.auth = ("admin", "admin-password-for-tests")
        resources = one.app.state.resources  # type: ignore[attr-defined]
        channel = resources.feed.channel
        with resources.db.write.connect() as admin:
            deadline = time.monotonic() + 10
            while len(cut := _listening_backends(admin, channel)) < 2:
                assert time.monotonic() < deadline, "both processes listen"
                time.sleep(0.05)
            with one.stream("GET", "/events?scope=all") as response:
                stream = frames(response.iter_lines())
                assert next(stream)["event"] == "ready"
                admin.execute(
                    text("SELECT pg_terminate_backend(pid) FROM unnest(:pids) AS pid"), {"pids": list(cut)}
                )
                for n in range(5):
                    ring(two, f"cut.{n}@x", f"2024-01-10T09:00:0{n}.000Z")
                seqs = change_seqs(stream, 5)
            while len(back := _listening_backends(admin, channel)) < 2:
                assert time.monotonic() < deadline + 10, "both processes listen again"
                time.sleep(0.05)
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert not back & cut  # new connections, not the ones cut
