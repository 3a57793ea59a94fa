"""The storage contract, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from tvox_journey.domain.events import Action, CallEvent, CallType, Instant
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.services import recording
from tvox_journey.store import contacts, event_log, interactions
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogEntry, LogOutcome
from tvox_journey.store.interactions import Cursor

POLICY = NumberPolicy()
T0 = datetime(2020, 11, 20, 10, 0, tzinfo=UTC)


def ring(call_id: str, number: str, seconds: int = 0, agent: str = "op1") -> LogEntry:
    when = T0 + timedelta(seconds=seconds)
    event = CallEvent(
        call_id, CallType.SERVICE, Action.RING, Instant(when, when.isoformat()), number=number, agent=agent
    )
    params = (("callId", call_id), ("dateTime", when.isoformat()), ("callerNumber", number))
    return LogEntry(T0, "GET", "/service/ring", "service/ring", params, LogOutcome.ACCEPTED, 200, event=event)


def record(conn: Connection, entry: LogEntry) -> recording.Recorded:
    return recording.record(conn, entry, POLICY)


def test_the_same_route_and_params_are_stored_once_and_logged_as_duplicate(db: Database) -> None:
    with db.write.begin() as conn:
        first = record(conn, ring("c1", "0452224600"))
        again = record(conn, ring("c1", "0452224600"))
    assert (first.outcome, again.outcome) == ("accepted", "duplicate")
    with db.read.connect() as conn:
        rows = event_log.recent(conn)
        assert [r["outcome"] for r in rows] == ["duplicate", "accepted"]
        assert len(event_log.events_for_call(conn, "c1")) == 1


def test_rejected_request_is_logged_with_its_reason_and_no_interaction(db: Database) -> None:
    entry = LogEntry(
        T0,
        "GET",
        "/service/ring",
        "service/ring",
        (("x", "<b>"),),
        LogOutcome.REJECTED,
        422,
        reason="callId: missing",
    )
    with db.write.begin() as conn:
        record(conn, entry)
    with db.read.connect() as conn:
        (row,) = event_log.recent(conn)
        assert (row["reason"], row["params"]) == ("callId: missing", [["x", "<b>"]])
        assert interactions.get(conn, "c1") is None


def test_contact_created_after_its_calls_gets_their_history(db: Database) -> None:
    with db.write.begin() as conn:
        record(conn, ring("c1", "0452224600", 0))
        record(conn, ring("c2", "+39 045 222 4600", 60))
        contact_id = contacts.create(
            conn, name="Mario", surname="Rossi", company=None,
            numbers=contact_services.contact_numbers(["00390452224600"], POLICY), now=T0,
        )  # fmt: skip
    with db.read.connect() as conn:
        contact = contacts.get(conn, contact_id)
        assert contact is not None
        journey = interactions.journey(conn, contact.number_keys)
    assert [s.interaction.call_id for s in journey] == ["c2", "c1"]


def test_journey_pages_with_a_cursor_newest_first(db: Database) -> None:
    with db.write.begin() as conn:
        for i in range(7):
            record(conn, ring(f"c{i}", "0452224600", i))
    key = POLICY.key("0452224600")
    assert key is not None
    seen: list[str] = []
    cursor = None
    with db.read.connect() as conn:
        while True:
            page = interactions.journey(conn, [key], limit=3, after=cursor)
            if not page:
                break
            seen += [s.interaction.call_id for s in page]
            cursor = Cursor.after(page[-1])
    assert seen == [f"c{i}" for i in reversed(range(7))]


def test_stats_count_recent_and_missed_calls(db: Database) -> None:
    with db.write.begin() as conn:
        record(conn, ring("c1", "0452224600", 0))
        hangup = ring("c1", "0452224600", 10)
        event = hangup.event
        assert event is not None
        ended = CallEvent("c1", CallType.SERVICE, Action.HANGUP, event.occurred, number="0452224600")
        record(
            conn,
            LogEntry(
                T0,
                "GET",
                "/service/hangup",
                "service/hangup",
                (("h", "1"),),
                LogOutcome.ACCEPTED,
                200,
                event=ended,
            ),
        )
        record(conn, ring("c2", "0452224600", 100))
    key = POLICY.key("0452224600")
    assert key is not None
    with db.read.connect() as conn:
        stats = interactions.journey_stats(conn, [key], since=T0 + timedelta(seconds=50))
    assert (stats.total, stats.last_30_days, stats.missed) == (2, 1, 1)


def test_cleared_journey_stays_cleared_when_late_events_arrive_and_log_keeps_them(db: Database) -> None:
    with db.write.begin() as conn:
        record(conn, ring("c1", "0452224600", 0))
        contact_id = contacts.create(
            conn, name="Mario", surname="Rossi", company=None,
            numbers=contact_services.contact_numbers(["0452224600"], POLICY), now=T0,
        )  # fmt: skip
        contact = contacts.get(conn, contact_id)
        assert contact is not None
        assert contact_services.clear_journey(conn, contact, actor="admin", now=T0).shown == 1
        record(conn, ring("c1", "0452224600", 5, agent="op2"))
        record(conn, ring("c3", "0452224600", 50))
    with db.read.connect() as conn:
        assert [s.interaction.call_id for s in interactions.journey(conn, contact.number_keys)] == ["c3"]
        outcomes = [r["outcome"] for r in event_log.recent(conn)]
    assert outcomes.count("accepted") == 3 and outcomes.count("action") == 1


def test_number_shared_by_two_contacts_is_found_for_both(db: Database) -> None:
    with db.write.begin() as conn:
        for name in ("Anna", "Luca"):
            contacts.create(
                conn, name=name, surname="Bianchi", company="ACME",
                numbers=contact_services.contact_numbers(["02 1234 5678"], POLICY), now=T0,
            )  # fmt: skip
        owners = contact_services.find_contact_for_number(conn, "+390212345678", POLICY)
    assert [c.name for c in owners] == ["Anna", "Luca"]


def test_contacts_search_by_name_and_by_number_in_any_format(db: Database) -> None:
    with db.write.begin() as conn:
        contacts.create(
            conn, name="Mario", surname="Rossi", company=None,
            numbers=contact_services.contact_numbers(["0452224600"], POLICY), now=T0,
        )  # fmt: skip
        contacts.create(conn, name="Giulia", surname="Verdi", company="100% Srl", numbers=[], now=T0)
    with db.read.connect() as conn:
        assert [c.surname for c in contacts.search(conn, text="rossi mario")] == ["Rossi"]
        assert [c.surname for c in contacts.search(conn, text="100%")] == ["Verdi"]
        assert [c.surname for c in contacts.search(conn, number_key=POLICY.key("+39 045 222 4600"))] == [
            "Rossi"
        ]


def test_rebuild_refolds_every_call_from_the_log(db: Database) -> None:
    with db.write.begin() as conn:
        record(conn, ring("c1", "0452224600", 0))
        record(conn, ring("c2", "0452224600", 10))
    assert recording.rebuild(db, POLICY) == 2
    with db.read.connect() as conn:
        stored = interactions.get(conn, "c2")
    assert stored is not None and stored.interaction.agent == "op1"


def test_internal_extension_calls_stay_out_of_journeys_and_unknown_numbers(db: Database) -> None:
    with db.write.begin() as conn:
        record(conn, ring("c1", "201"))
        record(conn, ring("c2", "3331234567"))
    with db.read.connect() as conn:
        stored = interactions.get(conn, "c1")
        assert stored is not None and stored.is_internal
        assert [s.interaction.call_id for s in interactions.unknown_numbers(conn)] == ["c2"]


def test_nul_and_surrogates_from_bad_input_are_stored_replaced(db: Database) -> None:
    entry = LogEntry(
        T0, "GET", "/x\x00y", "unknown", (("a\x00", "\udcff"),), LogOutcome.REJECTED, 404, reason="path \x00"
    )
    with db.write.begin() as conn:
        record(conn, entry)
    with db.read.connect() as conn:
        (row,) = event_log.recent(conn)
    assert (row["path"], row["params"], row["reason"]) == ("/x\ufffdy", [["a\ufffd", "?"]], "path \ufffd")


def test_contact_text_with_nul_is_stored_replaced(db: Database) -> None:
    with db.write.begin() as conn:
        contact_id = contacts.create(conn, name="A\x00", surname="B", company=None, numbers=[], now=T0)
        contact = contacts.get(conn, contact_id)
    assert contact is not None and contact.name == "A\ufffd"
