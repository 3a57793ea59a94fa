"""`tvox-journey log replay`, beside a running app on SQLite and PostgreSQL: a dry run writes nothing, a
replay with a fixed mapping file folds the refused calls and is audited, a second one finds nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.log_helpers import all_rows, refused_ring
from typer.testing import CliRunner, Result

from tvox_journey.cli import app
from tvox_journey.store.schema import event_log

runner = CliRunner()


def invoke(*args: str) -> Result:
    from tvox_journey.cli import log  # noqa: F401  (registers the command)

    return runner.invoke(app, ["log", "replay", *args])


def mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text('[routes."service/ring"]\nnumeroChiamante = "cli"\n', encoding="utf-8")
    return path


def test_a_dry_run_says_what_a_replay_would_do_and_writes_nothing(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    refused_ring(client, "c1")
    before = all_rows(client)
    unfixed = invoke("--dry-run", "--database", db_url)
    assert unfixed.exit_code == 0, unfixed.output
    assert "Would replay 1 requests:\n  still rejected: 1\n" in unfixed.output
    assert "callerNumber: missing" in unfixed.output
    fixed = invoke("--dry-run", "--mapping-file", str(mapping_file(tmp_path)), "--database", db_url)
    assert "Would replay 1 requests:\n  accepted: 1\nDry run: nothing was written." in fixed.output
    assert all_rows(client) == before


def test_a_replay_with_the_fixed_mapping_file_folds_the_call_once_and_is_audited(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    refused_ring(client, "c1")
    refused_ring(client, "c2")
    mapping = str(mapping_file(tmp_path))
    done = invoke(
        "--route", "service/ring", "--since", "2000-01-01", "--mapping-file", mapping, "--database", db_url
    )
    assert done.exit_code == 0, done.output
    assert "Replayed 2 requests:\n  accepted: 2\n" in done.output
    for call_id in ("c1", "c2"):
        call = client.get(f"/api/v1/interactions/{call_id}")
        assert call.status_code == 200 and call.json()["number_normalized"] == "+390452224600"
    again = invoke("--mapping-file", mapping, "--database", db_url)
    assert "Replayed 0 requests:" in again.output
    db = client.app.state.resources.db  # type: ignore[attr-defined]
    with db.read.connect() as conn:
        query = select(event_log.c.actor, event_log.c.params).where(event_log.c.route == "log/replay")
        audited = [(r.actor, dict(r.params)) for r in conn.execute(query.order_by(event_log.c.seq))]
    assert [(actor, details["accepted"], details.get("route")) for actor, details in audited] == [
        ("cli", "2", "service/ring"),
        ("cli", "0", None),
    ]


def test_a_replay_in_a_time_range_that_holds_nothing_replays_nothing(client: TestClient, db_url: str) -> None:
    refused_ring(client, "c1")
    done = invoke("--until", "2001-01-01", "--database", db_url)
    assert done.exit_code == 0 and "Replayed 0 requests:" in done.output


def test_bad_options_are_named_and_refused(db_url: str) -> None:
    for args, message in (
        (["--outcome", "accepted"], "--outcome must be rejected or unrecognized"),
        (["--since", "yesterday"], "--since: not a date/time"),
        (["--until", "2026-13-01"], "--until: not a date/time"),
        (["--limit", "0"], "Invalid value for '--limit'"),
    ):
        result = invoke(*args, "--database", db_url)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, result.output
