"""Rendering pages: the Jinja environment, the language of a request, and value formatting."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tvox_journey.domain.events import Instant
from tvox_journey.domain.numbers import format_number
from tvox_journey.web.deps import get_resources
from tvox_journey.web.pages import i18n
from tvox_journey.web.security import csrf

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANG_COOKIE = "tvox_journey_lang"
TIME_FORMAT = "%d-%m-%Y %H:%M:%S"
MISSING = "-"


def make_environment() -> Environment:
    """The pages' Jinja environment: every value is escaped unless marked safe."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language(request: Request) -> str:
    """`?lang=`, else the language cookie, else the configured default."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in i18n.LANGUAGES:
            return str(candidate)
    return get_resources(request).settings.language


def _written(at: datetime) -> str:
    """`TIME_FORMAT` for any year (strftime writes year 1 as `1`, not `0001`)."""
    return f"{at.day:02d}-{at.month:02d}-{at.year:04d} {at.hour:02d}:{at.minute:02d}:{at.second:02d}"


@dataclass(frozen=True)
class Formatter:
    """Values written for people: local times, durations, phone numbers."""

    zone: ZoneInfo
    region: str

    def time(self, value: Instant | datetime | None) -> str:
        """`dd-mm-YYYY HH:MM:SS` in the display time zone; "-" when it did not happen.

        Total: a stored time that the display zone cannot hold (year 1 or 9999, from an
        older release or written into the database by hand) is shown in UTC, marked so.
        """
        if value is None:
            return MISSING
        at = value.at if isinstance(value, Instant) else value
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)  # stored times are UTC; SQLite hands them back naive
        for zone, mark in ((self.zone, ""), (UTC, " UTC")):
            try:
                return _written(at.astimezone(zone)) + mark
            except (OverflowError, ValueError):
                continue
        return at.isoformat(sep=" ")

    @staticmethod
    def duration(seconds: float | None) -> str:
        """`M:SS`, or `H:MM:SS` from an hour up; "-" when unknown."""
        if seconds is None:
            return MISSING
        total = int(seconds)
        hours, rest = divmod(total, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

    def number(self, key: str | None) -> str:
        return format_number(key, self.region) if key else MISSING


def formatter(request: Request) -> Formatter:
    settings = get_resources(request).settings
    return Formatter(ZoneInfo(settings.display_timezone), settings.default_region)


def _lang_url(request: Request) -> Callable[[str], str]:
    def url(code: str) -> str:
        query = request.url.include_query_params(lang=code).query
        return f"{request.url.path}?{query}"

    return url


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """A full page or a fragment, in the request's language, with its cookies."""
    env: Environment = request.app.state.page_templates
    lang = language(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "_": i18n.translator(lang),
        "fmt": formatter(request),
        "csrf_field": lambda: csrf.hidden_field(request),
        "lang_url": _lang_url(request),
        "languages": i18n.LANGUAGES,
        "nav": "",
        "user": None,
    }
    values.update(context)
    html = env.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    chosen = request.query_params.get("lang")
    if chosen in i18n.LANGUAGES and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, str(chosen), max_age=365 * 24 * 3600, samesite="lax", path="/")
    csrf.set_cookie_if_new(request, response)
    return response
