"""Three server processes on one PostgreSQL database behave as one (real processes, real HTTP).

Each test has its own schema; the processes start together on it while it is
still empty (the migration lock), take load round-robin from the project's
player, and are checked through what they serve.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import httpx
import pytest
from sqlalchemy import select, text
from tests.server_process import running_servers

from tvox_journey.sim import Request, delivery_order, random_calls
from tvox_journey.store.changes import ANNOUNCED
from tvox_journey.store.engine import make_database
from tvox_journey.store.schema import event_log
from tvox_journey.traffic.clients import ClientKind, Target
from tvox_journey.traffic.expected import expected_journeys
from tvox_journey.traffic.player import play, run
from tvox_journey.traffic.verify import verify_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ADMIN = ("admin", "admin-password-for-tests")
ENV = {
    "TVOX_JOURNEY_ADMIN_PASSWORD": ADMIN[1],
    "TVOX_JOURNEY_PASSWORD_HASH_MEMORY_KIB": "64",
}
NUMBERS = [f"04522{n:05d}" for n in range(200)]
AGENTS = ("op1", "op2", "op3", "op4")
SERVICES = ("customercare", "sales")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def traffic(seed: int, calls: int) -> list[Request]:
    """Random calls of every kind, shuffled, a twentieth of the requests sent twice."""
    rng = Random(seed)
    made = random_calls(rng, calls, datetime.now(UTC) - timedelta(hours=1), NUMBERS, AGENTS, SERVICES)
    return delivery_order(made, rng, shuffle=True, duplicates=0.05)


def play_round_robin(
    requests: list[Request],
    bases: list[str],
    concurrency: int,
    on_sent: Callable[[int, int], None] | None = None,
) -> dict[int, int]:
    """Request i goes to bases[i % len(bases)] (the events of one call spread over the processes);
    returns each request's status (599: no answer)."""
    statuses: dict[int, int] = {}

    async def main() -> None:
        async def share(k: int) -> None:
            indexes = list(range(k, len(requests), len(bases)))

            def sent(j: int, _request: Request, status: int) -> None:
                statuses[indexes[j]] = status
                if on_sent is not None:
                    on_sent(indexes[j], status)

            target = Target(bases[k], client=ClientKind.RAW, timeout=20)
            part = [requests[i] for i in indexes]
            await play(part, target, concurrency=max(1, concurrency // len(bases)), on_sent=sent)

        await asyncio.gather(*(share(k) for k in range(len(bases))))

    run(main())
    return statuses


class StreamReader(threading.Thread):
    """Reads `GET /events?scope=all` of one process over HTTP, as a browser does (reconnecting with
    Last-Event-ID), and keeps the sequence numbers its change frames announce."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.start_id: int | None = None
        self.seqs: list[int] = []
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.response: httpx.Response | None = None

    def run(self) -> None:
        last: int | None = None
        with httpx.Client(auth=ADMIN, timeout=httpx.Timeout(10, read=30)) as client:
            while not self.stopping.is_set():
                headers = {"last-event-id": str(last)} if last is not None else {}
                try:
                    with client.stream("GET", f"{self.base}/events?scope=all", headers=headers) as response:
                        self.response = response
                        frame: dict[str, str] = {}
                        for line in response.iter_lines():
                            if line:
                                if not line.startswith(":"):
                                    name, _, value = line.partition(": ")
                                    frame[name] = value
                                continue
                            if "id" in frame:
                                last = int(frame["id"])
                            if frame.get("event") == "ready" and self.start_id is None:
                                self.start_id = last
                                self.ready.set()
                            elif frame.get("event") == "change":
                                self.seqs += json.loads(frame["data"])["seqs"]
                            frame = {}
                except httpx.HTTPError:
                    if not self.stopping.is_set():
                        raise

    def stop(self) -> None:
        self.stopping.set()
        if self.response is not None:
            self.response.close()


def announced_after(database_url: str, seq: int) -> list[int]:
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            query = select(event_log.c.seq).where(event_log.c.seq > seq, event_log.c.outcome.in_(ANNOUNCED))
            return sorted(conn.execute(query).scalars())
    finally:
        db.dispose()


def csrf_post(base: str, path: str, form_path: str, data: dict[str, str]) -> httpx.Response:
    with httpx.Client(auth=ADMIN, timeout=20) as client:
        page = client.get(f"{base}{form_path}", headers={"accept": "text/html"})
        token = TOKEN.search(page.text)
        assert token is not None, page.text
        return client.post(
            f"{base}{path}", data={**data, "csrf_token": html.unescape(token.group(1))},
            headers={"origin": base}, follow_redirects=False,
        )  # fmt: skip


def test_three_processes_started_together_serve_live_pages_mappings_and_names_as_one(
    postgres_url: str, tmp_path: Path
) -> None:
    requests = traffic(seed=11, calls=150)
    with running_servers(postgres_url, 3, env=ENV, log_dir=tmp_path) as servers:  # on an empty schema
        bases = [s.base for s in servers]
        readers = [StreamReader(bases[0]), StreamReader(bases[1])]
        for reader in readers:
            reader.start()
            assert reader.ready.wait(20)
        statuses = play_round_robin(requests, bases, concurrency=24)
        assert set(statuses.values()) == {200}
        check = verify_database(
            postgres_url, expected_journeys(requests), since_seq=0, answered=len(statuses)
        )
        assert check.ok, (check.missing[:3], check.wrong[:3], check.lost)

        # Live pages of two processes: every change of all three, in sequence order, once.
        for reader in readers:
            assert reader.start_id is not None
            expected = announced_after(postgres_url, reader.start_id)
            deadline = time.monotonic() + 20
            while len(reader.seqs) < len(expected) and time.monotonic() < deadline:
                time.sleep(0.05)
            if reader.seqs != expected:
                missing = sorted(set(expected) - set(reader.seqs))
                print(
                    "DEBUG",
                    reader.base,
                    "missing",
                    missing,
                    "extra",
                    sorted(set(reader.seqs) - set(expected)),
                )
                print("DEBUG seqs", reader.seqs)
                print("DEBUG logdir", tmp_path)
            assert reader.seqs == expected
        for reader in readers:
            reader.stop()

        # A mapping saved on one process applies on the others within a second.
        saved = csrf_post(bases[0], "/mappings", "/mappings", {
            "route": "service/ring", "incoming": "numero", "variable": "cli"
        })  # fmt: skip
        assert saved.status_code == 303, saved.text
        time.sleep(1.0)
        for n, base in enumerate(bases[1:]):
            ring = {"callId": f"mapped.{n}", "dateTime": "2024-01-10T09:00:00.000Z", "agent": "op1",
                    "service": "customercare", "numero": "0452299999"}  # fmt: skip
            assert httpx.get(f"{base}/service/ring", params=ring).status_code == 200
            stored = httpx.get(f"{base}/api/v1/interactions/mapped.{n}", auth=ADMIN).json()
            assert stored["number"] == "0452299999", stored

        # A display name set on one process shows on the cards of the others.
        contact = httpx.post(f"{bases[0]}/api/v1/contacts", auth=ADMIN,
                             json={"surname": "Bianchi", "numbers": ["0452299999"]})  # fmt: skip
        assert contact.status_code == 201, contact.text
        named = csrf_post(bases[1], "/names", "/names", {"kind": "agent", "code": "op1", "name": "Uno Vero"})
        assert named.status_code in (200, 303), named.text
        for base in (bases[0], bases[2]):
            journey = httpx.get(
                f"{base}/contacts/{contact.json()['id']}/journey", auth=ADMIN, headers={"accept": "text/html"}
            )
            assert "Uno Vero" in journey.text


def test_a_process_killed_mid_load_loses_nothing_it_acknowledged(postgres_url: str, tmp_path: Path) -> None:
    requests = traffic(seed=12, calls=200)
    with running_servers(postgres_url, 3, env=ENV, log_dir=tmp_path) as servers:
        victim = servers[2]
        answered = 0

        def on_sent(index: int, status: int) -> None:
            nonlocal answered
            answered += 1
            if answered == len(requests) // 3 and victim.popen.poll() is None:
                os.kill(victim.popen.pid, signal.SIGKILL)

        statuses = play_round_robin(requests, [s.base for s in servers], concurrency=24, on_sent=on_sent)
        assert victim.popen.wait(5) == -signal.SIGKILL
        failed = [i for i, status in statuses.items() if not 200 <= status < 300]
        assert failed, "the kill came too late to interrupt anything"
        # TVox retries what was not acknowledged; the survivors take it.
        retried = play_round_robin([requests[i] for i in failed], [s.base for s in servers[:2]], 8)
        assert set(retried.values()) == {200}
    acknowledged = sum(1 for status in statuses.values() if 200 <= status < 300) + len(retried)
    check = verify_database(postgres_url, expected_journeys(requests), since_seq=0, answered=acknowledged)
    assert check.ok, (check.missing[:3], check.wrong[:3], check.lost)


def test_serve_workers_runs_several_processes_on_one_port(postgres_url: str, tmp_path: Path) -> None:
    """`serve --workers 3`: three worker processes, each with its own writer, behind one port."""
    requests = traffic(seed=13, calls=100)
    env = {**ENV, "TVOX_JOURNEY_METRICS_NETWORKS": "127.0.0.0/8"}
    with running_servers(postgres_url, 1, env=env, log_dir=tmp_path, workers=3) as (server,):
        workers = children(server.popen.pid)
        statuses = play_round_robin(requests, [server.base], concurrency=16)
        assert set(statuses.values()) == {200}
        assert len(workers) == 3
        # /metrics, whichever worker answers, counts the requests of all three.
        for _ in range(3):
            text = httpx.get(f"{server.base}/metrics").text
            assert sample_sum(text, "tvox_journey_requests_total", 'channel="webhook"') == len(statuses)
        check = verify_database(
            postgres_url, expected_journeys(requests), since_seq=0, answered=len(statuses)
        )
        assert check.ok, (check.missing[:3], check.wrong[:3], check.lost)
        # Each worker has its own connections to the database: three LISTEN connections, one per process.
        listeners = listening_backends(postgres_url)
        assert listeners >= 3


def sample_sum(exposition: str, name: str, label: str) -> float:
    """The sum of the samples of `name` whose labels include `label`, in Prometheus text format."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith((name + "{", name + " ")) and label in line
    )


def test_serve_workers_is_refused_on_sqlite(sqlite_url: str) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "tvox_journey", "serve", "--workers", "2", "--database", sqlite_url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2
    assert (
        "Error: --workers 2 needs PostgreSQL: a SQLite database takes one writer at a time" in refused.stderr
    )


def children(pid: int) -> list[int]:
    """The worker processes of a `serve --workers` parent (uvicorn's multiprocessing children)."""
    deadline = time.monotonic() + 30
    while True:
        found = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _parent(p) == pid and "spawn_main" in _cmdline(p)
        ]
        if len(found) >= 3 or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def listening_backends(database_url: str) -> int:
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'")
            return int(conn.execute(query).scalar_one())
    finally:
        db.dispose()
