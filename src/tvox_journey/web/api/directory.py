"""The JSON API's directory of agents and services: every entry with its display name and codes, and
the codes recent calls carry that no entry has (what `/names` shows), for reports and integrations that
label or filter by agent. Changes are made on `/names` (admins)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tvox_journey.store import directory
from tvox_journey.web.deps import ResourcesDep
from tvox_journey.web.security.identity import require

router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(require("viewer"))])


class CodeOut(BaseModel):
    code: str
    label: str | None = Field(description="What the code is: username, pin, extension, other, or null")


class EntryOut(BaseModel):
    id: int
    name: str = Field(description="The display name every code of the entry shows as")
    codes: list[CodeOut]


class UnknownCodeOut(BaseModel):
    code: str
    calls: int = Field(description="How many of the latest interactions read carry it")
    last_at: datetime


class DirectoryOut(BaseModel):
    agents: list[EntryOut]
    services: list[EntryOut]
    unknown_agents: list[UnknownCodeOut]
    unknown_services: list[UnknownCodeOut]


def _entries(found: list[directory.Entry]) -> list[EntryOut]:
    return [
        EntryOut(id=e.id, name=e.name, codes=[CodeOut(code=c.code, label=c.label) for c in e.codes])
        for e in found
    ]


def _unknown(found: list[directory.UnknownCode]) -> list[UnknownCodeOut]:
    return [UnknownCodeOut(code=u.code, calls=u.calls, last_at=u.last_at) for u in found]


@router.get("/directory", response_model=DirectoryOut)
def read_directory(resources: ResourcesDep) -> DirectoryOut:
    """Agents and services with their codes, by name; and the codes of the latest 5,000 interactions that no
    entry has, most recently seen first (50 at most per kind)."""
    with resources.db.read.connect() as conn:
        return DirectoryOut(
            agents=_entries(directory.entries(conn, directory.AGENT)),
            services=_entries(directory.entries(conn, directory.SERVICE)),
            unknown_agents=_unknown(directory.unknown_codes(conn, directory.AGENT)),
            unknown_services=_unknown(directory.unknown_codes(conn, directory.SERVICE)),
        )
