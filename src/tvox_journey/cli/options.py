"""Options shared by commands, mirroring settings names."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from tvox_journey.settings import Settings

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: TVOX_JOURNEY_DATABASE_URL or ./tvox-journey.db)"),
]


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
