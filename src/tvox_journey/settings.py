"""Settings: one object, read once at the edge (CLI or create_app), then passed down.

Every field can be set with a `TVOX_JOURNEY_<FIELD>` environment variable.
"""

from __future__ import annotations

import json
import re
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tvox_journey.ingest.mapping import read_mapping_file

# A CSP source: 'self', 'none', a scheme (https:), or a host with optional scheme, port and path.
_FRAME_SOURCE = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[a-z0-9.-]+(:(\d{1,5}|\*))?(/[^\s;,']*)?",
    re.IGNORECASE,
)
# What a URL template may not hold: it goes into pages' links as it is (but the number).
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\"'<>\\`]")


class Settings(BaseSettings):
    """Configuration of one tvox-journey installation."""

    model_config = SettingsConfigDict(env_prefix="TVOX_JOURNEY_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./tvox-journey.db",
        description="SQLAlchemy URL: sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
    )
    host: str = Field("127.0.0.1", description="Address `serve` listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` listens on")
    default_region: str = Field("IT", description="Region for numbers without a country code (ISO 3166)")
    display_timezone: str = Field("Europe/Rome", description="Time zone times are shown in")
    tvox_timezone: str = Field(
        "Europe/Rome", description="Time zone of TVox times sent without an offset (dateYMDms)"
    )
    language: Literal["it", "en"] = Field("it", description="Default language of the pages")
    internal_number_max_digits: int = Field(
        6, ge=0, le=15, description="Numbers this short that are not phone numbers are internal extensions"
    )
    in_progress_max_hours: int = Field(
        12, ge=1, description="A call with no end older than this is no longer shown as in progress"
    )
    max_body_bytes: int = Field(65536, ge=1024, description="Largest webhook request body accepted")
    max_params: int = Field(200, ge=10, description="Most parameters accepted in one webhook request")
    mapping_file: Path | None = Field(
        None,
        description="TOML file mapping incoming parameter names to TVox variables, per route "
        "(docs/webhooks.md); checked at start",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL", description="SQLite durability: FULL survives power loss, NORMAL only process crashes"
    )
    writer_batch_max: int = Field(256, ge=1, description="Most webhook events committed in one transaction")
    migrate_on_start: bool = Field(True, description="Apply database migrations when the server starts")
    access_log: bool = Field(
        False,
        description="Log a line per HTTP request (uvicorn's access log); every webhook request is in the "
        "event log anyway, and the lines cost about a fifth of the server's time under load",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs sessions and CSRF tokens; when unset, one is generated once and kept in "
        "the database (table app_keys), shared by every process on it",
    )
    webhook_user: str | None = Field(None, description="HTTP Basic user TVox must send")
    webhook_password: SecretStr | None = Field(None, description="HTTP Basic password TVox must send")
    # Security (docs/security.md).
    webhook_allow_networks: Annotated[list[str], NoDecode] = Field(
        [],
        description="Networks (CIDR) webhook requests may come from, comma-separated or JSON; empty: any",
    )
    admin_password: SecretStr | None = Field(
        None, description="Password of the first user, `admin`, made when no user exists (else a random one)"
    )
    frame_ancestors: str = Field(
        "'self'", description="Who may show the pages in a frame (CSP frame-ancestors), e.g. the TVox client"
    )
    session_cookie_secure: bool = Field(
        False, description="Mark session cookies Secure even on plain HTTP (behind a TLS proxy)"
    )
    session_cookie_samesite: Literal["lax", "strict", "none"] = Field(
        "lax",
        description="SameSite of the session cookie; `none` (HTTPS only) for a card framed by another site",
    )
    session_max_age_hours: int = Field(12, ge=1, le=24 * 90, description="How long a login lasts")
    login_attempts_per_minute: int = Field(
        5, ge=1, description="Login attempts allowed per user name in a minute, from any address and process"
    )
    max_api_body_bytes: int = Field(262144, ge=1024, description="Largest JSON API or form request body")
    max_query_bytes: int = Field(
        32768, ge=1024, le=60000, description="Longest query string, on every route (414 above it)"
    )
    password_hash_memory_kib: int = Field(
        65536, ge=64, description="Memory of one argon2id password hash (KiB); lower only on small machines"
    )
    login_attempts_per_address_per_minute: int = Field(
        30, ge=1, description="Login attempts allowed per client address in a minute, whatever the user name"
    )
    password_hash_concurrency: int | None = Field(
        None,
        ge=1,
        description="Password hashes computed at once (each holds password_hash_memory_kib); unset: the "
        "cores but one, at least 1 and at most 4",
    )
    password_hash_wait_seconds: float = Field(
        3.0,
        gt=0,
        le=60,
        description="Longest a password check waits for a free hash slot before a 503 with Retry-After",
    )
    trusted_proxies: str | None = Field(
        None,
        description="Reverse proxies whose X-Forwarded-For/-Proto are trusted (comma-separated IPs or "
        "CIDRs, `*` for any); unset: forwarded headers are ignored",
    )
    # Refused requests (docs/webhooks.md, "Refused requests"): bounded in size, count and age.
    refused_log_excerpt_bytes: int = Field(
        4096,
        ge=256,
        le=65536,
        description="Most bytes of a refused request's query string and body kept in the event log "
        "(its full size is recorded)",
    )
    refused_log_window_seconds: int = Field(
        60,
        ge=1,
        le=86400,
        description="Refusals from one address to one route with one status within this window are one "
        "counted row of the event log",
    )
    refused_log_retention_days: int = Field(
        30,
        ge=0,
        description="Days rejected rows stay in the event log before the server prunes them; 0: forever",
    )
    # The retention of the raw requests of calls (docs/deployment.md, "Backups and retention").
    event_log_retention_days: int = Field(
        0,
        ge=0,
        le=36500,
        description="Days the requests of a call (accepted, duplicate, unrecognized) stay in the event log "
        "after its newest one before the server prunes them, daily; 0: forever. Interactions are kept",
    )
    # Bounded waits on the database (docs/security.md, "Timeouts").
    write_timeout: float = Field(
        4.0,
        gt=0,
        le=600,
        description="Seconds a request waits for its write to commit before it is answered 503 "
        "(keep it under TVox's response timeout, 5 s by default)",
    )
    health_timeout: float = Field(
        1.0, gt=0, le=60, description="Seconds /healthz waits for the database before it answers 503"
    )
    db_connect_timeout: int = Field(
        3, ge=2, le=600, description="Seconds to open a PostgreSQL connection (psycopg connect_timeout)"
    )
    db_statement_timeout: float = Field(
        5.0, gt=0, le=3600, description="Longest PostgreSQL statement of the server (statement_timeout)"
    )
    db_lock_timeout: float = Field(
        3.0,
        gt=0,
        le=3600,
        description="Longest wait for a PostgreSQL lock, a call's advisory lock included (lock_timeout)",
    )
    sqlite_busy_timeout: float = Field(
        3.0, gt=0, le=3600, description="Longest wait for SQLite's write lock held by another process"
    )
    writer_queue_max: int = Field(
        10000, ge=1, description="Most writes waiting for the database; past it a request is answered 503"
    )
    # Monitoring (docs/operations.md, "Monitoring"): /metrics is off unless one of these is set.
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token a Prometheus scraper sends to read /metrics"
    )
    metrics_networks: Annotated[list[str], NoDecode] = Field(
        [], description="Networks (CIDR) that may read /metrics without the token, comma-separated or JSON"
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Server log lines: text, or one JSON object a line with the request id (json)"
    )
    # Missed calls to call back (docs/pages.md, "Missed calls to call back").
    callbacks_window_days: int = Field(
        7,
        ge=1,
        le=90,
        description="Days of missed calls /callbacks lists (older ones leave the list); bounds its query",
    )
    click_to_call_url: str | None = Field(
        None,
        description="TVox click-to-call URL for the call-back links of /callbacks, with `{number}` where the "
        "number goes (E.164, percent-encoded), e.g. https://tvox.example/click2call?number={number}; "
        "http or https only, checked at start; unset: `tel:` links only",
    )

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {value!r}")
        return region

    @field_validator("webhook_allow_networks", "metrics_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            return (
                json.loads(text)
                if text.startswith("[")
                else [p.strip() for p in text.split(",") if p.strip()]
            )
        return value

    @field_validator("webhook_allow_networks", "metrics_networks")
    @classmethod
    def _known_networks(cls, value: list[str]) -> list[str]:
        try:
            return [str(ip_network(network, strict=False)) for network in value]
        except ValueError as error:
            raise ValueError(f"not a network: {error}") from None

    @field_validator("frame_ancestors")
    @classmethod
    def _frame_sources(cls, value: str) -> str:
        sources = value.split()
        if not sources or not all(_FRAME_SOURCE.fullmatch(s) for s in sources):
            raise ValueError(f"not a list of CSP sources: {value!r}")
        return " ".join(sources)

    @model_validator(mode="after")
    def _webhook_credentials_in_pairs(self) -> Settings:
        if (self.webhook_user is None) != (self.webhook_password is None):
            raise ValueError("set both webhook_user and webhook_password, or neither")
        return self

    @field_validator("mapping_file")
    @classmethod
    def _valid_mapping_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_mapping_file(value)  # raises MappingFileError (a ValueError) naming the line
        return value

    @field_validator("click_to_call_url")
    @classmethod
    def _click_to_call_template(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        template = value.strip()
        if "{number}" not in template:
            raise ValueError("the click-to-call URL must contain {number}, where the number goes")
        if _URL_UNSAFE.search(template):
            raise ValueError(
                "the click-to-call URL contains spaces, quotes, angle brackets or control characters"
            )
        parts = urlsplit(template.replace("{number}", "0"))
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("the click-to-call URL must be an http:// or https:// URL with a host")
        return template

    @field_validator("display_timezone", "tvox_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
