"""`tvox-journey doctor`: is this installation ready for TVox, and is TVox's traffic arriving whole?

The installation's checks (`cli/doctor_checks.py`), then the setup checklist of every web service
TVox should call (`ingest/checklist.py` over `store/setup.py`). One line per check, OK / INFO / WARN /
FAIL with what to do, or `--format json`. Exit status 0 when nothing fails, 1 when something does
(with `--strict`, a warning too), 2 for a usage error.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from tvox_journey.cli import app
from tvox_journey.cli.doctor_checks import (
    Check,
    LoadedSettings,
    database_checks,
    load_checked_settings,
    mapping_checks,
    redacted,
    secret_check,
    settings_checks,
    webhook_checks,
    zone_check,
)
from tvox_journey.cli.doctor_text import say
from tvox_journey.cli.options import DatabaseOption, FormatOption, MappingFileOption, check_format
from tvox_journey.ingest.checklist import WINDOW, build_checklist, chosen_layouts, configurations
from tvox_journey.ingest.checklist_model import FAIL, INFO, OK, WARN, Checklist, worst
from tvox_journey.ingest.checklist_text import Language, sayer
from tvox_journey.ingest.native import NATIVE_TYPES
from tvox_journey.store.setup import Traffic

LABELS = {"ok": "OK", "info": "INFO", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class Report:
    """Everything doctor found: the installation's checks, and the web services' checklist."""

    checks: list[Check]
    checklist: Checklist | None  # None: the database could not be read
    traffic: Traffic | None
    checked_at: datetime
    strict: bool

    @property
    def levels(self) -> list[str]:
        found = [c.level for c in self.checks]
        if self.checklist is not None:
            found += [row.level for row in self.checklist.rows] + [s.level for s in self.checklist.strays]
        return found

    @property
    def exit_status(self) -> int:
        """1 when something fails (or, strict, warns), else 0."""
        level = worst(self.levels)
        return 1 if level == FAIL or (self.strict and level == WARN) else 0


def examine(
    loaded: LoadedSettings,
    *,
    layout: str,
    types: frozenset[str] | None,
    language: Language,
    strict: bool,
    allow_open_webhooks: bool = False,
) -> Report:
    """Run every check: the settings, the database, then the web services as its event log shows them."""
    settings = loaded.settings
    now = datetime.now(UTC)
    checks = settings_checks(loaded, language)
    database, facts = database_checks(settings, now, language)
    mapping, mappings = mapping_checks(loaded, facts.rows if facts else None, language)
    traffic = facts.traffic if facts is not None else None
    checklist = None
    if traffic is not None:
        configs = configurations(chosen_layouts(layout, traffic), mappings, types)
        zone = ZoneInfo(settings.display_timezone)
        checklist = build_checklist(configs, mappings, traffic, now=now, zone=zone, language=language)
    reached = checklist is not None and checklist.last_request.at is not None
    checks += database + webhook_checks(loaded, reached, language, allow_open_webhooks=allow_open_webhooks)
    checks += [secret_check(settings, facts, language), zone_check(loaded, language), *mapping]
    if checklist is not None:
        last = checklist.last_request
        checks.append(Check("last_request", last.level, say(language, "last"), last.message))
    return Report(checks, checklist, traffic, now, strict)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def render_json(report: Report) -> str:
    services = None
    if report.checklist is not None and report.traffic is not None:
        services = {
            "layouts": list(report.checklist.layouts),
            "window_hours": int(WINDOW.total_seconds() // 3600),
            "scanned_rows": report.traffic.scanned,
            "covers_window": report.traffic.covers_since,
            "covers_log": report.traffic.covers_all,
            "rows": [asdict(row) for row in report.checklist.rows],
            "unmatched": [asdict(stray) for stray in report.checklist.strays],
        }
    document = {
        "status": worst([level if level != INFO else OK for level in report.levels]),
        "exit_status": report.exit_status,
        "strict": report.strict,
        "checked_at": report.checked_at,
        "checks": [asdict(check) for check in report.checks],
        "web_services": services,
    }
    return json.dumps(_json_value(document), ensure_ascii=False, indent=2)


def _checklist_lines(checklist: Checklist, traffic: Traffic, language: Language, zone: ZoneInfo) -> list[str]:
    scope = say(language, "all_rows") if traffic.covers_all else ""
    layouts = " + ".join(checklist.layouts)
    lines = [say(language, "services", layouts=layouts, rows=traffic.scanned, scope=scope)]
    width = max((len(row.path) for row in checklist.rows), default=0)
    for row in checklist.rows:
        lines.append(f"{LABELS[row.level]:<5} {row.path:<{width}}  {row.summary}")
        lines += [f"{'':<5} {'':<{width}}  - {problem.message}" for problem in row.problems]
    if checklist.strays:
        lines += ["", say(language, "strays")]
    counted = sayer(language, zone)
    for stray in checklist.strays:
        requests, at = counted.count(stray.requests, "requests"), counted.time(stray.last_at)
        detail = say(language, "stray", requests=requests, at=at, guess=stray.guess)
        lines.append(f"{LABELS[stray.level]:<5} {stray.path}  {detail}")
    return lines


def render_text(report: Report, language: Language, zone: ZoneInfo, database_url: str) -> str:
    lines = [say(language, "heading", url=redacted(database_url)), ""]
    lines += [f"{LABELS[c.level]:<5} {c.title}: {c.detail}" for c in report.checks]
    lines.append("")
    if report.checklist is None or report.traffic is None:
        lines.append(say(language, "no_services"))
    else:
        lines += _checklist_lines(report.checklist, report.traffic, language, zone)
    levels = report.levels
    strict = say(language, "strict") if report.strict else ""
    result = say(
        language, "result", fails=levels.count(FAIL), warns=levels.count(WARN),
        status=report.exit_status, strict=strict,
    )  # fmt: skip
    return "\n".join([*lines, "", result])


def _parse_types(types: str | None) -> frozenset[str] | None:
    if types is None:
        return None
    chosen = frozenset(t.strip() for t in types.split(",") if t.strip())
    known = {spec.call_type.value for spec in NATIVE_TYPES}
    if not chosen or not chosen <= known:
        raise typer.BadParameter(f"some of {', '.join(sorted(known))}", param_hint="--types")
    return chosen


@app.command()
def doctor(
    output_format: FormatOption = "text",
    layout: Annotated[
        str,
        typer.Option(help="Web services to expect: native, tutorial, or auto (those the event log shows)"),
    ] = "auto",
    types: Annotated[
        str | None,
        typer.Option(
            help="Native types configured in TVox, comma-separated (default: all), e.g. service,chat"
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on a warning too, not only on a failure")
    ] = False,
    language: Annotated[
        str | None, typer.Option("--lang", help="it or en (default: the language setting)")
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Address the server listens on (default 127.0.0.1)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port the server listens on (default 8000)")] = None,
    allow_open_webhooks: Annotated[
        bool,
        typer.Option(help="No webhook credentials on a network address is a warning, as serve allows it"),
    ] = False,
    mapping_file: MappingFileOption = None,
    database: DatabaseOption = None,
) -> None:
    """Check the installation and TVox's web services; exit 1 when something fails."""
    check_format(output_format)
    if layout not in ("auto", "native", "tutorial"):
        raise typer.BadParameter("auto, native or tutorial", param_hint="--layout")
    if language not in (None, "it", "en"):
        raise typer.BadParameter("it or en", param_hint="--lang")
    chosen_types = _parse_types(types)
    loaded = load_checked_settings(host=host, port=port, mapping_file=mapping_file, database_url=database)
    settings = loaded.settings
    lang: Language = "en" if (language or settings.language) == "en" else "it"
    report = examine(
        loaded, layout=layout, types=chosen_types, language=lang, strict=strict,
        allow_open_webhooks=allow_open_webhooks,
    )  # fmt: skip
    if output_format == "json":
        typer.echo(render_json(report))
    else:
        typer.echo(render_text(report, lang, ZoneInfo(settings.display_timezone), settings.database_url))
    raise typer.Exit(report.exit_status)
