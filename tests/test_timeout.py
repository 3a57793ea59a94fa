"""A hanging test fails after a bounded time instead of hanging the run (pytest-timeout)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def test_every_test_has_a_time_limit_and_the_dev_tools_bring_the_plugin() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert 0 < project["tool"]["pytest"]["ini_options"]["timeout"] <= 300
    assert any(d.startswith("pytest-timeout") for d in project["project"]["optional-dependencies"]["dev"])


@pytest.mark.timeout(300)  # a second pytest starting on a loaded machine took a minute
def test_a_hanging_test_fails_with_a_timeout_under_the_projects_configuration(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text("import time\n\ndef test_hang():\n    time.sleep(600)\n")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
         "-p", "no:cacheprovider", "-n", "0", "-o", "timeout=2", str(tmp_path / "test_hang.py")],
        capture_output=True, text=True, timeout=280, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Timeout" in run.stdout and "1 failed" in run.stdout
