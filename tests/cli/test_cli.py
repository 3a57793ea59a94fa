"""The command line: database commands and the tutorial's db.json import/export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tvox_journey.cli import app, main  # noqa: F401
from tvox_journey.sim import TUTORIAL_NUMBER, TUTORIAL_START, tutorial_calls
from tvox_journey.store.migrate import head_revision

runner = CliRunner()


def invoke(*args: str) -> str:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.transfer  # noqa: F401

    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def tutorial_document() -> dict[str, object]:
    calls = {c.call_id: c.expected_legacy for c in tutorial_calls(TUTORIAL_START) if c.expected_legacy}
    return {TUTORIAL_NUMBER: {"name": "Mario", "surname": "Rossi", "calls": calls}}


def test_db_upgrade_brings_the_schema_to_head(db_url: str) -> None:
    assert "Database at revision" in invoke("db", "upgrade", "--database", db_url)
    assert f"current: {head_revision()}" in invoke("db", "current", "--database", db_url)


def test_import_then_export_legacy_round_trip_is_lossless(db_url: str, tmp_path: Path) -> None:
    source, target = tmp_path / "db.json", tmp_path / "out.json"
    source.write_text(json.dumps(tutorial_document()), encoding="utf-8")
    output = invoke("import-legacy", str(source), "--database", db_url)
    assert "Imported 1 new contacts of 1" in output
    invoke("export-legacy", str(target), "--database", db_url)
    assert json.loads(target.read_text(encoding="utf-8")) == tutorial_document()


def test_importing_twice_changes_nothing(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "db.json"
    source.write_text(json.dumps(tutorial_document()), encoding="utf-8")
    invoke("import-legacy", str(source), "--database", db_url)
    again = invoke("import-legacy", str(source), "--database", db_url)
    assert "Imported 0 new contacts of 1" in again and "accepted" not in again
    assert json.loads(invoke("export-legacy", "-", "--database", db_url)) == tutorial_document()


def test_import_of_a_file_that_is_not_the_tutorial_format_fails_clearly(
    tmp_path: Path, sqlite_url: str
) -> None:
    source = tmp_path / "db.json"
    source.write_text('{"0452224600": []}', encoding="utf-8")
    result = runner.invoke(app, ["import-legacy", str(source), "--database", sqlite_url])
    assert result.exit_code == 2
    assert "0452224600: expected an object" in result.output


def test_rebuild_refolds_from_the_log(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "db.json"
    source.write_text(json.dumps(tutorial_document()), encoding="utf-8")
    invoke("import-legacy", str(source), "--database", db_url)
    assert "Refolded 4 interactions" in invoke("db", "rebuild", "--database", db_url)


def test_invalid_setting_names_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setenv("TVOX_JOURNEY_DEFAULT_REGION", "XX")
    result = runner.invoke(app, ["db", "current", "--database", sqlite_url])
    assert result.exit_code == 2
    assert "TVOX_JOURNEY_DEFAULT_REGION" in result.output
