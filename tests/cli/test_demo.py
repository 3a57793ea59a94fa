"""`tvox-journey demo`: the tutorial's setting, three weeks of history, and the tutorial's calls played
at a server so Mario Rossi's journey fills in."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tvox_journey.cli import app
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.services import contacts as contact_services
from tvox_journey.services import recording
from tvox_journey.settings import Settings
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names
from tvox_journey.store.engine import make_database
from tvox_journey.traffic.entries import request_entry
from tvox_journey.traffic.tutorial import tutorial_requests
from tvox_journey.web.app import create_app

runner = CliRunner()


def test_demo_without_serving_seeds_mario_rossi_and_the_tutorials_names(tmp_path: Path) -> None:
    import tvox_journey.cli.db  # noqa: F401  (registers the commands, as main() does)
    import tvox_journey.cli.demo  # noqa: F401

    path = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--no-serve", "--no-traffic", "--no-history", "--path", str(path)])
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


def callbacks_total(client: TestClient) -> int:
    found = re.search(r'data-callbacks-total="(\d+)"', client.get("/callbacks").text)
    assert found is not None
    return int(found.group(1))


def test_the_demo_starts_with_weeks_of_history_and_mario_rossi_left_to_the_tutorial(tmp_path: Path) -> None:
    import tvox_journey.cli.db  # noqa: F401
    import tvox_journey.cli.demo  # noqa: F401

    path = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--no-serve", "--path", str(path)])
    assert result.exit_code == 0, result.output
    assert re.search(
        r"Demo history: 10 contacts, \d{3} events of the last three weeks and \d+ notes", result.output
    )
    url = f"sqlite:///{path}"
    with TestClient(create_app(Settings(database_url=url, migrate_on_start=False))) as client:
        client.auth = ("admin", "tvox-demo")
        db = client.app.state.resources.db  # type: ignore[attr-defined]
        with db.read.connect() as conn:
            people = {f"{c.name} {c.surname}": c for c in contact_store.all_contacts(conn)}
        assert len(people) == 11
        giulia = client.get(f"/contacts/{people['Giulia Esposito'].id}")
        assert giulia.status_code == 200 and len(re.findall(r'<tr class="kind-', giulia.text)) >= 5
        total = callbacks_total(client)
        assert 5 <= total <= 8
        mario = people["Mario Rossi"]
        assert re.findall(r'<tr class="kind-', client.get(f"/contacts/{mario.id}").text) == []

        # The tutorial's four calls still play on top, all before now, and only Mario has them.
        now = datetime.now(UTC)
        entries = [
            request_entry(r, mappings=Mappings(), received_at=now, tvox_timezone=ZoneInfo("Europe/Rome"))
            for r in tutorial_requests(now)
        ]
        with db.write.begin() as conn:
            recording.record_many(conn, entries, NumberPolicy())
        card = client.get(f"/contacts/{mario.id}").text
        assert len(re.findall(r'<tr class="kind-', card)) == 4
        assert "Operatore 1" in card and "Customer Care" in card
        assert callbacks_total(client) == total
