"""The people of the demo's history: contacts, agents, services and callers nobody saved.

Plain data, invented (any likeness to real numbers is chance): Italian names, landlines and
mobiles, two companies, one switchboard number two colleagues share, and a few callers
who are not contacts, so the pages show every case a real contact center meets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CastContact:
    """A contact of the address book: the numbers as a person would type them."""

    name: str
    surname: str
    company: str | None
    numbers: tuple[str, ...]
    weight: float = 1.0  # how often they call, relative to the others


@dataclass(frozen=True, slots=True)
class CastAgent:
    """An agent: the username TVox sends for outbound calls and transfers, the numeric PIN its
    native service events carry (`pin`), the extension a direct call rings, and a display name."""

    username: str
    pin: str
    extension: str
    name: str


@dataclass(frozen=True, slots=True)
class CastService:
    """A Contact Center service: its code (`servizio`), display name and public number (`dnis`)."""

    code: str
    name: str
    number: str
    weight: float


SHARED_NUMBER = "0229400100"  # the Colombo switchboard: two contacts, one journey shown on both

CONTACTS: tuple[CastContact, ...] = (
    CastContact("Giulia", "Esposito", None, ("3471234567",), 1.6),
    CastContact("Luca", "Ferri", "Ferri Impianti S.r.l.", ("0458001234", "3355550101"), 1.8),
    CastContact("Francesca", "Colombo", "Colombo & Figli S.n.c.", (SHARED_NUMBER,), 1.2),
    CastContact("Paolo", "Colombo", "Colombo & Figli S.n.c.", (SHARED_NUMBER, "3397771212"), 1.0),
    CastContact("Chiara", "Ricci", None, ("3281122334",), 1.0),
    CastContact("Marco", "Gallo", None, ("0516543210",), 0.8),
    CastContact("Elena", "Conti", None, ("3207654321", "0612345678"), 1.2),
    CastContact("Davide", "Marino", None, ("0498765432",), 0.7),
    CastContact("Sofia", "Greco", None, ("3664455667",), 0.9),
    CastContact("Alessandro", "Bruno", None, ("0118765432", "3409988776"), 0.8),
)

# Callers who are not contacts (yet): the card of an unknown number, and /callbacks without a name.
STRANGERS: tuple[str, ...] = ("3401112223", "0817654321", "3935550123", "0553219876")
STRANGER_WEIGHT = 0.5

AGENTS: tuple[CastAgent, ...] = (
    CastAgent("lbianchi", "1021", "201", "Laura Bianchi"),
    CastAgent("gverdi", "1022", "202", "Giorgio Verdi"),
    CastAgent("sferrari", "1023", "203", "Sara Ferrari"),
    CastAgent("aromano", "1024", "204", "Andrea Romano"),
)

SERVICES: tuple[CastService, ...] = (
    CastService("customercare", "Customer Care", "0452224611", 3.0),
    CastService("assistenza", "Assistenza tecnica", "0452224622", 2.0),
    CastService("commerciale", "Ufficio commerciale", "0452224633", 1.0),
)

HOST = "5e1a3c9b2f"  # the TVox system's host id in its call ids

# Call notes an agent may write after a call (outcome code, Italian text), by outcome.
NOTE_TEXTS: dict[str, tuple[str, ...]] = {
    "resolved": (
        "Problema risolto al telefono: reimpostata la password del portale.",
        "Confermato l'appuntamento per giovedì alle 10.",
        "Spiegata la fattura del mese; il cliente è soddisfatto.",
    ),
    "call_back": (
        "Da richiamare domani mattina con il preventivo aggiornato.",
        "Il cliente chiede di essere richiamato dopo le 15.",
    ),
    "information": (
        "Richiesti orari di apertura e indirizzo della sede di Verona.",
        "Chiede informazioni sul nuovo contratto di assistenza.",
    ),
    "complaint": (
        "Reclamo per il ritardo della consegna: aperta segnalazione al magazzino.",
        "Lamenta un addebito doppio; inoltrato all'amministrazione.",
    ),
}
