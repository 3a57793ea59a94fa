"""Erasure and the audit trail: the audit rows tied to a person's calls keep who did what and when, and
nothing of the person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from tests.test_erasure import MOBILE, TRACES, database_text, erase_from_the_card, native, scene
from tests.web.pages_helpers import HTML


def test_a_missed_call_marked_handled_keeps_nothing_of_the_number_after_an_erasure(
    client: TestClient, db_url: str
) -> None:
    """The audit row of a callback marked handled names the number and may carry a note about the
    person: erased like the rest, it keeps who did it and when."""
    people = scene(client)
    rang = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    assert native(client, "ring", "m-9", MOBILE, rang.isoformat()) == 200
    assert native(client, "hangup", "m-9", MOBILE, (rang + timedelta(seconds=30)).isoformat()) == 200
    note = {"note": f"richiamato Rossi al {MOBILE}"}
    assert client.post(f"/api/v1/callbacks/+39{MOBILE}/handled", json=note).status_code == 200
    erase_from_the_card(client, people.mario)
    assert [trace for trace in TRACES if trace in database_text(db_url)] == []
    audit = client.get("/admin/audit", headers=HTML).text
    assert "callbacks/handled" in audit or "gestit" in audit.lower()
