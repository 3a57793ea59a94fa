"""`tvox-journey doctor`: the installation's checks and every web service's status, on real databases."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from tvox_journey.cli import app
from tvox_journey.settings import Settings
from tvox_journey.sim import Request, tutorial_calls
from tvox_journey.store.migrate import upgrade
from tvox_journey.web.app import create_app

runner = CliRunner()
USER, PASSWORD = "tvox", "a-long-webhook-password-for-tests"
CREDENTIALS = {"TVOX_JOURNEY_WEBHOOK_USER": USER, "TVOX_JOURNEY_WEBHOOK_PASSWORD": PASSWORD}
TUTORIAL_PATHS = [
    "/service/ring", "/service/answer", "/service/hangup", "/outbound/new", "/outbound/answer",
    "/outbound/hangup", "/transfer/transfer", "/transfer/answer", "/transfer/hangup",
]  # fmt: skip
Json = dict[str, Any]


def doctor(*args: str, env: dict[str, str] | None = None) -> Result:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.doctor  # noqa: F401

    return runner.invoke(app, ["doctor", "--lang", "en", *args], env=env)


def doctor_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, Json]:
    result = doctor("--format", "json", *args, env=env)
    document: Json = json.loads(result.output)
    return result.exit_code, document


def lines_of(result: Result) -> dict[str, str]:
    """The report's lines by what they are about (a check's title, a path), spaces collapsed."""
    found = {}
    for line in result.output.splitlines():
        level, _, rest = line.partition(" ")
        if level in ("OK", "INFO", "WARN", "FAIL"):
            key = rest.strip().split(":")[0].split("  ")[0]
            found[key] = " ".join([level, *rest.split()])
    return found


@contextmanager
def tvox_server(url: str, address: str = "testclient") -> Iterator[TestClient]:
    """The server on `url`, with webhook credentials, for requests from `address` (in process)."""
    settings = Settings(
        database_url=url, webhook_user=USER, webhook_password=PASSWORD,
        admin_password="admin-password-for-tests", password_hash_memory_kib=64, write_timeout=30,
    )  # fmt: skip
    with TestClient(create_app(settings), client=(address, 50000)) as client:
        client.auth = (USER, PASSWORD)
        yield client


def tutorial_requests() -> list[Request]:
    calls = tutorial_calls(datetime.now(UTC) - timedelta(hours=1))
    return sorted((r for call in calls for r in call.requests), key=lambda r: r.at)


def send(client: TestClient, path: str, params: Sequence[tuple[str, str]], status: int = 200) -> None:
    response = client.get(path, params=list(params))
    assert response.status_code == status, response.text


def play_tutorial(client: TestClient) -> None:
    for request in tutorial_requests():
        send(client, f"/{request.path}", request.params)


def test_a_healthy_installation_with_every_tutorial_route_working_exits_0(db_url: str) -> None:
    with tvox_server(db_url) as client:
        play_tutorial(client)
    result = doctor("--database", db_url, env=CREDENTIALS)
    assert result.exit_code == 0, result.output
    assert " WARN " not in f" {result.output} " and "FAIL" not in result.output.replace("0 FAIL", "")
    lines = lines_of(result)
    for path in TUTORIAL_PATHS:
        assert lines[path].startswith(f"OK {path}") and "working: the last at" in lines[path], lines[path]
    assert "Database schema" in lines and lines["Webhook credentials"].startswith("OK")
    assert "TVox's requests arrive" in lines["Listening address"]
    assert "generated and kept in the database" in lines["Secret key"]
    assert lines["Last request from TVox"].startswith("OK")
    assert "layout tutorial" in result.output
    status, document = doctor_json("--database", db_url, env=CREDENTIALS)
    assert status == 0 and document["status"] == "ok" and document["exit_status"] == 0
    rows = {row["path"]: row for row in document["web_services"]["rows"]}
    assert list(rows) == TUTORIAL_PATHS
    assert rows["/service/ring"]["status"] == "working" and rows["/service/ring"]["accepted_recent"] == 3
    assert rows["/transfer/transfer"]["accepted_recent"] == 4  # two transfers, two consultation events
    assert all(row["problems"] == [] for row in rows.values())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_database_that_is_down_fails_its_check_fast() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test"
    started = time.monotonic()
    result = doctor("--database", url, env=CREDENTIALS)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1, result.output
    line = lines_of(result)["Database"]
    assert line.startswith("FAIL Database") and "Connection refused" in line and "start the database" in line
    assert "Web services: not checked, the database cannot be read" in result.output
    status, document = doctor_json("--database", url, env=CREDENTIALS)
    assert status == 1 and document["status"] == "fail" and document["web_services"] is None
    assert {c["id"]: c["level"] for c in document["checks"]}["database"] == "fail"


def test_a_database_that_does_not_answer_fails_within_the_connect_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/test"
        started = time.monotonic()
        result = doctor("--database", url, env={"TVOX_JOURNEY_DB_CONNECT_TIMEOUT": "2"})
        elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    line = lines_of(result)["Database"]  # the driver's timeout, or doctor's own bound just after it
    assert line.startswith("FAIL") and ("timeout expired" in line or "does not answer within 2 s" in line)
    assert elapsed < 6


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    result = doctor("--database", f"sqlite:///{path}", env=CREDENTIALS)
    assert result.exit_code == 1
    assert f"the file {path} does not exist" in lines_of(result)["Database"]
    assert not path.exists()


def test_an_empty_database_is_reachable_but_not_migrated(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = doctor("--database", f"sqlite:///{path}", env=CREDENTIALS)
    assert result.exit_code == 1
    assert lines_of(result)["Database"].startswith("OK")
    assert "empty database, never migrated: `tvox-journey db upgrade`" in lines_of(result)["Database schema"]


def test_invalid_settings_fail_by_name_and_the_rest_is_still_checked(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    env = {**CREDENTIALS, "TVOX_JOURNEY_DISPLAY_TIMEZONE": "Europe/Rom", "TVOX_JOURNEY_MAX_PARAMS": "3"}
    result = doctor("--database", sqlite_url, env=env)
    assert result.exit_code == 1, result.output
    lines = lines_of(result)
    assert "TVOX_JOURNEY_DISPLAY_TIMEZONE: unknown time zone 'Europe/Rom'" in lines["Time zone and region"]
    assert lines["Setting TVOX_JOURNEY_MAX_PARAMS"].startswith("FAIL")
    assert lines["Database"].startswith("OK") and lines["Webhook credentials"].startswith("OK")
    half = doctor("--database", sqlite_url, env={"TVOX_JOURNEY_WEBHOOK_USER": USER})
    assert "set both webhook_user and webhook_password, or neither" in lines_of(half)["Webhook credentials"]


def test_no_webhook_credentials_on_a_public_address_fails_naming_it(db_url: str) -> None:
    upgrade(db_url)
    result = doctor("--database", db_url, "--host", "0.0.0.0")
    assert result.exit_code == 1, result.output
    line = lines_of(result)["Webhook credentials"]
    assert line.startswith("FAIL") and "none, and the server listens on 0.0.0.0" in line
    assert "TVOX_JOURNEY_WEBHOOK_USER" in line
    assert lines_of(result)["Listening address"].startswith("OK")
    allowed = doctor("--database", db_url, "--host", "0.0.0.0", "--allow-open-webhooks")  # as serve allows
    assert allowed.exit_code == 0 and lines_of(allowed)["Webhook credentials"].startswith("WARN")
    loopback = doctor("--database", db_url)  # only this machine: a warning, not a failure
    assert loopback.exit_code == 0, loopback.output
    assert lines_of(loopback)["Webhook credentials"].startswith("WARN")
    assert doctor("--database", db_url, "--strict").exit_code == 1


def test_a_broken_mapping_file_fails_naming_the_file_and_the_line(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[routes."service/ring"]\nnumero = "cli"\noperatore = "pinn"\n', encoding="utf-8")
    env = {**CREDENTIALS, "TVOX_JOURNEY_MAPPING_FILE": str(mapping)}
    result = doctor("--database", sqlite_url, env=env)
    assert result.exit_code == 1, result.output
    line = lines_of(result)["Mapping file"]
    assert line.startswith("FAIL") and f"{mapping}, line 3: operatore: unknown TVox variable 'pinn'" in line
    assert lines_of(result)["Database"].startswith("OK")  # the rest is still checked
    mapping.write_text('[routes."service/ring"]\nnumero = "cli"\n', encoding="utf-8")
    fixed = doctor("--database", sqlite_url, env=env)
    assert fixed.exit_code == 0 and f"{mapping}: valid, 1 names" in lines_of(fixed)["Mapping file"]


def test_a_misspelled_variable_and_a_missing_one_make_their_routes_incomplete(db_url: str) -> None:
    with tvox_server(db_url) as client:
        for request in tutorial_requests():
            params = list(request.params)
            if request.path == "service/ring":  # `service` typed as `servize` in the OCC
                params = [("servize" if name == "service" else name, value) for name, value in params]
            if request.path == "outbound/new":  # the agent never mapped
                params = [(name, value) for name, value in params if name != "agent"]
            send(client, f"/{request.path}", params)
    result = doctor("--database", db_url, env=CREDENTIALS)
    assert result.exit_code == 1, result.output
    assert lines_of(result)["/service/ring"].startswith("FAIL /service/ring incomplete: the last at")
    assert "- `service` never received: map `servizio -> service` in this event" in result.output
    assert "- `servize` arrives but nothing reads it: likely a typo for `service`" in result.output
    assert "- `agent` never received: map `userclid -> agent` in this event" in result.output
    _, document = doctor_json("--database", db_url, env=CREDENTIALS)
    rows = {row["path"]: row for row in document["web_services"]["rows"]}
    ring = {(p["kind"], p["name"]) for p in rows["/service/ring"]["problems"]}
    assert ring == {("missing", "service"), ("unread", "servize")}
    assert [(p["kind"], p["variable"]) for p in rows["/outbound/new"]["problems"]] == [
        ("missing", "userclid")
    ]
    assert rows["/outbound/new"]["status"] == "incomplete" and rows["/service/answer"]["status"] == "working"


def test_a_native_event_without_the_callers_number_is_incomplete(sqlite_url: str) -> None:
    ring = next(r for r in tutorial_requests() if r.path == "service/ring")
    values = dict(ring.params)
    native = [("dateISO", values["dateTime"]), ("idlastcall", values["callId"]), ("pin", "op1"),
              ("servizio", "customercare")]  # fmt: skip
    with tvox_server(sqlite_url) as client:
        send(client, "/tvox/events/service/ring", native)
        send(client, "/tvox/events/service/answer", [*native, ("cli", "")])
    result = doctor("--database", sqlite_url, "--types", "service", env=CREDENTIALS)
    assert result.exit_code == 1, result.output
    assert "layout native" in result.output
    lines = lines_of(result)
    assert lines["/tvox/events/service/ring"].startswith("FAIL /tvox/events/service/ring incomplete")
    assert "- `cli` never received: map `cli -> cli` in this event" in result.output
    assert "- `cli` always empty (requests read: 1): check the row `cli -> cli`" in result.output
    assert lines["/tvox/events/service/hangup"].startswith("INFO /tvox/events/service/hangup waiting")


def test_refused_requests_make_their_route_failing_with_the_last_reason(db_url: str) -> None:
    requests = tutorial_requests()
    ring = next(r for r in requests if r.path == "service/ring")
    answer = next(r for r in requests if r.path == "service/answer")
    with tvox_server(db_url) as client:
        play_tutorial(client)
        client.auth = (USER, "the-old-password")
        send(client, "/service/ring", ring.params, status=401)
        client.auth = (USER, PASSWORD)
        send(client, "/service/answer", [(n, v) for n, v in answer.params if n != "callId"], status=422)
    result = doctor("--database", db_url, env=CREDENTIALS)
    assert result.exit_code == 1, result.output
    lines = lines_of(result)
    assert lines["/service/ring"].startswith("FAIL /service/ring failing: 1 refused, the last at")
    assert "401 wrong HTTP Basic credentials for user 'tvox'" in lines["/service/ring"]
    assert "Username and Password of this web service in the OCC" in lines["/service/ring"]
    assert "422 callId: missing" in lines["/service/answer"]
    status, document = doctor_json("--database", db_url, env=CREDENTIALS)
    rows = {row["path"]: row for row in document["web_services"]["rows"]}
    assert status == 1 and rows["/service/ring"]["status"] == "failing"
    assert rows["/service/ring"]["last_refused_status"] == 401
    assert rows["/service/answer"]["last_refused_reason"] == "callId: missing"
    assert rows["/service/hangup"]["status"] == "working"


def test_requests_matching_no_web_service_are_listed_with_a_guess(db_url: str) -> None:
    ring = next(r for r in tutorial_requests() if r.path == "service/ring")
    with tvox_server(db_url) as client:
        send(client, "/service/ring.php", ring.params)
        send(client, "/service/rign.php", ring.params, status=404)
    with tvox_server(db_url, address="203.0.113.7") as scanner:  # refusals are counted per address
        send(scanner, "/wp-login.php", [], status=404)
    result = doctor("--database", db_url, "--layout", "native", "--types", "service", env=CREDENTIALS)
    lines = lines_of(result)
    assert "a tutorial Uri, but the native layout is checked" in lines["/service/ring.php"]
    assert (
        lines["/service/rign.php"].startswith("WARN") and "likely /service/ring" in lines["/service/rign.php"]
    )
    assert lines["/wp-login.php"].startswith("INFO") and "does not look like TVox" in lines["/wp-login.php"]
    assert "/tvox/events/service/ring" in lines and "/tvox/events/outbound/new" not in lines
    assert result.exit_code == 0, result.output  # warnings only
    auto = doctor("--database", db_url, env=CREDENTIALS)  # the layout the log shows: the tutorial's
    assert lines_of(auto)["/service/ring"].startswith("OK /service/ring working")


def test_bad_options_are_usage_errors() -> None:
    assert doctor("--format", "yaml").exit_code == 2
    assert doctor("--layout", "php").exit_code == 2
    assert doctor("--types", "fax").exit_code == 2
