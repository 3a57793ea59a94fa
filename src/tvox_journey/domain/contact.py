"""Contacts: a person or company with one or more phone numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContactNumber:
    raw: str  # as entered or received
    key: str  # normalized (domain.numbers)


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    name: str
    surname: str
    company: str | None
    numbers: tuple[ContactNumber, ...]

    @property
    def display_name(self) -> str:
        """ "Cognome Nome", as the tutorial's card shows it."""
        return " ".join(part for part in (self.surname, self.name) if part) or (self.company or "")

    @property
    def number_keys(self) -> tuple[str, ...]:
        return tuple(n.key for n in self.numbers)
