"""The texts of `tvox-journey doctor` (`cli/doctor.py`, `cli/doctor_checks.py`), Italian and English."""

from __future__ import annotations

from typing import Any

from tvox_journey.ingest.checklist_text import Language

_TEXT: dict[str, dict[Language, str]] = {
    "heading": {"it": "tvox-journey doctor: {url}", "en": "tvox-journey doctor: {url}"},
    "services": {
        "it": "Web service (layout {layouts}; registro eventi: {rows} righe lette{scope}):",
        "en": "Web services (layout {layouts}; event log: {rows} rows read{scope}):",
    },
    "all_rows": {"it": ", tutte", "en": ", all of them"},
    "no_services": {
        "it": "Web service: non controllati, il database non si può leggere",
        "en": "Web services: not checked, the database cannot be read",
    },
    "strays": {
        "it": "Richieste che non corrispondono a nessun web service:",
        "en": "Requests that match no web service:",
    },
    "stray": {
        "it": "{requests}, l'ultima alle {at}: {guess}",
        "en": "{requests}, the last at {at}: {guess}",
    },
    "last": {"it": "Ultima richiesta da TVox", "en": "Last request from TVox"},
    "result": {
        "it": "Esito: {fails} FAIL, {warns} WARN: uscita {status}{strict}",
        "en": "Result: {fails} FAIL, {warns} WARN: exit status {status}{strict}",
    },
    "strict": {"it": " (--strict: anche i WARN falliscono)", "en": " (--strict: WARN fails too)"},
    "setting": {"it": "Impostazione {env}", "en": "Setting {env}"},
    "setting_bad": {
        "it": "{message}: correggerla (il resto è controllato con il suo valore predefinito)",
        "en": "{message}: fix it (the rest is checked with its default value)",
    },
    "settings": {"it": "Impostazioni", "en": "Settings"},
    "settings_ok": {"it": "valide", "en": "valid"},
    "database": {"it": "Database", "en": "Database"},
    "db_no_file": {
        "it": "il file {path} non esiste: `tvox-journey serve` lo crea al primo avvio (o `tvox-journey "
        "db upgrade`); altrimenti correggere TVOX_JOURNEY_DATABASE_URL",
        "en": "the file {path} does not exist: `tvox-journey serve` makes it at its first start (or "
        "`tvox-journey db upgrade`); else fix TVOX_JOURNEY_DATABASE_URL",
    },
    "db_silent": {
        "it": "{url} non risponde entro {seconds} s: avviare il database o correggere "
        "TVOX_JOURNEY_DATABASE_URL",
        "en": "{url} does not answer within {seconds} s: start the database or fix TVOX_JOURNEY_DATABASE_URL",
    },
    "db_error": {
        "it": "{url}: {error}: avviare il database o correggere TVOX_JOURNEY_DATABASE_URL",
        "en": "{url}: {error}: start the database or fix TVOX_JOURNEY_DATABASE_URL",
    },
    "db_ok": {"it": "{url} risponde", "en": "{url} answers"},
    "schema": {"it": "Schema del database", "en": "Database schema"},
    "schema_ok": {
        "it": "alla revisione {current}, la più recente",
        "en": "at revision {current}, the newest",
    },
    "schema_empty": {
        "it": "database vuoto, mai migrato: `tvox-journey db upgrade` (o avviare il server, che migra "
        "all'avvio)",
        "en": "empty database, never migrated: `tvox-journey db upgrade` (or start the server: it migrates "
        "at start)",
    },
    "schema_old": {
        "it": "alla revisione {current}, la più recente è {head}: `tvox-journey db upgrade` (o riavviare il "
        "server, che migra all'avvio)",
        "en": "at revision {current}, the newest is {head}: `tvox-journey db upgrade` (or restart the "
        "server: it migrates at start)",
    },
    "schema_new": {
        "it": "alla revisione {current}, che questa versione non conosce (la sua più recente è {head}): "
        "l'ha migrato una versione più nuova di tvox-journey; usare quella",
        "en": "at revision {current}, which this version does not know (its newest is {head}): a newer "
        "version of tvox-journey migrated it; use that one",
    },
    "credentials": {"it": "Credenziali dei webhook", "en": "Webhook credentials"},
    "credentials_ok": {
        "it": "impostate (utente {user}); mittenti ammessi: {networks}",
        "en": "set (user {user}); senders allowed: {networks}",
    },
    "any_address": {"it": "qualunque indirizzo", "en": "any address"},
    "credentials_open": {
        "it": "assenti, e il server ascolta su {host}: chiunque lo raggiunga può inviare eventi (`serve` "
        "rifiuta di partire senza --allow-open-webhooks). Impostare TVOX_JOURNEY_WEBHOOK_USER e "
        "TVOX_JOURNEY_WEBHOOK_PASSWORD, e gli stessi Username e Password in TVox",
        "en": "none, and the server listens on {host}: anyone who reaches it can send events (`serve` "
        "refuses to start without --allow-open-webhooks). Set TVOX_JOURNEY_WEBHOOK_USER and "
        "TVOX_JOURNEY_WEBHOOK_PASSWORD, and the same Username and Password in TVox",
    },
    "credentials_allowed": {
        "it": "assenti, e il server ascolta su {host}: chiunque lo raggiunga può inviare eventi "
        "(--allow-open-webhooks). Meglio impostare TVOX_JOURNEY_WEBHOOK_USER e TVOX_JOURNEY_WEBHOOK_PASSWORD",
        "en": "none, and the server listens on {host}: anyone who reaches it can send events "
        "(--allow-open-webhooks). Better set TVOX_JOURNEY_WEBHOOK_USER and TVOX_JOURNEY_WEBHOOK_PASSWORD",
    },
    "credentials_loopback": {
        "it": "assenti: il server ascolta solo su {host}, ma un proxy davanti a lui lo apre a chiunque; "
        "impostare TVOX_JOURNEY_WEBHOOK_USER e TVOX_JOURNEY_WEBHOOK_PASSWORD (e gli stessi in TVox)",
        "en": "none: the server listens only on {host}, but a proxy in front of it opens it to anyone; set "
        "TVOX_JOURNEY_WEBHOOK_USER and TVOX_JOURNEY_WEBHOOK_PASSWORD (and the same in TVox)",
    },
    "listen": {"it": "Indirizzo di ascolto", "en": "Listening address"},
    "listen_network": {
        "it": "{host}:{port}, raggiungibile dalla rete: il firewall deve lasciar passare TVox",
        "en": "{host}:{port}, reachable from the network: the firewall must let TVox through",
    },
    "listen_proxy": {
        "it": "{host}:{port}, solo da questa macchina, dietro i proxy di TVOX_JOURNEY_TRUSTED_PROXIES",
        "en": "{host}:{port}, from this machine only, behind the proxies of TVOX_JOURNEY_TRUSTED_PROXIES",
    },
    "listen_reached": {
        "it": "{host}:{port}, solo da questa macchina; le richieste di TVox arrivano (da un proxy)",
        "en": "{host}:{port}, from this machine only; TVox's requests arrive (through a proxy)",
    },
    "listen_loopback": {
        "it": "{host}:{port}, solo da questa macchina: TVox non lo raggiunge se non attraverso un proxy "
        "inverso qui (docs/deployment.md); altrimenti impostare TVOX_JOURNEY_HOST (per esempio 0.0.0.0)",
        "en": "{host}:{port}, from this machine only: TVox cannot reach it but through a reverse proxy "
        "here (docs/deployment.md); else set TVOX_JOURNEY_HOST (e.g. 0.0.0.0)",
    },
    "secret": {"it": "Chiave segreta", "en": "Secret key"},
    "secret_short": {
        "it": "TVOX_JOURNEY_SECRET_KEY è corta ({length} caratteri): usarne una di almeno {minimum} "
        "caratteri casuali, la stessa per ogni processo",
        "en": "TVOX_JOURNEY_SECRET_KEY is short ({length} characters): use at least {minimum} random "
        "characters, the same for every process",
    },
    "secret_mixed": {
        "it": "impostata in TVOX_JOURNEY_SECRET_KEY, ma nel database c'è anche una chiave generata: un "
        "processo è partito senza. Ogni processo su questo database deve avere lo stesso "
        "TVOX_JOURNEY_SECRET_KEY, o nessuno",
        "en": "set in TVOX_JOURNEY_SECRET_KEY, but the database also holds a generated key: some process "
        "started without it. Every process on this database needs the same TVOX_JOURNEY_SECRET_KEY, or "
        "none does",
    },
    "secret_env": {
        "it": "impostata in TVOX_JOURNEY_SECRET_KEY: ogni processo su questo database deve avere lo stesso "
        "valore",
        "en": "set in TVOX_JOURNEY_SECRET_KEY: every process on this database must have the same value",
    },
    "secret_stored": {
        "it": "generata e conservata nel database, condivisa da ogni processo che lo usa",
        "en": "generated and kept in the database, shared by every process on it",
    },
    "secret_later": {
        "it": "non ancora generata: il primo avvio del server la crea nel database, condivisa da ogni "
        "processo",
        "en": "not generated yet: the server's first start makes it in the database, shared by every process",
    },
    "secret_unknown": {
        "it": "TVOX_JOURNEY_SECRET_KEY non impostata, e la chiave del database non si può leggere",
        "en": "TVOX_JOURNEY_SECRET_KEY unset, and the database's key cannot be read",
    },
    "zone": {"it": "Fuso orario e regione", "en": "Time zone and region"},
    "zone_ok": {
        "it": "orari mostrati in {display}; orari di TVox senza offset in {tvox}; numeri senza prefisso "
        "internazionale: {region}",
        "en": "times shown in {display}; TVox times without an offset in {tvox}; numbers without a country "
        "code: {region}",
    },
    "zone_bad": {"it": "{env}: {message}", "en": "{env}: {message}"},
    "mapping": {"it": "File di mapping", "en": "Mapping file"},
    "mapping_none": {
        "it": "nessuno (nomi predefiniti, e la pagina /mappings)",
        "en": "none (the built-in names, and the /mappings page)",
    },
    "mapping_ok": {"it": "{path}: valido, {count} nomi", "en": "{path}: valid, {count} names"},
    "mapping_bad": {
        "it": "{error}. Correggerlo: il server non parte con questo file",
        "en": "{error}. Fix it: the server does not start with this file",
    },
    "mappings": {"it": "Mapping delle variabili", "en": "Variable mappings"},
    "mappings_clash": {
        "it": "{message} (pagina /mappings o file di mapping)",
        "en": "{message} (the /mappings page or the mapping file)",
    },
}


def say(language: Language, key: str, **values: Any) -> str:
    return _TEXT[key][language].format(**values)
