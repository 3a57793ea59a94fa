"""Options shared by commands, mirroring settings names."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from tvox_journey.settings import Settings

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: TVOX_JOURNEY_DATABASE_URL or ./tvox-journey.db)"),
]

MappingFileOption = Annotated[
    Path | None, typer.Option("--mapping-file", help="Mapping file (default: TVOX_JOURNEY_MAPPING_FILE)")
]
FormatOption = Annotated[str, typer.Option("--format", help="text or json")]


def check_format(output_format: str) -> None:
    """Refuse a `--format` other than text or json (exit 2, as typer's own usage errors)."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("text or json", param_hint="--format")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        for problem in error.errors():
            name = ".".join(str(p) for p in problem["loc"])
            typer.echo(f"Invalid setting {name} (TVOX_JOURNEY_{name.upper()}): {problem['msg']}", err=True)
        raise typer.Exit(2) from None
