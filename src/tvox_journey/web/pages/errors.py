"""Error pages for browsers: `web.errors` calls `render_error_page` for requests that accept HTML."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from tvox_journey.web.pages.render import render

log = logging.getLogger(__name__)
TITLES = {400: "error.400", 403: "error.403", 404: "error.404", 405: "error.405", 413: "error.413",
          414: "error.414", 422: "error.422", 431: "error.431", 503: "error.503"}  # fmt: skip
MESSAGES = {"CSRF": "error.csrf", "control character": "error.control_character"}  # detail text -> message


async def render_error_page(request: Request, status_code: int, error: str) -> Response:
    """The error page in the request's language; a bare page if even that cannot be rendered."""
    message = next((key for text, key in MESSAGES.items() if text in error), None)
    try:
        return render(
            request,
            "error.html",
            {
                "status_code": status_code,
                "title": TITLES.get(status_code, "error.other"),
                "message": message,
                "detail": error,
            },
            status_code=status_code,
        )
    except Exception:
        log.exception("could not render the error page")
        body = f"<!doctype html><title>{status_code}</title><h1>{status_code}</h1><p>{escape(error)}</p>"
        return HTMLResponse(body, status_code=status_code)
