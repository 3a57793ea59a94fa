"""The texts of the setup checklist (`ingest/checklist.py`), in Italian and English (pure).

Variable names, URIs and settings are quoted as they are; the OCC's own labels (Variabili, Variabile
web service, Tipo...) stay Italian in both languages, as the OCC shows them.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any, Literal

from tvox_journey.ingest.checklist_model import FAILING, INCOMPLETE, WAITING, WORKING

Language = Literal["it", "en"]

_USER, _PASSWORD = "TVOX_JOURNEY_WEBHOOK_USER", "TVOX_JOURNEY_WEBHOOK_PASSWORD"

TEXT: dict[str, dict[Language, str]] = {
    "missing": {
        "it": "`{name}` mai ricevuto: in questo evento mappare `{tvox} -> {name}`",
        "en": "`{name}` never received: map `{tvox} -> {name}` in this event",
    },
    "empty": {
        "it": "`{name}` sempre vuoto (richieste lette: {count}): controllare nell'OCC la riga "
        "`{tvox} -> {name}` (Variabile evento di notifica)",
        "en": "`{name}` always empty (requests read: {count}): check the row `{tvox} -> {name}` in the OCC "
        "(Variabile evento di notifica)",
    },
    "unread_typo": {
        "it": "`{name}` arriva ma nessuno lo legge: probabilmente un errore di battitura per `{other}` "
        "(Variabile web service nell'OCC)",
        "en": "`{name}` arrives but nothing reads it: likely a typo for `{other}` "
        "(Variabile web service in the OCC)",
    },
    "unread": {
        "it": "`{name}` arriva ma nessuno lo legge: mapparlo a una variabile TVox (pagina /mappings o "
        "file di mapping) o toglierlo dall'OCC",
        "en": "`{name}` arrives but nothing reads it: map it to a TVox variable (the /mappings page or "
        "the mapping file) or remove it from the OCC",
    },
    "event_missing": {
        "it": "nessun evento «{event}» ({type}) tra le ultime {count} richieste: in questo web service "
        "manca la riga evento Tipo: {type}, Evento: {event}?",
        "en": "no «{event}» ({type}) event among the newest {count} requests: does this web service lack "
        "the event row Tipo: {type}, Evento: {event}?",
    },
    "unrecognized": {
        "it": "{events} con un valore di `event` sconosciuto ({reason}): dare loro un web service con "
        "l'evento nell'Uri (docs/assumptions.md)",
        "en": "{events} with an unknown `event` value ({reason}): give them a web service with the event "
        "in the Uri (docs/assumptions.md)",
    },
    WAITING: {"it": "in attesa", "en": "waiting"},
    WORKING: {"it": "funziona", "en": "working"},
    INCOMPLETE: {"it": "incompleto", "en": "incomplete"},
    FAILING: {"it": "in errore", "en": "failing"},
    "nothing": {"it": "nessuna richiesta ricevuta", "en": "nothing received yet"},
    "not_recently": {
        "it": " tra le ultime {rows} righe del registro eventi",
        "en": " among the newest {rows} rows of the event log",
    },
    "accepted": {
        "it": "l'ultima alle {at}, {at_least}{count} nelle ultime 24 ore",
        "en": "the last at {at}, {at_least}{count} in the last 24 hours",
    },
    "at_least": {"it": "almeno ", "en": "at least "},
    "refused": {
        "it": "{refused}, l'ultima alle {at}: {status} {reason}. {fix}",
        "en": "{refused}, the last at {at}: {status} {reason}. {fix}",
    },
    "refused_earlier": {
        "it": "{refused} nelle ultime 24 ore, l'ultima alle {at}: {status} {reason}",
        "en": "{refused} in the last 24 hours, the last at {at}: {status} {reason}",
    },
    "stray_tutorial": {
        "it": "un Uri del tutorial, ma si controlla il layout native: in TVox c'è ancora un web service "
        "del tutorial (toglierlo, o controllare anche il layout tutorial: layout auto o tutorial)",
        "en": "a tutorial Uri, but the native layout is checked: TVox still has a tutorial web service "
        "(remove it, or check the tutorial layout too: layout auto or tutorial)",
    },
    "stray_native": {
        "it": "un Uri native, ma si controlla il layout tutorial (controllare anche il layout native: layout "
        "auto o native)",
        "en": "a native Uri, but the tutorial layout is checked (check the native layout too: layout auto or "
        "native)",
    },
    "stray_native_other": {
        "it": "un Uri native che la configurazione controllata non prevede (un tipo non tra quelli "
        "controllati, o un Uri diverso da quelli di tvox-config)",
        "en": "a native Uri the checked configuration does not have (a type not among those checked, or a "
        "Uri other than tvox-config's)",
    },
    "stray_native_unknown": {
        "it": "un Uri native con un tipo o un evento sconosciuto: confrontarlo con quelli di tvox-config",
        "en": "a native Uri with an unknown type or event: compare it with tvox-config's",
    },
    "stray_typo": {
        "it": "probabilmente {path} (un errore nell'Uri del web service)",
        "en": "likely {path} (a mistake in the web service's Uri)",
    },
    "stray_tvox": {
        "it": "richieste di TVox su un Uri sconosciuto: confrontarlo con quelli di tvox-config",
        "en": "TVox requests at an unknown Uri: compare it with tvox-config's",
    },
    "stray_other": {
        "it": "non sembra TVox (un browser o uno scanner?)",
        "en": "does not look like TVox (a browser or a scanner?)",
    },
    "last": {"it": "alle {at} su {path}", "en": "at {at} on {path}"},
    "last_old": {
        "it": "alle {at} su {path}, {hours} ore fa: TVox non manda più eventi?",
        "en": "at {at} on {path}, {hours} hours ago: has TVox stopped sending events?",
    },
    "last_none": {"it": "nessuna finora", "en": "none yet"},
    # What to do about a refusal, by status.
    "fix_401": {
        "it": f"Username e Password di questo web service nell'OCC devono essere quelli di {_USER} e "
        f"{_PASSWORD}",
        "en": f"Username and Password of this web service in the OCC must be those of {_USER} and "
        f"{_PASSWORD}",
    },
    "fix_403": {
        "it": "L'indirizzo di TVox non è in TVOX_JOURNEY_WEBHOOK_ALLOW_NETWORKS: aggiungerlo",
        "en": "TVox's address is not in TVOX_JOURNEY_WEBHOOK_ALLOW_NETWORKS: add it",
    },
    "fix_422": {
        "it": "Correggere la variabile indicata nelle Variabili di questo web service (tvox-journey "
        "tvox-config le stampa)",
        "en": "Fix the variable named in this web service's Variabili (tvox-journey tvox-config prints them)",
    },
    "fix_405": {
        "it": "Il Tipo del web service deve essere GET o POST",
        "en": "The web service's Tipo must be GET or POST",
    },
    "fix_size": {
        "it": "Richiesta troppo grande: togliere Variabili inutili o alzare TVOX_JOURNEY_MAX_BODY_BYTES, "
        "TVOX_JOURNEY_MAX_PARAMS o TVOX_JOURNEY_MAX_QUERY_BYTES",
        "en": "Request too large: remove unneeded Variabili or raise TVOX_JOURNEY_MAX_BODY_BYTES, "
        "TVOX_JOURNEY_MAX_PARAMS or TVOX_JOURNEY_MAX_QUERY_BYTES",
    },
    "fix_other": {"it": "Vedere il Registro eventi (/log)", "en": "See the event log (/log)"},
    # Delays from the event's time to its arrival (checklist_timing.py).
    "timing": {
        "it": "ritardo tra l'ora dell'evento e l'arrivo: p50 {p50}, p95 {p95} ({requests} nell'ultima ora)",
        "en": "delay from the event's time to its arrival: p50 {p50}, p95 {p95} "
        "({requests} in the last hour)",
    },
    "timing_negative": {
        "it": "ritardi negativi: l'orologio di TVox è avanti di circa {offset} rispetto a questo server; "
        "sincronizzare entrambi (NTP)",
        "en": "negative delays: TVox's clock is about {offset} ahead of this server's; "
        "synchronize both (NTP)",
    },
    "timing_offset": {
        "it": "un ritardo costante di circa {offset}: gli orologi di TVox e di questo server non coincidono; "
        "sincronizzare entrambi (NTP)",
        "en": "a constant delay of about {offset}: the clocks of TVox and this server differ; "
        "synchronize both (NTP)",
    },
    "timing_zone": {
        "it": "uno scarto costante di circa {offset}: un fuso orario sbagliato da una parte (l'ora del "
        "server TVox, o TVOX_JOURNEY_TVOX_TIMEZONE se TVox manda dateYMDms)",
        "en": "a constant offset of about {offset}: a time zone set wrong on one side (the TVox server's "
        "clock, or TVOX_JOURNEY_TVOX_TIMEZONE when TVox sends dateYMDms)",
    },
    "timing_old": {
        "it": "eventi di circa {offset} fa: traffico vecchio riprodotto, o l'orologio di TVox è sbagliato",
        "en": "events from about {offset} ago: old traffic replayed, or TVox's clock is wrong",
    },
}

# Counted nouns: (one, several).
NOUNS: dict[str, dict[Language, tuple[str, str]]] = {
    "refused": {"it": ("{n} rifiutata", "{n} rifiutate"), "en": ("{n} refused", "{n} refused")},
    "requests": {"it": ("{n} richiesta", "{n} richieste"), "en": ("{n} request", "{n} requests")},
    "events": {"it": ("{n} evento", "{n} eventi"), "en": ("{n} event", "{n} events")},
    "days": {"it": ("{n} giorno", "{n} giorni"), "en": ("{n} day", "{n} days")},
}
_FIXES = {401: "fix_401", 403: "fix_403", 422: "fix_422", 405: "fix_405", 413: "fix_size", 414: "fix_size"}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class Say:
    """The checklist's texts in one language, times in one zone."""

    def __init__(self, language: Language, zone: tzinfo) -> None:
        self.language: Language = language
        self.zone = zone

    def __call__(self, key: str, **values: Any) -> str:
        return TEXT[key][self.language].format(**values)

    def count(self, n: int, noun: str) -> str:
        """`n` and the noun, singular or plural: "1 request", "2 requests"."""
        one, several = NOUNS[noun][self.language]
        return (one if n == 1 else several).format(n=n)

    def time(self, at: datetime | None) -> str:
        return at.astimezone(self.zone).strftime(TIME_FORMAT) if at is not None else "-"

    def duration(self, seconds: float) -> str:
        """A delay for people: `12 ms`, `1.5 s` (`1,5 s` in Italian), `5 min 3 s`, `2 h 0 min`, `3 days`."""
        sign, left = ("-" if seconds < 0 else ""), abs(seconds)
        if left < 1:
            return f"{sign}{round(left * 1000)} ms"
        if left < 60:
            text = f"{left:.1f}"
            return f"{sign}{text.replace('.', ',') if self.language == 'it' else text} s"
        whole = round(left)
        if whole < 3600:
            return f"{sign}{whole // 60} min {whole % 60} s"
        if whole < 86400:
            return f"{sign}{whole // 3600} h {whole % 3600 // 60} min"
        return sign + self.count(whole // 86400, "days")


def sayer(language: Language, zone: tzinfo) -> Say:
    return Say(language, zone)


def refusal_fix(say: Say, status: int | None) -> str:
    """What to do about a refusal with this HTTP status."""
    return say(_FIXES.get(status or 0, "fix_other"))
