"""Settings: one object, read once at the edge (CLI or create_app), then passed down.

Every field can be set with a `TVOX_JOURNEY_<FIELD>` environment variable.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL", description="SQLite durability: FULL survives power loss, NORMAL only process crashes"
    )
    writer_batch_max: int = Field(256, ge=1, description="Most webhook events committed in one transaction")
    migrate_on_start: bool = Field(True, description="Apply database migrations when the server starts")
    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs sessions and CSRF tokens; random at each start when unset "
        "(set it when running several processes or to keep sessions across restarts)",
    )
    webhook_user: str | None = Field(None, description="HTTP Basic user TVox must send")
    webhook_password: SecretStr | None = Field(None, description="HTTP Basic password TVox must send")

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {value!r}")
        return region

    @field_validator("display_timezone", "tvox_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value
