"""The benchmark's preload writes rows the store itself would write: a database it fills is one the
server's own rebuild agrees with (a new column of the log must not break it again)."""

from __future__ import annotations

from bench.preload import preload_sqlite
from tests.test_backup import rebuilt, snapshot

from tvox_journey.store.migrate import upgrade


def test_a_preloaded_database_is_what_recording_its_events_would_have_made(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    loaded = preload_sqlite(sqlite_url, 600, workers=1)
    rows, stored = snapshot(sqlite_url)
    assert loaded.events > 0 and rows >= loaded.events and len(stored) == loaded.interactions
    assert rebuilt(sqlite_url) == stored
