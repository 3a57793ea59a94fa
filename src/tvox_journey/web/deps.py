"""Request-scoped access to the resources the lifespan created."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request

from tvox_journey.callbacks import SharedList
from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.ingest.mapping import Mappings
from tvox_journey.live.broadcaster import Broadcaster
from tvox_journey.settings import Settings
from tvox_journey.store.engine import Database
from tvox_journey.store.interactions import Cursor
from tvox_journey.web.tasks.feed import LogFeed
from tvox_journey.writer import BatchWriter


@dataclass
class Resources:
    """Everything a request may need, made once per app in the lifespan."""

    settings: Settings
    db: Database
    writer: BatchWriter
    broadcaster: Broadcaster
    policy: NumberPolicy
    feed: LogFeed  # follows the event log for the live pages of this process
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    mappings: Mappings = field(default_factory=Mappings)  # replaced when the admin page edits them
    mappings_seq: int = 0  # log sequence number of the newest mapping edit applied
    callbacks: SharedList = field(default_factory=SharedList)  # the list of /callbacks, once per change

    def now(self) -> datetime:
        return datetime.now(UTC)

    @property
    def tvox_zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.tvox_timezone)

    @property
    def display_zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.display_timezone)


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


def cursor_from(token: str | None) -> Cursor | None:
    """The journey cursor a client sent back (API `cursor`, card `after`); 422 for one we did not make."""
    if not token:
        return None
    try:
        return Cursor.from_token(token)
    except ValueError:
        raise HTTPException(422, "cursor: not a cursor from this API") from None
