"""Authentication against real `tvox-journey serve` processes: the throttle holds under concurrent
guesses and across processes, sessions and their end are shared, and a password flood stays bounded."""

from __future__ import annotations

import asyncio
import html
import re
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from bench.auth_flood import flood
from bench.servers import Server
from tests.server_process import running_server

from tvox_journey.store.migrate import upgrade

ADMIN_PASSWORD = "admin-password-for-tests"
ENV = {"TVOX_JOURNEY_ADMIN_PASSWORD": ADMIN_PASSWORD, "TVOX_JOURNEY_PASSWORD_HASH_MEMORY_KIB": "64"}
API = "/api/v1/contacts"


async def _guesses(base: str, n: int) -> Counter[int]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        answers = await asyncio.gather(*(client.get(API, auth=("admin", f"wrong-{i}")) for i in range(n)))
    return Counter(a.status_code for a in answers)


@pytest.mark.slow
def test_sixty_concurrent_wrong_passwords_check_exactly_five(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    with running_server(db_url, env=ENV, log_path=tmp_path / "server.log") as base:
        assert asyncio.run(_guesses(base, 60)) == Counter({401: 5, 429: 55})


def _csrf(client: httpx.Client, page: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert token is not None
    return html.unescape(token.group(1))


def _log_in(client: httpx.Client, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    data = {"username": username, "password": password, "csrf_token": _csrf(client, "/login")}
    assert client.post("/login", data=data).status_code == 303


@pytest.mark.slow
@pytest.mark.postgres
def test_three_processes_share_the_throttle_the_secret_key_and_the_end_of_a_session(
    postgres_url: str, tmp_path: Path
) -> None:
    upgrade(postgres_url)
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_server(postgres_url, env=ENV, log_path=tmp_path / f"{n}.log"))
            for n in range(3)
        ]
        with httpx.Client(base_url=bases[0], headers={"Accept": "text/html"}) as browser:
            _log_in(browser)
            cookies = dict(browser.cookies)
            for base in bases:  # one key in the database: the session is good everywhere
                assert (
                    httpx.get(f"{base}/contacts", cookies=cookies, headers=browser.headers).status_code == 200
                )
            page = browser.get("/contacts")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            browser.post("/logout", data={"csrf_token": html.unescape(token.group(1))})
            for base in bases:
                response = httpx.get(f"{base}/contacts", cookies=cookies, headers=browser.headers)
                assert response.status_code == 303

        for base in (*bases, *bases[:2]):  # five wrong passwords spread over the three
            assert httpx.get(f"{base}{API}", auth=("admin", "wrong")).status_code == 401
        assert httpx.get(f"{bases[2]}{API}", auth=("admin", ADMIN_PASSWORD)).status_code == 429


@pytest.mark.slow
@pytest.mark.postgres
def test_a_role_changed_on_one_process_applies_on_the_others_at_once(
    postgres_url: str, tmp_path: Path
) -> None:
    upgrade(postgres_url)
    contact = {"name": "Mario", "surname": "Rossi", "numbers": ["0452224600"]}
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_server(postgres_url, env=ENV, log_path=tmp_path / f"{n}.log"))
            for n in range(3)
        ]
        html_headers = {"Accept": "text/html"}
        admin = stack.enter_context(httpx.Client(base_url=bases[0], headers=html_headers))
        _log_in(admin)
        form = {"username": "ops", "password": "ops-password-123", "role": "agent"}
        added = admin.post("/admin/users", data=form | {"csrf_token": _csrf(admin, "/admin/users")})
        assert added.status_code == 303
        ops = stack.enter_context(httpx.Client(base_url=bases[1], headers=html_headers))
        _log_in(ops, "ops", "ops-password-123")
        assert ops.get("/contacts").status_code == 200
        basic = ("ops", "ops-password-123")
        assert httpx.post(f"{bases[2]}{API}", json=contact, auth=basic).status_code == 201  # agents write

        changed = admin.post(
            "/admin/users/ops/role", data={"role": "viewer", "csrf_token": _csrf(admin, "/admin/users")}
        )
        assert changed.status_code == 303
        assert ops.get("/contacts").status_code == 303  # the session ended, on another process
        assert httpx.post(f"{bases[2]}{API}", json=contact, auth=basic).status_code == 403  # cached Basic too
        assert httpx.get(f"{bases[2]}{API}", auth=basic).status_code == 200  # a viewer still reads


@pytest.mark.slow
def test_a_flood_of_random_user_names_keeps_memory_bounded_and_health_answering(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Issue 9's flood (64 clients, random Basic user names), with the real hash cost (64 MiB), from one
    address with its limit lifted, so that every request reaches the hash gate."""
    upgrade(sqlite_url)
    env = {
        "TVOX_JOURNEY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "TVOX_JOURNEY_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE": "100000000",
    }
    with running_server(sqlite_url, env=env, log_path=tmp_path / "server.log") as base:
        pid = _server_pid(base)
        result = asyncio.run(flood(Server(base, pid), seconds=8, concurrency=64))
    assert set(result["answers"]) <= {401, 503}, result
    assert result["peak_rss_mib"] < 300, result
    assert result["healthz_failures"] == 0, result


def _server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and port.encode() in command:
            return int(status.parent.name)
    raise AssertionError("server process not found")
