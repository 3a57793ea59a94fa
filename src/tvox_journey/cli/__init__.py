"""The `tvox-journey` command line: builds Settings once, then calls services or serves the app."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="tvox-journey",
    help="CRM connector for the TVox Notification Service: Customer Journey of every contact.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    from tvox_journey.cli import (  # noqa: F401  (registers the commands)
        contacts,
        db,
        demo,
        doctor,
        erase,
        log,
        serve,
        simulate,
        transfer,
        tvox_config,
        users,
    )

    app()
