"""Erasure and the audit trail: the audit rows tied to a person's calls keep who did what and when, and
nothing of the person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.test_erasure import MOBILE, TRACES, database_text, erase_from_the_card, native, scene

from tvox_journey.domain.redaction import ERASED
from tvox_journey.store.callbacks import HANDLED
from tvox_journey.store.engine import make_database
from tvox_journey.store.schema import event_log


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
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            query = select(event_log.c.actor, event_log.c.params).where(event_log.c.route == HANDLED)
            kept = [(actor, params) for actor, params in conn.execute(query)]
    finally:
        db.dispose()
    assert kept == [
        ("admin", [["number", ERASED], ["attempts", ERASED], ["through", ERASED], ["note", ERASED]])
    ]
