"""Reports for supervisors: calls per day by kind and outcome, per service, per agent, and a weekday x
hour heatmap of inbound calls, with chats beside calls.

An interaction counts in the period its sort time (its first instant: the ring, the dial, a chat's
start) falls in, on the installation's days and hours (the display time zone). The database adds up
slots of an hour (a quarter of an hour in zones whose offset is not whole hours; `slot_seconds`),
which this module places on local days, weekdays and hours: exact, since an offset never changes
within a slot. A period has at most `MAX_DAYS` days, so every report reads a bounded range.

What each figure means is written once, here and in docs/pages.md#reports:

- a day's interactions fall in one of `CATEGORIES` (their conditions: `store/reports.CATEGORIES`):
  still open, then chats handled or missed, then calls answered and transferred (in or out), outbound
  calls answered or not, inbound calls answered or missed;
- per service: its inbound calls (answered, missed, still open), the missed rate (missed over
  answered + missed), the wait (ring to answer) on average and at the 90th percentile (nearest rank),
  the service level (answered within the threshold over answered + missed) and its chats;
- per agent (a row for each directory entry, whatever code TVox sent; a filter takes every code of
  its entry): calls handled, each by the agent who answered it and by every agent a transfer passed it
  to who took it (their part ended), their own talk time (their answer, or the consultative transfer
  that joined them, to their hangup or the next transfer), the transfers they made, and chats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from tvox_journey.store import directory
from tvox_journey.store import names as name_store
from tvox_journey.store import reports as report_store
from tvox_journey.store.reports import Scope, Slot

MAX_DAYS = 366
DEFAULT_THRESHOLD_SECONDS = 20
MAX_THRESHOLD_SECONDS = 3600
MAX_ROWS = 500  # services or agents a report lists (the busiest): codes come from webhooks, unbounded
PRESETS: Mapping[str, int] = {"today": 1, "7d": 7, "30d": 30}  # days ending today
REPORTS = ("daily", "services", "agents", "heatmap")
CATEGORIES = tuple(report_store.CATEGORIES)  # the daily report's, in the order its bars stack


class ReportError(ValueError):
    """A report that cannot be asked for: `key` names the page's text, the message is the API's."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Period:
    """Local days from `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReportError("reports.error_order", "the period ends before it starts")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise ReportError("reports.error_long", f"a period has at most {MAX_DAYS} days")

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def utc_range(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """From the first day's local midnight to the midnight after the last day, in UTC."""
        start = datetime.combine(self.first, time(), zone).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone).astimezone(UTC)
        return start, end


def parse_day(text: str | None) -> date | None:
    """A day written YYYY-MM-DD (None for no text).

    Raises:
        ReportError: any other text.
    """
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("")
    except ValueError:
        raise ReportError("reports.error_day", "a day is written YYYY-MM-DD") from None


def period_of(preset: str, today: date, first: date | None = None, last: date | None = None) -> Period:
    """A preset's days ending `today` ("today", "7d", "30d"), or "custom" from `first` to `last`.

    Raises:
        ReportError: an unknown preset, a custom period without both days, or one that is not a period.
    """
    if preset in PRESETS:
        return Period(today - timedelta(days=PRESETS[preset] - 1), today)
    if preset != "custom":
        raise ReportError("reports.error_period", "period is one of today, 7d, 30d, custom")
    if first is None or last is None:
        raise ReportError("reports.error_custom", "a custom period needs from and to")
    return Period(first, last)


def slot_seconds(period: Period, zone: ZoneInfo) -> int:
    """The widest slot (an hour, else a quarter) that every offset of the zone in the period divides."""
    offsets = set()
    for day in [period.first - timedelta(days=1), *period.days, period.last + timedelta(days=1)]:
        for hour in (0, 12):
            offset = datetime.combine(day, time(hour), zone).utcoffset()
            offsets.add(int(offset.total_seconds()) if offset is not None else 0)
    for seconds in (3600, 900, 60):
        if all(offset % seconds == 0 for offset in offsets):
            return seconds
    return 1


