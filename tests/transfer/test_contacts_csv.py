"""Reading contacts from the CSV files CRMs and spreadsheets write, and writing them back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvox_journey.transfer.contacts_csv import (
    ContactLine,
    CsvError,
    LineProblem,
    read_contacts_csv,
    write_contacts_csv,
)


def test_an_italian_excel_file_with_semicolons_and_a_byte_order_mark_is_read() -> None:
    data = (
        "\ufeffNome;Cognome;Azienda;Telefono;Cellulare\r\nMario;Rossi;ACME;045 222 4600;+39 333 1234567\r\n"
    )
    read = read_contacts_csv(data.encode("utf-8"))
    assert (read.delimiter, read.encoding) == (";", "utf-8")
    assert read.lines == [ContactLine(2, "Mario", "Rossi", "ACME", ("045 222 4600", "+39 333 1234567"))]
    assert read.columns == {"name": ["Nome"], "surname": ["Cognome"], "company": ["Azienda"],
                            "number": ["Telefono", "Cellulare"]}  # fmt: skip


def test_windows_1252_is_read_when_the_file_is_not_utf8() -> None:
    data = "nome;cognome;telefono\nNiccolò;Società;0452224600\n".encode("cp1252")
    read = read_contacts_csv(data)
    assert read.encoding == "windows-1252"
    assert read.lines[0].name == "Niccolò" and read.lines[0].surname == "Società"


def test_english_headers_with_commas_and_quoted_fields_are_read() -> None:
    data = (
        b'First Name,Last Name,Company Name,Mobile Phone,Work Phone\n"Anna","Bianchi","Bianchi, Srl",333 1,\n'
    )
    read = read_contacts_csv(data)
    assert read.delimiter == ","
    assert read.lines == [ContactLine(2, "Anna", "Bianchi", "Bianchi, Srl", ("333 1",))]


def test_a_bad_line_is_reported_with_its_number_and_the_others_are_kept() -> None:
    data = (
        "nome;cognome;telefono\n"
        "Mario;Rossi;0452224600\n"
        "Senza;Numero;\n"
        "\n"
        f"{'x' * 300};Lungo;0452224601\n"
        "Anna;Bianchi;0452224602\n"
    ).encode()
    read = read_contacts_csv(data)
    assert [line.line for line in read.lines] == [2, 6]
    assert [p.reason for p in read.problems] == [
        "no phone number: a contact is found by its numbers",
        "the name is longer than 255 characters",
    ]
    assert read.problems == [
        LineProblem(3, "no_number"),
        LineProblem(5, "too_long", (("field", "name"), ("max", "255"))),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the first line must be the header"),
        (b"\n0452224600\n", "the first line must be the header"),
        (b"nome;cognome\nMario;Rossi\n", "no phone column"),
        (b"nome;telefono\n\x81\x8d\x8f;1\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_a_file_that_is_no_contacts_csv_is_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(CsvError, match=message):
        read_contacts_csv(data)


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_quoted_and_read_back_as_it_was() -> None:
    written = write_contacts_csv([("=HYPERLINK(1)", "-Rossi", None, ["+39 045 2224600"])])
    assert "'=HYPERLINK(1);'-Rossi;;+39 045 2224600" in written
    assert read_contacts_csv(written.encode()).lines == [
        ContactLine(2, "=HYPERLINK(1)", "-Rossi", None, ("+39 045 2224600",))
    ]


WORDS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda w: w.strip() == w and w.isprintable())
TEXT = st.lists(WORDS, min_size=0, max_size=3).map(" ".join)
NUMBER = st.from_regex(r"\+?[0-9][0-9 ]{2,15}[0-9]", fullmatch=True).map(lambda n: " ".join(n.split()))


@given(st.lists(st.tuples(TEXT, TEXT, TEXT, st.lists(NUMBER, min_size=1, max_size=4)), max_size=20))
def test_what_export_writes_import_reads_back_unchanged(
    contacts: list[tuple[str, str, str, list[str]]],
) -> None:
    read = read_contacts_csv(write_contacts_csv(contacts).encode("utf-8"))
    assert read.problems == []
    assert [(c.name, c.surname, c.company or "", list(c.numbers)) for c in read.lines] == contacts
