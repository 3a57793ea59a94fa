"""`tvox-journey contacts import|export`: contacts in bulk, matched by number, every bad line reported."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.pages_helpers import ring
from tests.web.test_mappings import app_settings
from typer.testing import CliRunner, Result

from tvox_journey.cli import app
from tvox_journey.domain.contact import Contact
from tvox_journey.store import contacts as contact_store
from tvox_journey.store import interactions
from tvox_journey.store.engine import make_database
from tvox_journey.store.schema import event_log
from tvox_journey.web.app import create_app

runner = CliRunner()


def invoke(*args: str) -> Result:
    from tvox_journey.cli import contacts  # noqa: F401  (registers the command)

    return runner.invoke(app, list(args))


def everyone(db_url: str) -> list[Contact]:
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            return contact_store.all_contacts(conn)
    finally:
        db.dispose()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def load(db_url: str, path: Path, text: str) -> Result:
    return invoke("contacts", "import", str(write(path, text)), "--database", db_url)


def summary(contact: Contact) -> tuple[str, str, str | None, list[str]]:
    return contact.name, contact.surname, contact.company, [n.raw for n in contact.numbers]


def test_an_import_creates_contacts_and_a_second_run_changes_nothing(db_url: str, tmp_path: Path) -> None:
    csv = write(
        tmp_path / "rubrica.csv",
        "Nome;Cognome;Azienda;Telefono;Cellulare\n"
        "Mario;Rossi;ACME;045 222 4600;333 1234567\n"
        "Anna;Bianchi;;+39 02 1234567;\n",
        "cp1252",
    )
    first = invoke("contacts", "import", str(csv), "--database", db_url)
    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated, 0 unchanged, 0 refused." in first.output
    assert [summary(c) for c in everyone(db_url)] == [
        ("Mario", "Rossi", "ACME", ["045 222 4600", "333 1234567"]),
        ("Anna", "Bianchi", None, ["+39 02 1234567"]),
    ]
    again = invoke("contacts", "import", str(csv), "--database", db_url)
    assert "0 created, 0 updated, 2 unchanged, 0 refused." in again.output
    assert len(everyone(db_url)) == 2


def test_a_number_a_contact_has_updates_that_contact_and_keeps_its_other_numbers(
    db_url: str, tmp_path: Path
) -> None:
    load(db_url, tmp_path / "a.csv", "nome;cognome;telefono\nMario;Rossi;0452224600\n")
    update = write(
        tmp_path / "b.csv", "name,surname,company,phone,mobile\n,Rossi,ACME Srl,+39 045 222 4600,3331\n"
    )
    result = invoke("contacts", "import", str(update), "--database", db_url)
    assert "0 created, 1 updated" in result.output
    [mario] = everyone(db_url)
    assert summary(mario) == ("Mario", "Rossi", "ACME Srl", ["0452224600", "3331"])


def test_bad_lines_are_reported_by_number_and_the_others_are_imported(db_url: str, tmp_path: Path) -> None:
    csv = write(
        tmp_path / "c.csv",
        "nome;cognome;telefono\nMario;Rossi;0452224600\nSenza;Numero;\nAnna;Bianchi;abc\nLuca;Verdi;0452224601\n",
    )
    result = invoke("contacts", "import", str(csv), "--database", db_url)
    assert result.exit_code == 1
    assert "line 3: no phone number" in result.output
    assert "line 4: numbers:" in result.output
    assert "2 created, 0 updated, 0 unchanged, 2 refused." in result.output
    assert [c.surname for c in everyone(db_url)] == ["Rossi", "Verdi"]


def test_strict_and_dry_run_write_nothing(db_url: str, tmp_path: Path) -> None:
    csv = write(tmp_path / "d.csv", "nome;cognome;telefono\nMario;Rossi;0452224600\nSenza;Numero;\n")
    strict = invoke("contacts", "import", str(csv), "--strict", "--database", db_url)
    assert strict.exit_code == 1 and "1 to create" in strict.output and "Nothing was written" in strict.output
    dry = invoke("contacts", "import", str(csv), "--dry-run", "--database", db_url)
    assert "1 to create, 0 to update" in dry.output
    assert everyone(db_url) == []


def test_a_line_whose_numbers_belong_to_two_contacts_is_refused(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path / "a.csv", "nome;telefono\nA;0452224600\nB;0452224601\n")
    result = load(db_url, tmp_path / "b.csv", "nome;telefono;telefono 2\nAB;0452224600;0452224601\n")
    assert "line 2: the numbers belong to 2 contacts" in result.output
    assert [summary(c)[0] for c in everyone(db_url)] == ["A", "B"]


def test_lines_of_one_file_sharing_a_number_are_one_contact(db_url: str, tmp_path: Path) -> None:
    csv = write(
        tmp_path / "e.csv",
        "nome;cognome;telefono;telefono\nMario;Rossi;0452224600;\n;Rossi;0452224600;3331\n",
    )
    assert "1 created" in invoke("contacts", "import", str(csv), "--database", db_url).output
    [mario] = everyone(db_url)
    assert summary(mario) == ("Mario", "Rossi", None, ["0452224600", "3331"])


def test_calls_recorded_before_the_import_are_in_the_imported_contacts_journey(
    db_url: str, tmp_path: Path
) -> None:
    with TestClient(create_app(app_settings(db_url))) as client:
        ring(client, "before.1@x", "2024-01-10T09:00:00.000Z", number="0452224600")
    invoke("contacts", "import", str(write(tmp_path / "f.csv", "nome;telefono\nMario;+39 045 2224600\n")),
           "--database", db_url)  # fmt: skip
    [mario] = everyone(db_url)
    db = make_database(db_url)
    try:
        with db.read.connect() as conn:
            journey = interactions.journey(conn, mario.number_keys)
            audit = conn.execute(
                select(event_log.c.route, event_log.c.params).where(event_log.c.outcome == "action")
            ).all()
    finally:
        db.dispose()
    assert [s.interaction.call_id for s in journey] == ["before.1@x"]
    assert audit[-1].route == "contact/import"
    assert ["created", "1"] in [list(p) for p in audit[-1].params]


def test_what_export_writes_imports_into_another_database_unchanged(
    db_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    csv = write(
        tmp_path / "g.csv",
        "nome;cognome;azienda;telefono;telefono 2\n"
        "=Mario;Rossi;ACME;0452224600;3331\nAnna;Bianchi;;0212345;\n",
    )
    invoke("contacts", "import", str(csv), "--database", db_url)
    exported = tmp_path / "export.csv"
    assert invoke("contacts", "export", str(exported), "--database", db_url).exit_code == 0
    assert exported.read_bytes().startswith(b"\xef\xbb\xbfnome;cognome;azienda;telefono;telefono 2\r\n")
    target = f"sqlite:///{tmp_path / 'other.db'}"
    assert invoke("contacts", "import", str(exported), "--database", target).exit_code == 0
    assert [summary(c) for c in everyone(target)] == [summary(c) for c in everyone(db_url)]


def test_a_file_that_is_no_contacts_csv_is_refused_naming_the_problem(db_url: str, tmp_path: Path) -> None:
    result = invoke(
        "contacts",
        "import",
        str(write(tmp_path / "h.csv", "nome;cognome\nMario;Rossi\n")),
        "--database",
        db_url,
    )
    assert result.exit_code == 1 and "no phone column" in result.output
    missing = invoke("contacts", "import", str(tmp_path / "missing.csv"), "--database", db_url)
    assert missing.exit_code == 1 and "cannot read" in missing.output
