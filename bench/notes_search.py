"""`python -m bench.notes_search`: the contacts search when it reads notes, timed.

For SQLite and PostgreSQL (a fresh database each): 10,000 contacts, 100,000 interactions of their
numbers and 100,000 notes of about 200 characters on them; then the contacts search (what `/contacts?q=`
and `GET /api/v1/contacts?q=` run) for a word in one note, a word in no note, and a word in every tenth
note, each the median of 5 runs. A note's text is matched as a substring of its case-folded copy: a scan
of the notes table, reaching contacts through indexes.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert

from bench.run import RESULTS, machine, postgres_available, postgres_schema
from tvox_journey.domain.events import Instant
from tvox_journey.domain.interaction import Direction, Interaction, Kind
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import contacts as contact_services
from tvox_journey.store.engine import make_database
from tvox_journey.store.interactions import StoredInteraction, interaction_row
from tvox_journey.store.migrate import upgrade
from tvox_journey.store.schema import contact_numbers, contacts, interactions, notes

CONTACTS = 10_000
INTERACTIONS = 100_000
NOTES = 100_000
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WORDS = "cliente richiama ordine fattura consegna preventivo sconto reclamo informazioni tecnico".split()
POLICY = NumberPolicy()


def load(conn: Connection, rng: random.Random) -> None:
    stamps = {"created_at": NOW, "updated_at": NOW}
    people = [
        {"id": i, "name": "Mario", "surname": f"Rossi {i}", "company": None} for i in range(1, CONTACTS + 1)
    ]
    conn.execute(insert(contacts), [p | stamps for p in people])
    keys = [f"+39333{i:07d}" for i in range(CONTACTS)]
    conn.execute(insert(contact_numbers), [
        {"contact_id": i + 1, "raw": k, "number_key": k, "position": 0} for i, k in enumerate(keys)
    ])  # fmt: skip
    at = Instant(NOW, "")
    base = Interaction(
        call_id="t", kind=Kind.SERVICE, direction=Direction.IN, number="x", agent="op1", service="cc",
        started=at, answered=at, ended=at,
    )  # fmt: skip
    template = interaction_row(StoredInteraction(base, None, False, 1, False))
    rows = [
        template | {"call_id": f"{i}.1@bench", "number_key": rng.choice(keys)} for i in range(INTERACTIONS)
    ]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(interactions), rows[start : start + 5000])
    note_rows = []
    for i in range(NOTES):
        words = " ".join(rng.choice(WORDS) for _ in range(25))
        text = f"{words} frequente" if i % 10 == 0 else words
        if i == NOTES // 2:
            text += " zanzibar"
        call_id = f"{rng.randrange(INTERACTIONS)}.1@bench"
        note_rows.append({"call_id": call_id, "author": "anna", "text": text, "search_text": text.casefold(),
                          "outcome": None} | stamps)  # fmt: skip
    for start in range(0, len(note_rows), 5000):
        conn.execute(insert(notes), note_rows[start : start + 5000])


def measure(url: str) -> dict[str, Any]:
    upgrade(url)
    db = make_database(url)
    try:
        with db.write.begin() as conn:
            load(conn, random.Random(1))
        found: dict[str, Any] = {}
        for name, q in (("one_note", "zanzibar"), ("no_note", "nessuna parola"), ("tenth", "frequente")):
            times = []
            for _ in range(5):
                began = time.perf_counter()
                with db.read.connect() as conn:
                    result = contact_services.search_contacts(conn, q, POLICY, limit=51)
                times.append(time.perf_counter() - began)
            found[name] = {
                "q": q,
                "contacts": len(result),
                "median_ms": round(statistics.median(times) * 1000, 1),
            }
        return found
    finally:
        db.dispose()


def main() -> None:
    report: dict[str, Any] = {"machine": machine(), "contacts": CONTACTS, "interactions": INTERACTIONS,
                              "notes": NOTES}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.db'}")
    if postgres_available():
        with postgres_schema() as url:
            report["postgresql"] = measure(url)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"notes-search-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
