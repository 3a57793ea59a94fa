"""The docs stay true: the settings table and the CLI help in docs/ are generated from the code.

Regenerate them with `TVOX_JOURNEY_UPDATE_DOCS=1 ./scripts/test tests/test_docs.py`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tvox_journey.cli as cli_package
from tvox_journey.cli import app
from tvox_journey.settings import Settings

DOCS = Path(__file__).parents[1] / "docs"
UPDATE = os.environ.get("TVOX_JOURNEY_UPDATE_DOCS") == "1"


def settings_table() -> str:
    rows = ["| environment variable | default | what |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(none)" if default is None else f"`{default}`"
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `TVOX_JOURNEY_{name.upper()}` | {shown} | {description} |")
    return "\n".join(rows)


def command_paths() -> list[list[str]]:
    """Every command and group, after importing every cli module (as main() does)."""
    for module in pkgutil.iter_modules(cli_package.__path__):
        importlib.import_module(f"tvox_journey.cli.{module.name}")
    paths: list[list[str]] = [[]]
    paths += [[c.name or c.callback.__name__] for c in app.registered_commands if c.callback]
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name
        paths.append([group.name])
        paths += [
            [group.name, c.name or c.callback.__name__]
            for c in group.typer_instance.registered_commands
            if c.callback
        ]
    return paths


def cli_reference() -> str:
    runner = CliRunner()
    parts = []
    for path in command_paths():
        env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        result = runner.invoke(app, [*path, "--help"], env=env)
        assert result.exit_code == 0, result.output
        text = "\n".join(line.rstrip() for line in result.output.strip().splitlines())
        parts.append(f"### `{' '.join(['tvox-journey', *path])}`\n\n```\n{text}\n```")
    return "\n\n".join(parts)


def check_generated(path: Path, marker: str, generated: str) -> None:
    text = path.read_text(encoding="utf-8")
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    assert pattern.search(text), f"{path.name} lacks the {marker} markers"
    updated = pattern.sub(lambda _m: f"{begin}\n{generated}\n{end}", text)
    if UPDATE:
        path.write_text(updated, encoding="utf-8")
    assert updated == text, (
        f"{path.name} is out of date: run TVOX_JOURNEY_UPDATE_DOCS=1 ./scripts/test tests/test_docs.py"
    )


def test_configuration_doc_lists_every_setting() -> None:
    check_generated(DOCS / "configuration.md", "settings", settings_table())


def test_cli_doc_has_the_help_of_every_command() -> None:
    # In a fresh interpreter, as `tvox-journey` runs: commands are listed in the order their modules
    # were first imported, which the other tests of this process change.
    script = "from tests.test_docs import cli_reference; print(cli_reference())"
    fresh = subprocess.run(
        [sys.executable, "-c", script], cwd=DOCS.parent, capture_output=True, text=True, check=True
    )
    check_generated(DOCS / "cli.md", "cli", fresh.stdout.removesuffix("\n"))


@pytest.mark.parametrize("page", ["README.md"])
def test_readme_links_only_to_docs_that_exist(page: str) -> None:
    text = (DOCS.parent / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)\)", text):
        assert (DOCS.parent / target).exists(), target
