"""The JSON API's models, and how stored rows become them. Pydantic models live here and nowhere else
in the API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field

from tvox_journey.domain.contact import Contact
from tvox_journey.domain.events import Instant
from tvox_journey.domain.interaction import Interaction, TransferLeg
from tvox_journey.store.interactions import StoredInteraction


class NumberOut(BaseModel):
    raw: str
    normalized: str


# Printable text only: a control character (NUL above all) in a name is a client error.
PlainText = Annotated[str, Field(max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")]


class ContactIn(BaseModel):
    name: PlainText = ""
    surname: PlainText = ""
    company: PlainText | None = None
    numbers: list[Annotated[str, Field(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")]] = Field(
        default_factory=list, max_length=20
    )


class ContactOut(BaseModel):
    id: int
    name: str
    surname: str
    company: str | None
    numbers: list[NumberOut]


class LegOut(BaseModel):
    agent: str | None
    kind: str
    transferred_at: datetime
    answered_at: datetime
    ended_at: datetime | None


class InteractionOut(BaseModel):
    call_id: str
    kind: str
    direction: str
    outcome: str
    number: str | None
    number_normalized: str | None
    agent: str | None
    service: str | None
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    transfers: list[LegOut]
    channel: str | None
    campaign_id: str | None
    list_id: str | None
    popups: dict[str, str]
    event_count: int


class JourneyOut(BaseModel):
    contact_id: int
    items: list[InteractionOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page")


def _at(instant: Instant | None) -> datetime | None:
    return instant.at if instant else None


def _leg_out(leg: TransferLeg) -> LegOut:
    return LegOut(
        agent=leg.agent,
        kind=leg.kind.value,
        transferred_at=leg.transferred.at,
        answered_at=leg.effective_answer.at,
        ended_at=_at(leg.ended),
    )


def interaction_out(stored: StoredInteraction) -> InteractionOut:
    i: Interaction = stored.interaction
    return InteractionOut(
        call_id=i.call_id,
        kind=i.kind.value,
        direction=i.direction.value,
        outcome=i.outcome.value,
        number=i.number,
        number_normalized=stored.number_key,
        agent=i.agent,
        service=i.service,
        started_at=_at(i.started),
        answered_at=_at(i.answered),
        ended_at=_at(i.final_end),
        wait_seconds=i.wait_seconds,
        talk_seconds=i.talk_seconds,
        transfers=[_leg_out(leg) for leg in i.legs],
        channel=i.channel,
        campaign_id=i.campaign_id,
        list_id=i.list_id,
        popups=dict(i.popups),
        event_count=i.event_count,
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        name=contact.name,
        surname=contact.surname,
        company=contact.company,
        numbers=[NumberOut(raw=n.raw, normalized=n.key) for n in contact.numbers],
    )


class LogRowOut(BaseModel):
    """One row of the event log: a request as received (or a user's action), its outcome and links."""

    seq: int
    received_at: datetime
    method: str
    path: str
    route: str
    outcome: str = Field(description="accepted, duplicate, unrecognized, rejected or action")
    status_code: int
    reason: str | None
    actor: str | None
    call_id: str | None = Field(description="Its interaction: GET /api/v1/interactions/{call_id}")
    number_normalized: str | None
    params: list[tuple[str, str]] = Field(description="The parameters as received, in order")
    body: str | None = Field(description="Body bytes kept, as text (a refusal's excerpt)")
    seen_count: int = Field(description="Requests this row stands for (a counted flood of refusals)")
    last_seen_at: datetime | None
    request_bytes: int | None = Field(description="The request's size, when only an excerpt was kept")
    replay_of: int | None = Field(description="The row this one replays")
    request_id: str | None = Field(
        description="The X-Request-ID it was answered with (also in the server log)"
    )
    remote_addr: str | None
    contact_ids: list[int] = Field(description="Contacts that have its number (or its call's)")


class LogPageOut(BaseModel):
    items: list[LogRowOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next (older) page")
    bounded: bool = Field(
        False, description="The page stopped at the reading bound, not at the end: `next_cursor` searches on"
    )


class EventDataOut(BaseModel):
    call_type: str
    action: str
    occurred_at: datetime
    occurred_text: str = Field(description="The time as TVox sent it")
    raw_event: str | None = Field(description="The `event` value, when unrecognized")


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class CallEventOut(BaseModel):
    """One request of a call, and what it did to the interaction."""

    seq: int
    received_at: datetime
    method: str
    path: str
    route: str
    outcome: str
    status_code: int
    reason: str | None
    replay_of: int | None
    params: list[tuple[str, str]]
    event: EventDataOut | None
    note: str = Field(description="folded, same_event, duplicate, replayed, not_folded or unreadable")
    fold_position: int | None = Field(description="Its place in the fold's order (event time), from 1")
    same_as: int | None = Field(description="The earlier row that brought the same event")
    replayed_by: int | None = Field(description="The replay that stands for this unrecognized event")
    changes: list[FieldChangeOut] = Field(description="The fields of the interaction its fold step changed")


class InteractionEventsOut(BaseModel):
    call_id: str
    interaction: InteractionOut | None
    events: list[CallEventOut] = Field(description="In arrival order")
    event_time_order: list[int] = Field(description="The same rows' `seq` in event-time order (the fold's)")
    truncated: bool = Field(description="More requests than the first ones listed")


def json_value(value: object) -> Any:
    """A field of an interaction as JSON."""
    if isinstance(value, Instant):
        return value.at.isoformat()
    if isinstance(value, tuple) and value and isinstance(value[0], TransferLeg):
        return [_leg_out(leg).model_dump(mode="json") for leg in value]
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


# Missed calls to call back (web/api/callbacks.py).
class CallbackOut(BaseModel):
    number_normalized: str
    number: str | None = Field(description="The number as TVox sent it with the newest attempt")
    contacts: list[ContactOut]
    service: str | None = Field(description="The service of the newest attempt")
    attempts: int = Field(description="Missed calls since the last answered call and the last handled mark")
    first_attempt_at: datetime
    last_attempt_at: datetime
    last_call_id: str
    abandoned: bool = Field(description="The newest attempt was abandoned (hung up before any answer)")
    seconds_since_last_attempt: int
    tel_uri: str | None
    click_to_call_url: str | None = Field(description="Set when TVOX_JOURNEY_CLICK_TO_CALL_URL is")


class CallbacksOut(BaseModel):
    count: int = Field(description="How many numbers there are to call back (items holds at most `limit`)")
    window_days: int
    since: datetime
    items: list[CallbackOut]


class HandledIn(BaseModel):
    note: Annotated[str, Field(max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")] | None = None
    through_call_id: Annotated[
        str | None,
        Field(
            max_length=255,
            pattern=r"^[^\x00-\x1f\x7f]*$",
            description="The newest attempt the agent saw (`last_call_id`); later ones stay open. "
            "Unset: every attempt open now",
        ),
    ] = None


class HandledOut(BaseModel):
    number_normalized: str
    attempts: int = Field(description="The attempts the mark closed")
    through_call_id: str
    seq: int = Field(description="The mark's row in the event log (the audit trail)")


class NoteOutcomeOut(BaseModel):
    code: str
    label_it: str
    label_en: str
    active: bool = Field(description="Offered for new notes; a deactivated outcome stays on old notes")


class NoteOut(BaseModel):
    id: int
    call_id: str
    author: str
    text: str = Field(description="As written: plain text, never markup")
    outcome: NoteOutcomeOut | None
    created_at: datetime
    updated_at: datetime


class NoteIn(BaseModel):
    text: str = Field("", max_length=8000, description="Plain text, up to 4,000 characters once trimmed")
    outcome: str | None = Field(None, max_length=32, description="An active outcome's `code`")


class NotePatch(BaseModel):
    """Only the fields given change (`outcome: null` removes the outcome)."""

    text: str | None = Field(None, max_length=8000)
    outcome: str | None = Field(None, max_length=32)


# The reports (web/api/reports.py, tvox_journey/reports.py): figures of a period, names for people.
class ReportPeriodOut(BaseModel):
    first: date = Field(description="First day of the period (in time_zone), included")
    last: date = Field(description="Last day of the period, included")
    days: int
    time_zone: str = Field(description="The installation's time zone: the days and hours of the report")
    service: str | None = Field(description="The service code the report is filtered by")
    agent: str | None = Field(description="The agent code the report is filtered by")
    threshold_seconds: int = Field(description="The service level's threshold")


class ReportDayOut(BaseModel):
    day: date
    counts: dict[str, int] = Field(description="Interactions begun that day, per category")
    total: int


class DailyReportOut(BaseModel):
    period: ReportPeriodOut
    categories: list[str]
    days: list[ReportDayOut]


class ServiceReportRow(BaseModel):
    code: str
    name: str = Field(description="Display name (the code when it has none)")
    calls: int = Field(description="Inbound calls: answered + missed + ongoing")
    answered: int
    missed: int
    ongoing: int
    missed_rate: float | None = Field(description="missed / (answered + missed), 0 to 1")
    avg_wait_seconds: float | None
    p90_wait_seconds: float | None = Field(description="90th percentile of the wait, nearest rank")
    service_level: float | None = Field(description="answered within the threshold / (answered + missed)")
    chats: int


class ServicesReportOut(BaseModel):
    period: ReportPeriodOut
    items: list[ServiceReportRow]


class AgentReportRow(BaseModel):
    code: str
    name: str = Field(description="Display name (the code when it has none)")
    handled: int = Field(description="Calls the agent answered, or took over by a transfer, their part ended")
    talk_total_seconds: float = Field(description="Their own part: their answer to their hangup or transfer")
    talk_avg_seconds: float | None
    transfers: int = Field(description="Transfers the agent made")
    chats: int = Field(description="Chats handled")


class AgentsReportOut(BaseModel):
    period: ReportPeriodOut
    items: list[AgentReportRow]


class HeatmapReportOut(BaseModel):
    period: ReportPeriodOut
    weekdays: list[str] = Field(description="The rows' weekdays, Monday first")
    cells: list[list[int]] = Field(description="Inbound calls (not chats) [weekday][hour]")
