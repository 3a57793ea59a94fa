"""The installation's own checks for `tvox-journey doctor`: settings, database, webhooks, keys, mappings.

Each check is a `Check` with a level (ok, info, warn, fail) and a text saying what to do, Italian or
English. The database is asked on a thread of its own and waited for at most the configured connect
timeout (then the statement timeout for the reads), so a database that does not answer fails its
check in bounded time instead of hanging the command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from tvox_journey.cli.doctor_text import say
from tvox_journey.ingest.checklist import TIMING_WINDOW, WINDOW
from tvox_journey.ingest.checklist_model import FAIL, INFO, OK, WARN
from tvox_journey.ingest.checklist_text import Language
from tvox_journey.ingest.mapping import MappingFileError, Mappings, Table, read_mapping_file
from tvox_journey.settings import Settings
from tvox_journey.store import app_keys
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.engine import Timeouts, make_database
from tvox_journey.store.migrate import SchemaState, schema_state
from tvox_journey.store.setup import Traffic, read_traffic
from tvox_journey.web.security.install import SECRET_KEY_NAME
from tvox_journey.web.webhooks.access import has_webhook_credentials, is_loopback, open_webhooks_problem

T = TypeVar("T")
SHORT_SECRET = 32  # characters
CONNECT_MARGIN = 0.5  # seconds waited for a connection beyond the configured connect timeout
_ZONE_FIELDS = ("display_timezone", "tvox_timezone", "default_region")
_CREDENTIALS = ("webhook_user", "webhook_password")


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    id: str
    level: str  # ok | info | warn | fail
    title: str
    detail: str


@dataclass(frozen=True)
class LoadedSettings:
    """Settings to check with, the invalid ones replaced by their defaults (and why they were)."""

    settings: Settings
    invalid: dict[str, str]  # field -> what is wrong
    mapping_file: Path | None  # the configured file, even when it is invalid


def load_checked_settings(**overrides: Any) -> LoadedSettings:
    """Settings from the environment and the options, never failing: an invalid setting is noted and
    replaced by its default, so that everything else can still be checked."""
    given = {name: value for name, value in overrides.items() if value is not None}
    invalid: dict[str, str] = {}
    mapping_file: Path | None = None
    for _attempt in range(len(Settings.model_fields) + 1):
        try:
            settings = Settings(**given)
        except ValidationError as error:
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else ""
                message = str(problem["msg"]).removeprefix("Value error, ")
                if name == "mapping_file":
                    mapping_file = Path(str(problem["input"]))
                fields = (name,) if name in Settings.model_fields else _CREDENTIALS
                for field in fields:
                    invalid.setdefault(field, message)
                    given[field] = Settings.model_fields[field].default
            continue
        return LoadedSettings(settings, invalid, mapping_file or settings.mapping_file)
    raise AssertionError("every invalid setting was replaced by its default")  # pragma: no cover


def _env(field: str) -> str:
    return f"TVOX_JOURNEY_{field.upper()}"


def settings_checks(loaded: LoadedSettings, language: Language) -> list[Check]:
    """A failing check per invalid setting the other checks do not cover, else one passing check."""
    others = {
        f: m for f, m in loaded.invalid.items() if f not in (*_ZONE_FIELDS, *_CREDENTIALS, "mapping_file")
    }
    checks = [
        Check(f"setting:{field}", FAIL, say(language, "setting", env=_env(field)),
              say(language, "setting_bad", message=message))
        for field, message in others.items()
    ]  # fmt: skip
    return checks or [Check("settings", OK, say(language, "settings"), say(language, "settings_ok"))]


@dataclass(frozen=True)
class DatabaseFacts:
    """What the database says, for the checks that need it."""

    state: SchemaState
    stored_secret: bool | None  # None: not readable (no table)
    rows: Table | None  # the mappings of the /mappings page
    traffic: Traffic | None
    problem: str | None = None  # a read that failed after connecting


def _bounded(work: Callable[[], T], seconds: float) -> T:
    """`work()` on a daemon thread, waited for at most `seconds` (TimeoutError after)."""
    done: Future[T] = Future()

    def run() -> None:
        try:
            done.set_result(work())
        except BaseException as error:  # handed to the caller
            done.set_exception(error)

    threading.Thread(target=run, name="tvox-journey-doctor", daemon=True).start()
    try:
        return done.result(timeout=seconds)
    except FutureTimeout:
        raise TimeoutError(f"no answer within {seconds:g} s") from None


def _read_facts(conn: Connection, now: datetime) -> DatabaseFacts:
    conn.execute(text("SELECT 1"))
    conn.rollback()
    state = schema_state(conn)
    if state.current is None or not state.known:
        return DatabaseFacts(state, None, None, None)
    try:
        with conn.begin():
            stored = app_keys.stored(conn, SECRET_KEY_NAME) is not None
            rows = mapping_store.all_rows(conn)
            traffic = read_traffic(conn, since=now - WINDOW, delays_since=now - TIMING_WINDOW)
    except SQLAlchemyError as error:
        return DatabaseFacts(state, None, None, None, _first_line(error))
    return DatabaseFacts(state, stored, rows, traffic)


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def database_checks(
    settings: Settings, now: datetime, language: Language
) -> tuple[list[Check], DatabaseFacts | None]:
    """Whether the database answers (in bounded time) and is at the newest revision; its facts (the event
    log's traffic of the 24 hours before `now`) if so."""
    url = settings.database_url
    title = say(language, "database")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        return [Check("database", FAIL, title, say(language, "db_no_file", path=parsed.database))], None
    timeouts = Timeouts(
        connect=settings.db_connect_timeout,
        statement=settings.db_statement_timeout,
        lock=settings.db_lock_timeout,
        busy=settings.sqlite_busy_timeout,
    )
    try:
        db = make_database(
            url, sqlite_synchronous=settings.sqlite_synchronous, pool_size=1, timeouts=timeouts
        )
    except (ValueError, SQLAlchemyError) as error:
        return [
            Check("database", FAIL, title, say(language, "db_error", url=redacted(url), error=error))
        ], None
    try:
        # The driver's own connect timeout normally answers first; this bound is for one that does not.
        conn = _bounded(db.read.connect, settings.db_connect_timeout + CONNECT_MARGIN)
    except TimeoutError:  # the thread may still be connecting: the engine is left to it
        detail = say(language, "db_silent", url=redacted(url), seconds=settings.db_connect_timeout)
        return [Check("database", FAIL, title, detail)], None
    except (SQLAlchemyError, OSError) as error:
        db.dispose()
        return [
            Check(
                "database",
                FAIL,
                title,
                say(language, "db_error", url=redacted(url), error=_first_line(error)),
            )
        ], None
    reads = settings.db_statement_timeout * 4 + settings.sqlite_busy_timeout
    try:
        facts = _bounded(lambda: _read_facts(conn, now), reads)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        return [
            Check(
                "database",
                FAIL,
                title,
                say(language, "db_error", url=redacted(url), error=_first_line(error)),
            )
        ], None
    conn.close()
    db.dispose()
    if facts.problem is not None:
        return [
            Check("database", FAIL, title, say(language, "db_error", url=redacted(url), error=facts.problem))
        ], None
    checks = [Check("database", OK, title, say(language, "db_ok", url=redacted(url)))]
    return checks + [_schema_check(facts.state, language)], facts


def _schema_check(state: SchemaState, language: Language) -> Check:
    title = say(language, "schema")
    if state.current is None:
        return Check("schema", FAIL, title, say(language, "schema_empty"))
    if not state.known:
        return Check(
            "schema", FAIL, title, say(language, "schema_new", current=state.current, head=state.head)
        )
    if state.current != state.head:
        return Check(
            "schema", FAIL, title, say(language, "schema_old", current=state.current, head=state.head)
        )
    return Check("schema", OK, title, say(language, "schema_ok", current=state.current))


def webhook_checks(
    loaded: LoadedSettings, reached: bool, language: Language, *, allow_open_webhooks: bool = False
) -> list[Check]:
    """Webhook credentials and allowed networks; the listening address and whether TVox reaches it.

    Open webhooks on a network address fail, unless allowed as `serve --allow-open-webhooks` does.
    """
    settings = loaded.settings
    title = say(language, "credentials")
    if any(field in loaded.invalid for field in _CREDENTIALS):
        message = loaded.invalid.get("webhook_user") or loaded.invalid["webhook_password"]
        credentials = Check("webhook_credentials", FAIL, title, message)
    elif has_webhook_credentials(settings):
        networks = ", ".join(settings.webhook_allow_networks) or say(language, "any_address")
        detail = say(language, "credentials_ok", user=settings.webhook_user, networks=networks)
        credentials = Check("webhook_credentials", OK, title, detail)
    elif open_webhooks_problem(settings) is not None:
        level, key = (WARN, "credentials_allowed") if allow_open_webhooks else (FAIL, "credentials_open")
        credentials = Check("webhook_credentials", level, title, say(language, key, host=settings.host))
    else:
        detail = say(language, "credentials_loopback", host=settings.host)
        credentials = Check("webhook_credentials", WARN, title, detail)
    where = {"host": settings.host, "port": settings.port}
    if not is_loopback(settings.host):
        listen = (OK, say(language, "listen_network", **where))
    elif settings.trusted_proxies is not None:
        listen = (OK, say(language, "listen_proxy", **where))
    elif reached:
        listen = (OK, say(language, "listen_reached", **where))
    else:
        listen = (WARN, say(language, "listen_loopback", **where))
    return [credentials, Check("listening_address", listen[0], say(language, "listen"), listen[1])]


def secret_check(settings: Settings, facts: DatabaseFacts | None, language: Language) -> Check:
    """The key that signs sessions: set, long enough, and one for every process on the database."""
    title = say(language, "secret")
    stored = facts.stored_secret if facts is not None else None
    if settings.secret_key is not None:
        length = len(settings.secret_key.get_secret_value())
        if length < SHORT_SECRET:
            return Check(
                "secret_key", WARN, title, say(language, "secret_short", length=length, minimum=SHORT_SECRET)
            )
        postgres = make_url(settings.database_url).get_backend_name() == "postgresql"
        if stored and postgres:
            return Check("secret_key", WARN, title, say(language, "secret_mixed"))
        return Check("secret_key", OK, title, say(language, "secret_env"))
    if stored is None:
        return Check("secret_key", INFO, title, say(language, "secret_unknown"))
    return Check(
        "secret_key",
        OK if stored else INFO,
        title,
        say(language, "secret_stored" if stored else "secret_later"),
    )


def zone_check(loaded: LoadedSettings, language: Language) -> Check:
    title = say(language, "zone")
    bad = [(f, m) for f, m in loaded.invalid.items() if f in _ZONE_FIELDS]
    if bad:
        detail = "; ".join(say(language, "zone_bad", env=_env(f), message=m) for f, m in bad)
        return Check("time_zone_region", FAIL, title, detail)
    settings = loaded.settings
    detail = say(
        language, "zone_ok", display=settings.display_timezone, tvox=settings.tvox_timezone,
        region=settings.default_region,
    )  # fmt: skip
    return Check("time_zone_region", OK, title, detail)


def mapping_checks(
    loaded: LoadedSettings, rows: Table | None, language: Language
) -> tuple[list[Check], Mappings]:
    """The mapping file (its line at fault), and clashes between it and the /mappings page's rows."""
    title = say(language, "mapping")
    file: Table | None = None
    if loaded.mapping_file is None:
        check = Check("mapping_file", OK, title, say(language, "mapping_none"))
    else:
        try:
            file = read_mapping_file(loaded.mapping_file)
        except MappingFileError as error:
            check = Check("mapping_file", FAIL, title, say(language, "mapping_bad", error=error))
        else:
            count = sum(len(entries) for entries in file.values())
            check = Check(
                "mapping_file", OK, title, say(language, "mapping_ok", path=loaded.mapping_file, count=count)
            )
    mappings = Mappings(file, rows)
    clashes = [
        Check("mappings", FAIL, say(language, "mappings"), say(language, "mappings_clash", message=c.message))
        for c in mappings.clashes()
    ]
    return [check, *clashes], mappings