@dataclass(frozen=True)
class Query:
    """A report's question: the period on the zone's days, optional service and agent codes, and the
    service level's threshold."""

    period: Period
    zone: ZoneInfo
    service: str | None = None
    agent: str | None = None
    threshold_seconds: int = DEFAULT_THRESHOLD_SECONDS

    def __post_init__(self) -> None:
        if not 1 <= self.threshold_seconds <= MAX_THRESHOLD_SECONDS:
            raise ReportError("reports.error_threshold", f"threshold is 1 to {MAX_THRESHOLD_SECONDS} seconds")

    def scope(self, conn: Connection) -> Scope:
        """The period in UTC, and the service's and agent's every code in the directory."""
        start, end = self.period.utc_range(self.zone)
        services = (
            None if self.service is None else directory.codes_of(conn, name_store.SERVICE, self.service)
        )
        agents = None if self.agent is None else directory.codes_of(conn, name_store.AGENT, self.agent)
        return Scope(start, end, services, agents)


def query_of(
    zone: ZoneInfo,
    now: datetime,
    period: str,
    first: str | None = None,
    last: str | None = None,
    *,
    service: str | None = None,
    agent: str | None = None,
    threshold_seconds: int = DEFAULT_THRESHOLD_SECONDS,
) -> Query:
    """A report's question as the page and the API are asked it (days written YYYY-MM-DD, empty codes
    for all); "today" is `now`'s day in `zone`.

    Raises:
        ReportError: a period, a day or a threshold that is not one.
    """
    today = now.astimezone(zone).date()
    chosen = period_of(period, today, parse_day(first), parse_day(last))
    return Query(chosen, zone, service or None, agent or None, threshold_seconds)


@dataclass(frozen=True)
class Day:
    day: date
    counts: Mapping[str, int]  # every one of CATEGORIES

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Heatmap:
    """Inbound calls (not chats) per local weekday (Monday first) and hour."""

    cells: tuple[tuple[int, ...], ...]  # [weekday][hour]

    @property
    def peak(self) -> int:
        return max((max(row) for row in self.cells), default=0)


@dataclass(frozen=True)
class ServiceRow:
    code: str
    name: str
    answered: int
    missed: int
    ongoing: int
    avg_wait_seconds: float | None
    p90_wait_seconds: float | None
    service_level: float | None  # 0 to 1
    chats: int

    @property
    def calls(self) -> int:
        return self.answered + self.missed + self.ongoing

    @property
    def missed_rate(self) -> float | None:
        ended = self.answered + self.missed
        return self.missed / ended if ended else None


@dataclass(frozen=True)
class AgentRow:
    code: str
    name: str
    handled: int
    talk_total_seconds: float
    transfers: int
    chats: int

    @property
    def talk_avg_seconds(self) -> float | None:
        return self.talk_total_seconds / self.handled if self.handled else None


