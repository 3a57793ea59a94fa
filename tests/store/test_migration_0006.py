"""Revision 0006 on a database written by 0005, with data: nothing lost, every row sorts, folding goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.fold import fold
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import recording
from tvox_journey.store import interactions
from tvox_journey.store.codec import event_to_json, interaction_to_json
from tvox_journey.store.engine import make_database
from tvox_journey.store.event_log import LogEntry, LogOutcome, dedupe_key
from tvox_journey.store.interactions import Cursor
from tvox_journey.store.migrate import current_revision, head_revision, upgrade
from tvox_journey.store.schema import contact_numbers, contacts, event_log
from tvox_journey.store.schema import interactions as interactions_table

POLICY = NumberPolicy()
T0 = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)
NUMBER = "0452224600"
KEY = "+390452224600"


def event(call_id: str, action: Action, seconds: int) -> CallEvent:
    at = T0 + timedelta(seconds=seconds)
    return CallEvent(
        call_id, CallType.SERVICE, action, Instant(at, at.isoformat()), number=NUMBER, agent="op1"
    )


def write_as_0005(db_url: str) -> None:
    """Rows as 0005 wrote them: no `earliest` in the JSON, a NULL sort time without an opening instant."""
    calls = {
        "rung": [event("rung", Action.RING, 10), event("rung", Action.HANGUP, 40)],
        "only-no-answer": [event("only-no-answer", Action.NO_ANSWER, 20)],
        "never-logged": [event("never-logged", Action.NO_ANSWER, 30)],  # written by hand: no log row
    }
    database = make_database(db_url)
    try:
        with database.write.begin() as conn:
            seq = 0
            for call_id, events in calls.items():
                for e in events if call_id != "never-logged" else ():
                    params = [("callId", call_id), ("at", e.occurred.text), ("event", e.action.value)]
                    seq = conn.execute(
                        insert(event_log).returning(event_log.c.seq),
                        {
                            "received_at": T0 + timedelta(hours=1),
                            "method": "GET",
                            "path": "/tvox/events",
                            "route": "tvox/events",
                            "params": params,
                            "outcome": LogOutcome.ACCEPTED,
                            "status_code": 200,
                            "dedupe_key": dedupe_key("tvox/events", params),
                            "call_id": call_id,
                            "event": event_to_json(e),
                        },  # fmt: skip
                    ).scalar_one()
                folded = fold(events)
                assert folded is not None
                data = interaction_to_json(folded)
                del data["earliest"]
                first = folded.first
                conn.execute(
                    insert(interactions_table),
                    {
                        "call_id": call_id,
                        "kind": folded.kind.value,
                        "direction": folded.direction.value,
                        "outcome": folded.outcome.value,
                        "number_key": KEY,
                        "is_internal": False,
                        "agent": folded.agent,
                        "service": folded.service,
                        "sort_at": first.at if first else None,
                        "ended_at": None,
                        "data": data,
                        "search_text": "",
                        "last_seq": seq,
                        "cleared": False,
                    },  # fmt: skip
                )
            contact_id = conn.execute(
                insert(contacts).returning(contacts.c.id),
                {"name": "Mario", "surname": "Rossi", "created_at": T0, "updated_at": T0},
            ).scalar_one()
            conn.execute(
                insert(contact_numbers),
                {"contact_id": contact_id, "raw": NUMBER, "number_key": KEY, "position": 0},
            )
    finally:
        database.dispose()


def counts(db_url: str) -> dict[str, int]:
    database = make_database(db_url)
    try:
        with database.read.connect() as conn:
            tables = (event_log, interactions_table, contacts, contact_numbers)
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
    finally:
        database.dispose()


def test_upgrade_from_0005_with_data_gives_every_row_a_sort_time_and_keeps_everything(db_url: str) -> None:
    upgrade(db_url, "0005")
    write_as_0005(db_url)
    before = counts(db_url)

    upgrade(db_url)

    assert current_revision(db_url) == head_revision()
    assert counts(db_url) == before
    database = make_database(db_url)
    try:
        with database.read.connect() as conn:
            stored = {s.interaction.call_id: s for s in interactions.journey(conn, [KEY], limit=50)}
            assert {c: s.sort_at for c, s in stored.items()} == {
                "rung": T0 + timedelta(seconds=10),  # unchanged: its first instant
                "only-no-answer": T0 + timedelta(seconds=20),  # the earliest time its events carry
                "never-logged": interactions.UNKNOWN_SORT_AT,  # nothing to go by: oldest
            }
            paged: list[str] = []
            cursor = None
            while page := interactions.journey(conn, [KEY], limit=1, after=cursor):
                paged += [s.interaction.call_id for s in page]
                cursor = Cursor.after(page[-1])
                assert len(paged) <= 3, paged
            assert paged == ["only-no-answer", "rung", "never-logged"]

        # Folding goes on: a later event of an old call refolds it from the log, in order.
        late = event("only-no-answer", Action.RING, 5)
        params = (("callId", "only-no-answer"), ("at", late.occurred.text), ("event", "ring"))
        entry = LogEntry(
            T0, "GET", "/tvox/events", "tvox/events", params, LogOutcome.ACCEPTED, 200, event=late
        )
        with database.write.begin() as conn:
            recording.record(conn, entry, POLICY)
        with database.read.connect() as conn:
            order = [s.interaction.call_id for s in interactions.journey(conn, [KEY])]
            refolded = interactions.get(conn, "only-no-answer")
        assert order == ["rung", "only-no-answer", "never-logged"]
        assert refolded is not None and refolded.interaction.event_count == 2
        assert refolded.sort_at == T0 + timedelta(seconds=5)
    finally:
        database.dispose()
