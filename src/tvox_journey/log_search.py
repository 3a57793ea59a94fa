"""The event log's filters as people give them (a page's form, the API's query, the command line):
each field checked, a bad one named, and the contacts each row of a page links to.

May import `domain`, `store` and `services` (no web, no live).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection

from tvox_journey.domain.numbers import NumberPolicy
from tvox_journey.store import log_query
from tvox_journey.store.log_query import OUTCOMES, LogCursor, LogFilter

FIELDS = ("route", "outcome", "number", "call_id", "since", "until", "text")
MAX_LENGTH = {"route": 64, "outcome": 16, "number": 64, "call_id": 255, "since": 40, "until": 40, "text": 255}
MAX_CURSOR = 512
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_EXAMPLE = "ISO-8601, e.g. 2026-11-24 or 2026-11-24T09:30"


class FilterError(ValueError):
    """A filter value that cannot be used, naming its field; `code` says what is wrong (for translations)."""

    def __init__(self, name: str, message: str, code: str) -> None:
        super().__init__(f"{name}: {message}")
        self.field = name
        self.message = message
        self.code = code  # too_long | outcome | number | time | range | cursor


def parse_time(text: str, zone: tzinfo, *, name: str, end_of_day: bool = False) -> datetime:
    """An ISO-8601 date or date and time; without an offset it is read in `zone`.

    A date alone is its day's first instant, or with `end_of_day` the next day's (an `until` date
    includes its day).

    Raises:
        FilterError: not such a time, or one no calendar holds.
    """
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            day = datetime.fromisoformat(value).date() + timedelta(days=1 if end_of_day else 0)
            parsed = datetime.combine(day, time(), zone)
        else:
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise FilterError(name, f"not a date/time ({TIME_EXAMPLE})", "time") from None


@dataclass(frozen=True)
class LogQuery:
    """A checked request for the log: the filter, the page's cursor, and the fields as given."""

    filter: LogFilter
    cursor: LogCursor | None = None
    given: dict[str, str] = field(default_factory=dict)  # the non-empty fields, as typed

    def query_items(self) -> list[tuple[str, str]]:
        """The fields as a query string's pairs, in the form's order (for the next page's link)."""
        return [(name, self.given[name]) for name in FIELDS if name in self.given]


def _text(fields: Mapping[str, str | None], name: str) -> str | None:
    value = fields.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_LENGTH.get(name, MAX_CURSOR) or _CONTROL.search(value):
        limit = MAX_LENGTH.get(name, MAX_CURSOR)
        raise FilterError(name, f"at most {limit} characters, none a control one", "too_long")
    return value.strip()


def parse_query(fields: Mapping[str, str | None], *, policy: NumberPolicy, zone: tzinfo) -> LogQuery:
    """The log query the fields give (`cursor` included); every field may be left empty.

    Raises:
        FilterError: the first field that cannot be used.
    """
    given = {name: value for name in FIELDS if (value := _text(fields, name)) is not None}
    outcome = given.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise FilterError("outcome", f"one of {', '.join(OUTCOMES)}", "outcome")
    number_key = None
    if "number" in given:
        number_key = policy.key(given["number"])
        if number_key is None:
            raise FilterError("number", "not a phone number (it has no digits)", "number")
    since = parse_time(given["since"], zone, name="since") if "since" in given else None
    until = parse_time(given["until"], zone, name="until", end_of_day=True) if "until" in given else None
    if since is not None and until is not None and since >= until:
        raise FilterError("until", "must be later than since", "range")
    cursor = None
    if (token := _text(fields, "cursor")) is not None:
        try:
            cursor = LogCursor.from_token(token)
        except ValueError:
            raise FilterError("cursor", "not a cursor of this log", "cursor") from None
    route = given.get("route")
    if route is not None:  # a path as TVox calls it names its route: `/service/ring.php` is `service/ring`
        route = route.strip("/").removesuffix(".php") or route
    log_filter = LogFilter(
        route=route,
        outcome=outcome,
        number_key=number_key,
        call_id=given.get("call_id"),
        since=since,
        until=until,
        text=given.get("text"),
    )
    return LogQuery(log_filter, cursor, given)


def contact_links(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[int, list[tuple[int, str]]]:
    """For each row (by sequence number), the contacts that have its number, or its call's number."""
    of_call = log_query.call_number_keys(conn, [r["call_id"] for r in rows if r.get("call_id")])
    keys = {int(r["seq"]): r.get("number_key") or of_call.get(r.get("call_id") or "") for r in rows}
    contacts = log_query.contacts_of_numbers(conn, [k for k in keys.values() if k])
    return {seq: contacts.get(key, []) if key else [] for seq, key in keys.items()}
