"""Variable mappings of the webhooks: loaded at start from the mapping file and the database rows."""

from __future__ import annotations

from tvox_journey.ingest.mapping import Mappings, read_mapping_file
from tvox_journey.settings import Settings
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.engine import Database


def load_mappings(settings: Settings, db: Database) -> Mappings:
    """The effective mappings: built-in defaults, the mapping file, the rows edited by admins.

    Raises:
        MappingFileError: the mapping file is invalid (naming the line).
    """
    file = read_mapping_file(settings.mapping_file) if settings.mapping_file is not None else None
    with db.read.connect() as conn:
        rows = mapping_store.all_rows(conn)
    return Mappings(file, rows)
