"""`/contacts/import`: upload, preview of what each line becomes, confirmation, then the import."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from httpx import Response
from tests.web.pages_helpers import HTML, add_contact, csrf_token

from tvox_journey.transfer.contacts_csv import REASONS
from tvox_journey.web.pages import i18n
from tvox_journey.web.pages.contacts_import import MAX_BODY_BYTES, MAX_FILE_BYTES

FILE = (
    "Nome;Cognome;Azienda;Telefono\n"
    "Mario;Rossi;ACME;045 222 4600\n"
    "Anna;Bianchi;Società;0212345678\n"
    "Senza;Numero;;\n"
).encode("cp1252")
HIDDEN = re.compile(r'<input type="hidden" name="(content|name|confirm)" value="([^"]*)">')


def upload(client: TestClient, data: bytes, filename: str = "rubrica.csv") -> Response:
    token = csrf_token(client, "/contacts/import")
    return client.post(
        "/contacts/import",
        data={"csrf_token": token},
        files={"file": (filename, data, "text/csv")},
        headers=HTML,
    )


def confirm(client: TestClient, preview: Response) -> Response:
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(preview.text)}
    assert fields.keys() == {"content", "name", "confirm"}, preview.text
    token = csrf_token(client, "/contacts/import")
    return client.post("/contacts/import", data={"csrf_token": token, **fields}, headers=HTML)


def contacts(client: TestClient) -> list[tuple[str, list[str]]]:
    return [(c["surname"], [n["raw"] for n in c["numbers"]]) for c in client.get("/api/v1/contacts").json()]


def test_a_preview_says_what_each_line_becomes_and_writes_nothing(client: TestClient) -> None:
    add_contact(client, surname="Rossi", name="Mario", numbers=["0452224600"])
    preview = upload(client, FILE)
    assert preview.status_code == 200
    text = preview.text
    assert "Da creare: 1 · da aggiornare: 1 · invariati: 0 · righe scartate: 1" in text  # Rossi gets ACME
    assert "3 righe lette (codifica windows-1252, separatore «;»)." in text
    assert "Riga 4</strong>: nessun numero di telefono: un contatto si trova dai suoi numeri" in text
    assert "nuovo contatto" in text and "aggiorna il contatto</a>" in text
    assert contacts(client) == [("Rossi", ["0452224600"])]


def test_the_confirmation_imports_the_file_and_a_second_one_changes_nothing(client: TestClient) -> None:
    preview = upload(client, FILE)
    done = confirm(client, preview)
    assert done.status_code == 200
    assert "Creati: 2 · aggiornati: 0 · invariati: 0 · righe scartate: 1" in done.text
    assert sorted(contacts(client)) == [("Bianchi", ["0212345678"]), ("Rossi", ["045 222 4600"])]
    again = confirm(client, upload(client, FILE))
    assert "Creati: 0 · aggiornati: 0 · invariati: 2" in again.text
    audit = client.get("/admin/audit", headers=HTML).text
    assert audit.count("contact/import") == 2


def test_an_agent_imports_and_a_viewer_may_not(client: TestClient, make_user: Callable[..., str]) -> None:
    make_user("agent1", "agent", "agent-password-1")
    make_user("viewer1", "viewer", "viewer-password-1")
    client.auth = ("viewer1", "viewer-password-1")
    assert client.get("/contacts/import", headers=HTML).status_code == 403
    client.auth = ("agent1", "agent-password-1")
    assert "Anteprima" in client.get("/contacts/import", headers=HTML).text
    assert "Creati: 2" in confirm(client, upload(client, FILE)).text


def test_a_file_that_is_no_contacts_csv_or_too_large_is_refused_on_the_page(client: TestClient) -> None:
    not_csv = upload(client, b"nome;cognome\nMario;Rossi\n")
    assert not_csv.status_code == 422
    assert "Il file non è un CSV di contatti:" in not_csv.text and "no phone column" in not_csv.text
    large = upload(client, b"nome;telefono\n" + b"x;1\n" * (MAX_FILE_BYTES // 4 + 1))
    assert large.status_code == 422 and "Il file supera 2 MB" in large.text
    too_large = upload(client, b"x" * (MAX_BODY_BYTES + 1))
    assert too_large.status_code == 413
    token = csrf_token(client, "/contacts/import")
    no_file = client.post("/contacts/import", data={"csrf_token": token}, headers=HTML)
    assert no_file.status_code == 422 and "Scegli un file CSV da importare." in no_file.text
    garbled = client.post("/contacts/import", data={"csrf_token": token, "content": "%%%", "confirm": "1"},
                          headers=HTML)  # fmt: skip
    assert garbled.status_code == 422
    assert contacts(client) == []


def test_an_import_without_the_csrf_token_is_refused(client: TestClient) -> None:
    refused = client.post("/contacts/import", files={"file": ("a.csv", FILE, "text/csv")}, headers=HTML)
    assert refused.status_code == 403
    assert contacts(client) == []


def test_every_reason_and_outcome_of_a_line_has_its_text_in_both_languages() -> None:
    keys = {f"import.problem.{code}" for code in REASONS} | {
        f"import.action.{action}" for action in ("create", "update", "unchanged")
    }
    for lang in i18n.LANGUAGES:
        assert keys <= set(i18n.CATALOG[lang]), lang
