"""The demo's history written to a database: its contacts, display names and calls.

The calls go through `services.recording.record_many` as the webhooks' deliveries do (each
request read by the webhook of its path, logged verbatim, then folded), only without HTTP: a
few hundred requests in one transaction take well under a second, so `demo` starts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.services import contacts as contact_services
from tvox_journey.services import notes, recording
from tvox_journey.sim.history import History, demo_notes
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import directory, names
from tvox_journey.store.engine import Database
from tvox_journey.store.event_log import LogOutcome
from tvox_journey.traffic.entries import request_entry

DELIVERY = timedelta(milliseconds=40)  # from TVox's event to our log, on a quiet network
BATCH = 500  # requests a `record_many` call takes


NOTE_AFTER = timedelta(minutes=3)  # an agent writes the note once the call is over


@dataclass(frozen=True)
class RecordedHistory:
    """What was written: contacts created (their ids by "Name Surname"), requests by outcome, and how
    many notes the agents wrote on calls."""

    contact_ids: dict[str, int]
    outcomes: dict[str, int]
    notes: int = 0


def record_history(
    db: Database, history: History, policy: NumberPolicy, *, tvox_timezone: tzinfo
) -> RecordedHistory:
    """Add the history's contacts, agents' and services' names, every request it holds, and the notes
    its agents wrote (`sim.history.demo_notes`, through the notes service), in one transaction.

    Requests are read with the default variable mappings (the history was sent by a TVox
    configured by `tvox-config`); each is received 40 ms after its event, never after `now`.
    """
    mappings = Mappings()
    entries = [
        request_entry(
            request,
            mappings=mappings,
            received_at=min(request.at + DELIVERY, history.now),
            tvox_timezone=tvox_timezone,
        )  # fmt: skip
        for request in history.requests
    ]
    contact_ids: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    with db.write.begin() as conn:
        for contact in history.contacts:
            contact_ids[f"{contact.name} {contact.surname}"] = contact_store.create(
                conn, name=contact.name, surname=contact.surname, company=contact.company,
                numbers=contact_services.contact_numbers(contact.numbers, policy),
                now=history.now - timedelta(days=60),
            )  # fmt: skip
        for agent in history.agents:  # one directory entry an agent: its username and its PIN
            names.set_name(conn, names.AGENT, agent.username, agent.name)
            entry = directory.entry_of(conn, names.AGENT, agent.username)
            if entry is not None:
                directory.add_code(conn, names.AGENT, agent.pin, entry, "pin")
        for service in history.services:
            names.set_name(conn, names.SERVICE, service.code, service.name)
        for start in range(0, len(entries), BATCH):
            for recorded in recording.record_many(conn, entries[start : start + BATCH], policy):
                outcome = LogOutcome(recorded.outcome).value
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        ended = {call.call_id: max(r.at for r in call.requests) for call in history.calls}
        written = 0
        for note in demo_notes(history):
            when = min(ended[note.call_id] + NOTE_AFTER, history.now)
            entered = notes.draft(note.text, note.outcome)
            saved = notes.add_note(conn, note.call_id, entered, username=note.author, role="agent", now=when)
            written += isinstance(saved, notes.Saved)
    return RecordedHistory(contact_ids, outcomes, written)
