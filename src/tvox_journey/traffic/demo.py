"""The demo's database: the tutorial's setting, the first admin, and (by default) three weeks of
history, in a new SQLite file. The library of `tvox-journey demo` (which then serves it and plays
the tutorial's calls live) and of the tests that start a server as the demo does.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.services import accounts
from tvox_journey.services import contacts as contact_services
from tvox_journey.sim.history import demo_history
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import names
from tvox_journey.store.engine import make_database
from tvox_journey.store.migrate import upgrade
from tvox_journey.traffic.history import RecordedHistory, record_history

# The tutorial's setting (../shared/reference/tutorial-contract.md, "Setting of the example").
DEMO_CONTACT = ("Mario", "Rossi", "0452224600")
DEMO_ADMIN_PASSWORD = "tvox-demo"  # the demo is for trying out on this machine; `serve` makes a random one
DEMO_NAMES = ((names.AGENT, "op1", "Operatore 1"), (names.AGENT, "op2", "Operatore 2"),
              (names.SERVICE, "customercare", "Customer Care"))  # fmt: skip
ROME = ZoneInfo("Europe/Rome")  # the settings' default TVox time zone


def create_demo_database(
    path: Path,
    policy: NumberPolicy,
    admin_password: str = DEMO_ADMIN_PASSWORD,
    *,
    history: bool = True,
    tvox_timezone: tzinfo = ROME,
) -> tuple[str, int, RecordedHistory | None]:
    """A new database file at `path` (any old one is replaced) with the tutorial's contact and display
    names, the user `admin`, and (`history`) three weeks of calls ending now.

    Returns (url, Mario Rossi's id, the history written). Mario Rossi's number is in no call of the
    history: his card is left to the tutorial's calls, played live.
    """
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    upgrade(url)
    db = make_database(url)
    now = datetime.now(UTC)
    recorded = None
    try:
        with db.write.begin() as conn:
            for kind, code, display in DEMO_NAMES:
                names.set_name(conn, kind, code, display)
            name, surname, number = DEMO_CONTACT
            contact_id = contact_store.create(
                conn, name=name, surname=surname, company=None,
                numbers=contact_services.contact_numbers([number], policy), now=now,
            )  # fmt: skip
            password_hash = accounts.Passwords().hash(admin_password)
            accounts.create_first_admin(conn, password_hash=password_hash, now=now)
        if history:
            recorded = record_history(db, demo_history(now), policy, tvox_timezone=tvox_timezone)
    finally:
        db.dispose()
    return url, contact_id, recorded
