"""The database compared with the expected journeys, and its log with the requests answered 2xx."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

from tvox_journey.domain.interaction import Interaction
from tvox_journey.store import event_log, interactions
from tvox_journey.store.engine import make_database


@dataclass
class Verification:
    """How the database compares with the expected journeys, and with the requests answered 2xx."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)  # call ids with no stored interaction
    wrong: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # call id, field, expected, stored
    logged: Counter[str] = field(default_factory=Counter)  # log rows of the run, by outcome
    answered: int = 0  # requests answered 2xx

    @property
    def lost(self) -> int:
        """Requests answered 2xx with no log row to show for them."""
        stored = sum(n for outcome, n in self.logged.items() if outcome != event_log.LogOutcome.REJECTED)
        return max(0, self.answered - stored)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong and self.lost == 0


def differences(expected: Interaction, stored: Interaction) -> list[tuple[str, Any, Any]]:
    """The fields of two interactions that differ: (name, expected, stored)."""
    return [
        (f.name, getattr(expected, f.name), getattr(stored, f.name))
        for f in fields(expected)
        if getattr(expected, f.name) != getattr(stored, f.name)
    ]


def log_position(database_url: str) -> int:
    """The last sequence number in the event log (0 when empty)."""
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            return event_log.max_seq(conn)
    finally:
        db.dispose()


def verify_database(
    database_url: str, expected: dict[str, Interaction], *, since_seq: int, answered: int
) -> Verification:
    """Compare the stored interactions with `expected`, and the log rows after `since_seq` with `answered`."""
    result = Verification(answered=answered)
    db = make_database(database_url)
    try:
        with db.read.connect() as conn:
            for call_id, want in expected.items():
                result.checked += 1
                stored = interactions.get(conn, call_id)
                if stored is None:
                    result.missing.append(call_id)
                    continue
                result.wrong += [(call_id, *d) for d in differences(want, stored.interaction)]
            result.logged.update(event_log.outcomes_after(conn, since_seq))
    finally:
        db.dispose()
    return result