@dataclass(frozen=True)
class Report:
    """Every report of a query (the page shows them all; the API and CSV give one at a time)."""

    query: Query
    days: list[Day] = field(default_factory=list)
    heatmap: Heatmap = field(default_factory=lambda: Heatmap(tuple((0,) * 24 for _ in range(7))))
    services: list[ServiceRow] = field(default_factory=list)
    agents: list[AgentRow] = field(default_factory=list)
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _local(slot: Slot, seconds: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(slot.bucket * seconds, UTC).astimezone(zone)


def _days(query: Query, slots: Iterable[Slot], seconds: int) -> list[Day]:
    counts = {day: dict.fromkeys(CATEGORIES, 0) for day in query.period.days}
    for slot in slots:
        day = counts.get(_local(slot, seconds, query.zone).date())
        if day is not None:
            for name, n in slot.counts.items():
                day[name] += n
    return [Day(day, found) for day, found in counts.items()]


def _heatmap(query: Query, slots: Iterable[Slot], seconds: int) -> Heatmap:
    cells = [[0] * 24 for _ in range(7)]
    for slot in slots:
        at = _local(slot, seconds, query.zone)
        cells[at.weekday()][at.hour] += slot.inbound_calls
    return Heatmap(tuple(tuple(row) for row in cells))


class _Reading:
    """One report's reads: its scope (the filters' codes from the directory) and the display names, each
    read once however many reports a page shows."""

    def __init__(self, conn: Connection, query: Query) -> None:
        self.conn = conn
        self.query = query

    @cached_property
    def scope(self) -> Scope:
        return self.query.scope(self.conn)

    @cached_property
    def names(self) -> dict[str, dict[str, str]]:
        return name_store.all_names(self.conn)

    @cached_property
    def slots(self) -> tuple[list[Slot], int]:
        seconds = slot_seconds(self.query.period, self.query.zone)
        return report_store.slots(self.conn, self.scope, seconds), seconds


def daily(conn: Connection, query: Query) -> Report:
    """The interactions of each day of the period, by category."""
    read = _Reading(conn, query)
    return Report(query, days=_days(query, *read.slots), names=read.names)


def heatmap(conn: Connection, query: Query) -> Report:
    """Inbound calls per weekday and hour over the period."""
    read = _Reading(conn, query)
    return Report(query, heatmap=_heatmap(query, *read.slots), names=read.names)


def _name(names: Mapping[str, Mapping[str, str]], kind: str, code: str) -> str:
    return names.get(kind, {}).get(code, code)


def _seconds(ms: int, n: int) -> float | None:
    return ms / n / 1000 if n else None


def services(conn: Connection, query: Query) -> Report:
    """Per service: calls, missed rate, wait, service level, chats; the busiest first."""
    read = _Reading(conn, query)
    return Report(query, services=_services(read), names=read.names)


def _services(read: _Reading) -> list[ServiceRow]:
    found = report_store.services(
        read.conn, read.scope, threshold_ms=read.query.threshold_seconds * 1000, limit=MAX_ROWS
    )
    rows = [
        ServiceRow(
            code=f.service,
            name=_name(read.names, name_store.SERVICE, f.service),
            answered=f.answered,
            missed=f.missed,
            ongoing=f.ongoing,
            avg_wait_seconds=_seconds(f.wait_total_ms, f.waited),
            p90_wait_seconds=f.wait_p90_ms / 1000 if f.wait_p90_ms is not None else None,
            service_level=f.within_threshold / (f.answered + f.missed) if f.answered + f.missed else None,
            chats=f.chats,
        )
        for f in found
    ]
    rows.sort(key=lambda r: (-(r.calls + r.chats), r.name, r.code))
    return rows


def agents(conn: Connection, query: Query) -> Report:
    """Per agent: calls handled (answered, or taken over by a transfer), their talk time, the transfers
    they made, chats; the busiest first."""
    read = _Reading(conn, query)
    return Report(query, agents=_agents(read), names=read.names)


def _agents(read: _Reading) -> list[AgentRow]:
    first_code = directory.first_codes(read.conn, name_store.AGENT)  # one row an agent, whatever code sent
    totals: dict[str, list[int]] = {}
    for f in report_store.agents(read.conn, read.scope, limit=MAX_ROWS):
        found = totals.setdefault(first_code.get(f.agent, f.agent), [0, 0, 0, 0])
        for i, value in enumerate((f.handled, f.talk_total_ms, f.transfers, f.chats)):
            found[i] += value
    for agent, legs in report_store.transfer_legs(read.conn, read.scope).items():
        found = totals.setdefault(first_code.get(agent, agent), [0, 0, 0, 0])
        found[0] += legs.handled
        found[1] += legs.talk_total_ms
        found[2] += legs.transfers
    rows = [
        AgentRow(
            code=agent,
            name=_name(read.names, name_store.AGENT, agent),
            handled=handled,
            talk_total_seconds=talk_ms / 1000,
            transfers=transfers,
            chats=chats,
        )
        for agent, (handled, talk_ms, transfers, chats) in totals.items()
    ]
    rows.sort(key=lambda r: (-(r.handled + r.chats), r.name, r.code))
    return rows[:MAX_ROWS]


def everything(conn: Connection, query: Query) -> Report:
    """All four reports (the page): the daily counts and the heatmap from one read of the slots, and the
    scope and names read once."""
    read = _Reading(conn, query)
    return Report(
        query,
        days=_days(query, *read.slots),
        heatmap=_heatmap(query, *read.slots),
        services=_services(read),
        agents=_agents(read),
        names=read.names,
    )
