"""Password guessing is bounded: attempts are counted before they are checked, atomically and in the
database (per user name across processes, and per address), hashes run a few at a time with a bounded
queue, and a verified HTTP Basic credential is remembered so a client is not hashed on every request."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select

from tvox_journey.settings import Settings
from tvox_journey.store import login_attempts
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import login_attempts as login_attempts_table
from tvox_journey.web.app import create_app
from tvox_journey.web.security.throttle import HashGate, ServerBusy

MakeUser = Callable[..., str]
API = "/api/v1/contacts"


def statuses(client: TestClient, credentials: list[tuple[str, str]]) -> Counter[int]:
    """Send every request at once (one thread each) and count the answers."""

    def send(auth: tuple[str, str]) -> int:
        return client.get(API, auth=auth).status_code

    with ThreadPoolExecutor(len(credentials)) as pool:
        return Counter(pool.map(send, credentials))


def test_concurrent_wrong_passwords_check_exactly_the_limit(anonymous_client: TestClient) -> None:
    answers = statuses(anonymous_client, [("admin", f"wrong-{i}") for i in range(60)])
    assert answers == Counter({401: 5, 429: 55})


def test_five_wrong_passwords_spread_over_three_apps_lock_the_user(settings: Settings) -> None:
    apps = [create_app(settings) for _ in range(3)]
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b, TestClient(apps[2]) as c:
        for client in (a, b, c, a, b):
            assert client.get(API, auth=("admin", "wrong-password")).status_code == 401
        locked = c.get(API, auth=("admin", "admin-password-for-tests"))
        assert locked.status_code == 429
        assert 1 <= int(locked.headers["retry-after"]) <= 60


def test_the_right_password_clears_the_user_count(anonymous_client: TestClient) -> None:
    for _ in range(4):
        assert anonymous_client.get(API, auth=("admin", "wrong")).status_code == 401
    assert anonymous_client.get(API, auth=("admin", "admin-password-for-tests")).status_code == 200
    for _ in range(5):
        assert anonymous_client.get(API, auth=("admin", "wrong")).status_code == 401


def test_one_address_trying_many_user_names_is_throttled_without_hashing(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"login_attempts_per_address_per_minute": 10}))
    with TestClient(app) as client:
        answers = [client.get(API, auth=(f"nobody{i}", "x")).status_code for i in range(25)]
        assert answers == [401] * 10 + [429] * 15
        assert app.state.auth.passwords.verifications == 10
        with app.state.resources.db.read.connect() as conn:  # an address over its limit adds no name rows
            rows = conn.execute(select(func.count()).select_from(login_attempts_table)).scalar_one()
        assert rows == 11


def test_a_verified_basic_credential_is_not_hashed_again(client: TestClient, app: FastAPI) -> None:
    assert client.get(API).status_code == 200
    before = app.state.auth.passwords.verifications
    for _ in range(20):
        assert client.get(API).status_code == 200
    assert app.state.auth.passwords.verifications == before
    assert client.get(API, auth=("admin", "wrong")).status_code == 401  # a wrong one is still checked
    assert app.state.auth.passwords.verifications == before + 1


def test_an_unknown_user_name_is_hashed_like_a_wrong_password(
    anonymous_client: TestClient, app: FastAPI
) -> None:
    before = app.state.auth.passwords.verifications
    assert anonymous_client.get(API, auth=("nobody", "x")).status_code == 401
    assert anonymous_client.get(API, auth=("admin", "x")).status_code == 401
    assert app.state.auth.passwords.verifications == before + 2


def test_when_hash_slots_and_queue_are_full_password_checks_get_503(settings: Settings) -> None:
    busy = settings.model_copy(
        update={
            "password_hash_concurrency": 1,
            "password_hash_wait_seconds": 0.01,
            "password_hash_memory_kib": 32768,  # slow enough (tens of ms) for checks to overlap
            "login_attempts_per_address_per_minute": 1000,
        }
    )
    app = create_app(busy)
    with TestClient(app) as client:
        answers = statuses(client, [(f"nobody{i}", "x") for i in range(16)])
        assert set(answers) <= {401, 503} and answers[503] > 0, answers
        refused = client.get(API, auth=("admin", "admin-password-for-tests"))
        assert refused.status_code in (200, 503)
        if refused.status_code == 503:
            assert refused.headers["retry-after"] == "1"


def test_the_login_form_says_when_the_server_is_busy(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"password_hash_concurrency": 1}))
    with TestClient(app) as client:
        gate: HashGate = app.state.auth.gate
        gate.max_waiting = 0
        release = threading.Event()

        async def hold() -> None:
            await gate.run(release.wait, 5)

        holder = threading.Thread(target=lambda: client.portal.call(hold))  # type: ignore[union-attr]
        holder.start()
        try:
            deadline = time.monotonic() + 5
            while gate._semaphore.locked() is False and time.monotonic() < deadline:
                time.sleep(0.01)
            page = client.get("/login")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            response = client.post("/login", data={"username": "admin", "password": "x", "csrf_token": token})
            assert response.status_code == 503
            assert response.headers["retry-after"] == "1"
            assert "Il server è occupato" in response.text
        finally:
            release.set()
            holder.join()


class TestHashGate:
    def test_runs_at_most_its_slots_and_refuses_beyond_the_queue(self) -> None:
        gate = HashGate(slots=2, wait_seconds=0.2, max_waiting=2)
        running = 0
        most = 0
        lock = threading.Lock()

        def work() -> None:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.3)
            with lock:
                running -= 1

        async def main() -> list[str]:
            async def one() -> str:
                try:
                    await gate.run(work)
                except ServerBusy:
                    return "busy"
                return "done"

            return list(await asyncio.gather(*(one() for _ in range(8))))

        # A loop of its own on a thread of its own: the browser tests may leave one running in this one.
        with ThreadPoolExecutor(1) as thread:
            results = thread.submit(asyncio.run, main()).result()
        assert most == 2
        assert results.count("done") == 2  # two ran; two waited 0.2 s < 0.3 s; four found the queue full
        assert results.count("busy") == 6


@pytest.mark.parametrize("window", [1000, 60_000])
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # each example counts its own key
@given(times=st.lists(st.integers(0, 200_000), min_size=1, max_size=30))
def test_the_stored_count_is_the_attempts_of_the_current_window(
    migrated_url: str, window: int, times: list[int]
) -> None:
    engine = create_engine(migrated_url)
    key = f"k{window}-{len(times)}-{sum(times)}-{time.monotonic_ns()}"
    started: int | None = None
    expected = 0
    with engine.begin() as conn:
        for now in sorted(times):
            if started is None or started <= now - window:
                started, expected = now, 1
            else:
                expected += 1
            assert login_attempts.count(conn, key, now_ms=now, window_ms=window) == (expected, started)
    engine.dispose()


@pytest.fixture
def migrated_url(db_url: str) -> str:
    upgrade(db_url)
    return db_url
