"""`tvox-journey tvox-config`: the TVox OCC Notification Service configuration to enter.

The configuration itself (web services, events, variables) is `ingest.occ`;
this command reads the installation's mappings and prints it as the OCC's
labels or as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from tvox_journey.cli import app
from tvox_journey.cli.options import (
    DatabaseOption,
    FormatOption,
    MappingFileOption,
    check_format,
    load_settings,
)
from tvox_journey.ingest.mapping import Mappings, Table, read_mapping_file
from tvox_journey.ingest.native import NATIVE_TYPES
from tvox_journey.ingest.occ import CONNECT_TIMEOUT, RESPONSE_TIMEOUT, OccConfiguration, occ_configuration
from tvox_journey.settings import Settings
from tvox_journey.store import mappings as mapping_store
from tvox_journey.store.engine import make_database

PASSWORD_SETTING = "TVOX_JOURNEY_WEBHOOK_PASSWORD"
Language = Literal["it", "en"]


_TEXT: dict[str, dict[Language, str]] = {
    "title": {
        "it": "TVox OCC > Notification Service: un web service per voce (Nuovo), layout {layout}",
        "en": "TVox OCC > Notification Service: one web service per entry (Nuovo), layout {layout}",
    },
    "no_auth": {
        "it": "Username e Password vuoti: l'autenticazione dei webhook è disattivata. Per attivarla "
        f"impostare TVOX_JOURNEY_WEBHOOK_USER e {PASSWORD_SETTING} e ripetere questo comando.",
        "en": "Username and Password empty: webhook authentication is off. To turn it on set "
        f"TVOX_JOURNEY_WEBHOOK_USER and {PASSWORD_SETTING} and run this command again.",
    },
    "auth": {
        "it": f"Password: la stessa di {PASSWORD_SETTING} sul server (qui non viene stampata).",
        "en": f"Password: the same as {PASSWORD_SETTING} on the server (not printed here).",
    },
    "empty": {"it": "(vuoto)", "en": "(empty)"},
    "any": {"it": "(nessuno: tutti i servizi)", "en": "(none: every service)"},
    "assumed": {
        "it": "  [etichetta presunta, da verificare: docs/assumptions.md]",
        "en": "  [assumed label, to verify: docs/assumptions.md]",
    },
    "php": {
        "it": "Gli Uri del tutorial con il suffisso .php funzionano ugualmente.",
        "en": "The tutorial URIs with the .php suffix work as well.",
    },
}


def render_text(config: OccConfiguration, language: Language = "it") -> str:
    """The configuration as the OCC's labels, one block per web service."""

    def say(key: str) -> str:
        return _TEXT[key][language]

    lines = [say("title").format(layout=config.layout)]
    first = config.web_services[0] if config.web_services else None
    lines.append(say("auth") if first is not None and first.password is not None else say("no_auth"))
    if config.layout == "tutorial":
        lines.append(say("php"))
    lines.append("")
    for number, service in enumerate(config.web_services, start=1):
        password = f"<{PASSWORD_SETTING}>" if service.password is not None else say("empty")
        lines += [
            f"{number}. Nome: {service.name}",
            "   Abilitato: sì",
            f"   Tipo: {service.method}",
            f"   Uri: {service.uri}",
            f"   Username: {service.username if service.username is not None else say('empty')}",
            f"   Password: {password}",
            f"   Timeout connessione: {service.connect_timeout}",
            f"   Timeout risposta: {service.response_timeout}",
            "   Eventi:",
        ]
        for event in service.events:
            lines.append(
                f"   - Abilitato: sì | Canale: {event.channel} | Tipo: {event.type} | Evento: {event.event}"
                + (f" | Filtro: {event.filter or say('any')}" if event.filterable else "")
                + ("" if event.labels_documented else say("assumed"))
            )
            lines.append("     Variabili (Variabile evento di notifica -> Variabile web service):")
            lines += [f"       {v.tvox} -> {v.web_service}" for v in event.variables]
            if event.popup_variables:
                lines.append("     Variabili popup:")
                lines += [f"       {v.tvox} -> {v.web_service}" for v in event.popup_variables]
        lines.append("")
    return "\n".join(lines)


def render_json(config: OccConfiguration) -> str:
    return json.dumps(asdict(config), ensure_ascii=False, indent=2)


def stored_rows(settings: Settings) -> Table | None:
    """The mappings edited on the admin page, when the database exists and can be read."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return None
    try:
        db = make_database(settings.database_url)
    except (ValueError, SQLAlchemyError):
        return None
    try:
        with db.read.connect() as conn:
            return mapping_store.all_rows(conn)
    except SQLAlchemyError as error:
        typer.echo(
            f"Mappings of the admin page not read ({type(error).__name__}): using file and defaults.",
            err=True,
        )
        return None
    finally:
        db.dispose()


@app.command("tvox-config")
def tvox_config(
    base_url: Annotated[
        str, typer.Option("--base-url", help="How TVox reaches this server, e.g. https://crm.example.com")
    ],
    output_format: FormatOption = "text",
    native: Annotated[
        bool, typer.Option("--native/--tutorial", help="TVox's own variables (native) or the tutorial's URIs")
    ] = True,
    method: Annotated[str, typer.Option("--method", help="Tipo of every web service: GET or POST")] = "GET",
    connect_timeout: Annotated[
        int, typer.Option(min=1, max=60, help="Timeout connessione (s)")
    ] = CONNECT_TIMEOUT,
    response_timeout: Annotated[
        int, typer.Option(min=1, max=60, help="Timeout risposta (s)")
    ] = RESPONSE_TIMEOUT,
    service_filter: Annotated[
        str | None, typer.Option("--filter", help="Filtro: one service code for service rows (default: all)")
    ] = None,
    types: Annotated[
        str | None,
        typer.Option(
            "--types", help="Native types to configure, comma-separated (default: all), e.g. service,chat"
        ),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--lang", help="it or en (default: the language setting)")
    ] = None,
    mapping_file: MappingFileOption = None,
    database: DatabaseOption = None,
) -> None:
    """Print the TVox OCC Notification Service configuration for this installation."""
    check_format(output_format)
    if method.upper() not in ("GET", "POST"):
        raise typer.BadParameter("GET or POST", param_hint="--method")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise typer.BadParameter(
            "an http(s) URL without query, e.g. https://crm.example.com", param_hint="--base-url"
        )
    if language not in (None, "it", "en"):
        raise typer.BadParameter("it or en", param_hint="--lang")
    chosen = frozenset(t.strip() for t in types.split(",") if t.strip()) if types is not None else None
    known = {spec.call_type.value for spec in NATIVE_TYPES}
    if chosen is not None and (not chosen or not chosen <= known):
        raise typer.BadParameter(f"some of {', '.join(sorted(known))}", param_hint="--types")
    settings = load_settings(mapping_file=mapping_file, database_url=database)
    file = read_mapping_file(settings.mapping_file) if settings.mapping_file is not None else None
    mappings = Mappings(file, stored_rows(settings))
    password = f"the value of {PASSWORD_SETTING}" if settings.webhook_password is not None else None
    config = occ_configuration(
        mappings,
        base_url=base_url,
        username=settings.webhook_user,
        password=password,
        layout="native" if native else "tutorial",
        method=method.upper(),
        connect_timeout=connect_timeout,
        response_timeout=response_timeout,
        service_filter=service_filter,
        types=chosen,
    )
    lang: Language = "en" if (language or settings.language) == "en" else "it"
    typer.echo(render_json(config) if output_format == "json" else render_text(config, lang))
