"""Contacts as CSV: read what CRMs and spreadsheets export, write what they read back.

Reading accepts a header row with Italian or English column names (`nome`/`name`,
`cognome`/`surname`, `azienda`/`company`, one or more `telefono`/`phone`/
`cellulare`/`mobile` columns), comma, semicolon or tab separated (detected from
the header), in UTF-8 with or without a byte-order mark or in Windows-1252, what
Excel writes in Italy. A line that cannot be a contact is reported with its line
number and the reason, and never stops the others. Numbers are taken as written:
normalizing them is the importer's job (services), with the installation's policy.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_TEXT = 255  # as the contact form and the API
MAX_NUMBERS = 20
MAX_NUMBER_LENGTH = 64
MAX_LINE_FIELDS = 200

NAME = {"nome", "name", "first name", "firstname", "given name", "first"}
SURNAME = {"cognome", "surname", "last name", "lastname", "family name", "last"}
COMPANY = {
    "azienda", "company", "societa", "ditta", "ragione sociale", "organizzazione", "organization",
    "organisation", "company name",
}  # fmt: skip
NUMBER_WORDS = ("telefono", "tel", "phone", "cellulare", "cell", "mobile", "numero", "number", "fisso", "fax")

HEADER = ("nome", "cognome", "azienda", "telefono")  # what export writes: Italian, as the users


class CsvError(ValueError):
    """The file as a whole cannot be read (no header, no known column, not text)."""


@dataclass(frozen=True)
class ContactLine:
    line: int  # in the file, the header being line 1
    name: str
    surname: str
    company: str | None
    numbers: tuple[str, ...]


# Why a line is refused, by code: the English text (the pages translate the code).
REASONS = {
    "not_csv": "not CSV: {error}",
    "fields": "{count} fields, the header has {header}",
    "control": "a control character in the {field}",
    "no_number": "no phone number: a contact is found by its numbers",
    "too_long": "the {field} is longer than {max} characters",
    "too_many_numbers": "{count} numbers, at most {max}",
    "number_too_long": "a number longer than {max} characters: {number}",
    "bad_number": "numbers: {error}",
    "several_contacts": "the numbers belong to {count} contacts ({ids})",
}


@dataclass(frozen=True)
class LineProblem:
    line: int
    code: str  # a key of REASONS
    values: tuple[tuple[str, str], ...] = ()

    @property
    def reason(self) -> str:
        return REASONS[self.code].format(**dict(self.values))


def problem(line: int, code: str, **values: object) -> LineProblem:
    return LineProblem(line, code, tuple((k, str(v)) for k, v in values.items()))


@dataclass(frozen=True)
class ContactsCsv:
    lines: list[ContactLine]
    problems: list[LineProblem]
    delimiter: str
    encoding: str
    columns: dict[str, list[str]]  # field -> the header names read into it


def _key(header: str) -> str:
    """A header compared without case, accents, punctuation or extra spaces."""
    text = unicodedata.normalize("NFKD", header.strip().lower())
    text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


def _field_of(header: str) -> str | None:
    key = _key(header)
    if key in NAME:
        return "name"
    if key in SURNAME:
        return "surname"
    if key in COMPANY:
        return "company"
    first = key.split(" ")[0] if key else ""
    if first in NUMBER_WORDS or key.replace(" ", "") in {"phonenumber", "numeroditelefono"}:
        return "number"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in: UTF-8 (a byte-order mark is dropped), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:  # five byte values cp1252 leaves undefined: not a spreadsheet's text
        raise CsvError("the file is neither UTF-8 nor Windows-1252 text") from None


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean(value: str) -> str:
    return " ".join(value.split())


def _text(value: str) -> str:
    """A name or company as written, less the quote that protects a formula-like text (see below)."""
    value = _clean(value)
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA else value


def _control(value: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)


def read_contacts_csv(data: bytes) -> ContactsCsv:
    """Every line of a contacts CSV, read or refused with its reason.

    Raises:
        CsvError: no header, or a header naming no contact field.
    """
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CsvError("the first line must be the header (nome;cognome;azienda;telefono)")
    delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise CsvError(f"line 1: {error}") from None
    fields = [_field_of(h) for h in header]
    columns: dict[str, list[str]] = {}
    for name, field in zip(header, fields, strict=True):
        if field is not None:
            columns.setdefault(field, []).append(name.strip())
    if "number" not in columns:
        raise CsvError(
            f"line 1: no phone column among {', '.join(repr(h[:40]) for h in header[:10])}: "
            "name the columns nome, cognome, azienda, telefono (or name, surname, company, phone)"
        )
    lines: list[ContactLine] = []
    problems: list[LineProblem] = []
    while True:
        line = reader.line_num + 1  # where the record starts (a quoted field may span lines)
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(problem(line, "not_csv", error=error))
            continue
        if not any(v.strip() for v in row):
            continue
        read = _line(line, row, fields)
        if isinstance(read, LineProblem):
            problems.append(read)
        else:
            lines.append(read)
    return ContactsCsv(lines, problems, delimiter, encoding, columns)


def _line(line: int, row: Sequence[str], fields: Sequence[str | None]) -> ContactLine | LineProblem:
    if len(row) > max(len(fields), MAX_LINE_FIELDS):
        return problem(line, "fields", count=len(row), header=len(fields))
    values: dict[str, list[str]] = {}
    for value, field in zip(row, fields, strict=False):
        if field is not None and value.strip():
            if _control(value):
                return problem(line, "control", field=field)
            values.setdefault(field, []).append(_clean(value) if field == "number" else _text(value))
    numbers = tuple(values.get("number", []))
    name, surname = " ".join(values.get("name", [])), " ".join(values.get("surname", []))
    company = " ".join(values.get("company", [])) or None
    if not numbers:
        return problem(line, "no_number")
    for label, value in (("name", name), ("surname", surname), ("company", company or "")):
        if len(value) > MAX_TEXT:
            return problem(line, "too_long", field=label, max=MAX_TEXT)
    if len(numbers) > MAX_NUMBERS:
        return problem(line, "too_many_numbers", count=len(numbers), max=MAX_NUMBERS)
    long = next((n for n in numbers if len(n) > MAX_NUMBER_LENGTH), None)
    if long is not None:
        return problem(line, "number_too_long", max=MAX_NUMBER_LENGTH, number=f"{long[:20]!r}...")
    return ContactLine(line, name, surname, company, numbers)


def write_contacts_csv(contacts: Iterable[tuple[str, str, str | None, Sequence[str]]]) -> str:
    """Contacts (name, surname, company, numbers) as CSV in the shape `read_contacts_csv` reads: the
    Italian header, semicolons (what Excel opens in an Italian locale), one column per number."""
    rows = [(name, surname, company or "", list(numbers)) for name, surname, company, numbers in contacts]
    widest = max((len(numbers) for *_, numbers in rows), default=1) or 1
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([*HEADER[:3], *(HEADER[3] if n == 0 else f"{HEADER[3]} {n + 1}" for n in range(widest))])
    for name, surname, company, numbers in rows:
        writer.writerow([_safe_cell(name), _safe_cell(surname), _safe_cell(company), *numbers])
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """A text a spreadsheet would run as a formula (=, +, -, @ first) is written with a leading quote."""
    return "'" + value if value[:1] in _FORMULA else value


_FORMULA = ("=", "+", "-", "@")
