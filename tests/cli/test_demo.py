"""`tvox-journey demo`: the tutorial's setting, and its calls played at a server so the journey fills in."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tvox_journey.cli import app
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.store import names
from tvox_journey.store.engine import make_database

runner = CliRunner()


def test_demo_without_serving_seeds_mario_rossi_and_the_tutorials_names(tmp_path: Path) -> None:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.demo  # noqa: F401

    path = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--no-serve", "--no-traffic", "--path", str(path)])
    assert result.exit_code == 0, result.output
    assert "Contact card of Mario Rossi" in result.output
    db = make_database(f"sqlite:///{path}")
    try:
        with db.read.connect() as conn:
            found = contact_services.find_contact_for_number(conn, "0452224600", NumberPolicy())
            known = names.all_names(conn)
    finally:
        db.dispose()
    assert [(c.name, c.surname) for c in found] == [("Mario", "Rossi")]
    assert known[names.AGENT] == {"op1": "Operatore 1", "op2": "Operatore 2"}
