"""Variable mappings: loaded at start (file + database rows), edited by admins at /mappings.

A row edited here overrides the mapping file, which overrides the built-in
default (ingest/mapping.py). Every change is recorded in the event log and
takes effect at once for the webhooks of this process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from tvox_journey.ingest.mapping import (
    ROUTE_KEYS,
    Mappings,
    Table,
    canonical_route,
    entry_problem,
    name_problem,
    read_mapping_file,
)
from tvox_journey.ingest.native import KNOWN_VARIABLES
from tvox_journey.services import recording
from tvox_journey.settings import Settings
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.engine import Database
from tvox_journey.web.deps import Resources, ResourcesDep
from tvox_journey.web.pages.common import CSRF, Admin
from tvox_journey.web.pages.render import language, render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
PATH = "/mappings"

_TEXT: Mapping[str, Mapping[str, str]] = {
    "it": {
        "title": "Mappatura variabili",
        "lead": "Per ogni indirizzo (route), il nome del parametro che arriva da TVox "
        '("Variabile web service") e la variabile TVox che porta ("Variabile evento di notifica"). '
        "Le righe salvate qui prevalgono sul file di mappatura, che prevale sui valori predefiniti.",
        "file": "File di mappatura",
        "no_file": "nessuno (impostazione mapping_file)",
        "add": "Aggiungi o modifica",
        "route": "Route",
        "incoming": "Nome in arrivo",
        "variable": "Variabile TVox",
        "source": "Origine",
        "default": "predefinito",
        "database": "questa pagina",
        "save": "Salva",
        "remove": "Rimuovi",
        "native": "i nomi di TVox, senza mappatura",
        "error_route": "Route sconosciuta.",
    },
    "en": {
        "title": "Variable mapping",
        "lead": 'For each address (route), the name of the parameter TVox sends ("Variabile web service") '
        'and the TVox variable it carries ("Variabile evento di notifica"). Rows saved here override the '
        "mapping file, which overrides the defaults.",
        "file": "Mapping file",
        "no_file": "none (mapping_file setting)",
        "add": "Add or change",
        "route": "Route",
        "incoming": "Incoming name",
        "variable": "TVox variable",
        "source": "Source",
        "default": "default",
        "database": "this page",
        "save": "Save",
        "remove": "Remove",
        "native": "TVox's own names, no mapping",
        "error_route": "Unknown route.",
    },
}
MAX_FORM_TEXT = 255


def load_mappings(settings: Settings, db: Database) -> Mappings:
    """The effective mappings: built-in defaults, the mapping file, the rows edited on this page.

    Raises:
        MappingFileError: the mapping file is invalid (naming the line).
    """
    file = read_mapping_file(settings.mapping_file) if settings.mapping_file is not None else None
    with db.read.connect() as conn:
        rows = mapping_store.all_rows(conn)
    mappings = Mappings(file, rows)
    for clash in mappings.clashes():  # rows saved before the file changed: fix them on the page
        log.warning("variable mapping: %s", clash.message)
    return mappings


def _text(request: Request) -> Mapping[str, str]:
    return _TEXT.get(language(request), _TEXT["it"])


def _page(
    request: Request, resources: Resources, *, error: str | None = None, status_code: int = 200
) -> Response:
    text = _text(request)
    mappings = resources.mappings
    routes = [(route, mappings.entries(route)) for route in ROUTE_KEYS]
    return render(
        request,
        "admin/mappings.html",
        {
            "nav": "mappings",
            "m": text,
            "routes": routes,
            "variables": sorted(KNOWN_VARIABLES | {"popup1", "popup2", "popup3"}),
            "mapping_file": resources.settings.mapping_file,
            "error": error,
        },
        status_code=status_code,
    )


@router.get(PATH)
def mappings_page(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """The effective variable mapping of every webhook route, editable."""
    return _page(request, resources)


async def _form(request: Request) -> tuple[str, str, str]:
    data = await request.form()
    values = [data.get(name) for name in ("route", "incoming", "variable")]
    route, incoming, variable = (v.strip()[: MAX_FORM_TEXT + 1] if isinstance(v, str) else "" for v in values)
    return route, incoming, variable


async def _change(
    resources: Resources,
    edit: Callable[[Connection], object],
    preview: Callable[[Table], Table],
    *,
    route: str,
    action: str,
    details: list[tuple[str, str]],
    actor: str,
) -> str | None:
    """Apply `edit`, record it, and let the webhooks use the new rows at once.

    Returns why nothing was changed, or None: the rows `preview` makes of the current ones must
    not make two incoming names carry one TVox variable (checked in the write's own transaction).
    """
    now = resources.now()
    file = resources.mappings.file

    def write(conn: Connection) -> tuple[Table, int] | str:
        clash = Mappings(file, preview(mapping_store.all_rows(conn))).clash(route)
        if clash is not None:
            return clash.message
        edit(conn)
        seq = recording.record_action(conn, actor=actor, action=action, details=details, now=now)
        return mapping_store.all_rows(conn), seq

    written = await resources.writer.run(write)
    if isinstance(written, str):
        return written
    rows, seq = written
    if seq >= resources.mappings_seq:  # other processes get it through the log follower (web/tasks/feed.py)
        resources.mappings, resources.mappings_seq = resources.mappings.with_rows(rows), seq
    return None


def _with(rows: Table, route: str, incoming: str, variable: str | None) -> Table:
    """`rows` with one row set (or removed, for None)."""
    changed = {r: dict(entries) for r, entries in rows.items()}
    changed.setdefault(route, {}).pop(incoming, None)
    if variable is not None:
        changed[route][incoming] = variable
    return changed


@router.post(PATH, dependencies=CSRF)
async def set_mapping(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Map an incoming name to a TVox variable on one route."""
    name, incoming, variable = await _form(request)
    route = canonical_route(name)
    if route is None:
        return _page(request, resources, error=_text(request)["error_route"], status_code=422)
    problem = entry_problem(incoming, variable)
    if problem is not None:
        return _page(request, resources, error=problem, status_code=422)

    def edit(conn: Connection) -> None:
        mapping_store.set_row(conn, route=route, incoming=incoming, variable=variable)

    details = [("route", route), ("incoming", incoming), ("variable", variable)]
    refused = await _change(
        resources, edit, lambda rows: _with(rows, route, incoming, variable),
        route=route, action="mappings/set", details=details, actor=user.username,
    )  # fmt: skip
    if refused is not None:
        return _page(request, resources, error=refused, status_code=422)
    return RedirectResponse(PATH, status_code=303)


@router.post(f"{PATH}/delete", dependencies=CSRF)
async def remove_mapping(request: Request, resources: ResourcesDep, user: Admin) -> Response:
    """Remove a row saved on this page: the file's or the default mapping applies again."""
    name, incoming, _variable = await _form(request)
    route = canonical_route(name)
    if route is None or name_problem(incoming) is not None:
        return _page(request, resources, error=_text(request)["error_route"], status_code=422)

    def edit(conn: Connection) -> bool:
        return mapping_store.remove_row(conn, route=route, incoming=incoming)

    details = [("route", route), ("incoming", incoming)]
    refused = await _change(
        resources, edit, lambda rows: _with(rows, route, incoming, None),
        route=route, action="mappings/remove", details=details, actor=user.username,
    )  # fmt: skip
    if refused is not None:
        return _page(request, resources, error=refused, status_code=422)
    return RedirectResponse(PATH, status_code=303)
