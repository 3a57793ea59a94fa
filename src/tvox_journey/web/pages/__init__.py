"""HTML pages: the contact card and Customer Journey, contacts, live board, admin pages.

`install_pages(app)` adds the routes, the live stream, the static files and
the HTML error pages to an app made by `create_app`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tvox_journey.settings import Settings
from tvox_journey.web.pages import (
    admin,
    board,
    card,
    contacts,
    contacts_import,
    directory,
    erase,
    interaction,
    log,
    log_replay,
    note_outcomes,
    notes,
    reports,
    setup,
    stream,
)
from tvox_journey.web.pages import callbacks as callbacks_pages
from tvox_journey.web.pages.errors import render_error_page
from tvox_journey.web.pages.render import make_environment

STATIC = Path(__file__).resolve().parent.parent / "static"


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.state.page_templates = make_environment()
    app.state.render_error_page = render_error_page
    for module in (
        board,
        contacts,
        card,
        erase,
        admin,
        directory,
        log,
        log_replay,
        interaction,
        setup,
        stream,
        notes,
        reports,
    ):
        app.include_router(module.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(contacts_import.router, max_body_size=contacts_import.MAX_BODY_BYTES)
    app.include_router(callbacks_pages.router, max_body_size=settings.max_api_body_bytes)
    app.include_router(note_outcomes.router, max_body_size=settings.max_api_body_bytes)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
