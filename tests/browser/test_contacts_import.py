"""Importing contacts in Chromium: choose a file, read the preview, confirm, find the contacts."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from tests.browser.conftest import Server, screenshot

RUBRICA = (
    "Nome;Cognome;Azienda;Telefono;Cellulare\r\n"
    "Giulia;Verdi;Verdi & Figli;+39 02 9876543;\r\n"
    "Paolo;Neri;;;\r\n"
    "Chiara;Russo;Società Alfa;0498765432;333 7654321\r\n"
).encode("cp1252")


def test_a_csv_file_is_previewed_then_imported_and_its_contacts_are_found(
    page: Page, server: Server, tmp_path: Path
) -> None:
    csv = tmp_path / "rubrica.csv"
    csv.write_bytes(RUBRICA)
    page.goto(server.url("/contacts"))
    page.get_by_role("link", name="Importa da CSV").click()
    expect(page.locator("h1")).to_have_text("Importa contatti")
    page.locator("#file").set_input_files(str(csv))
    page.get_by_role("button", name="Anteprima").click()
    expect(page.locator(".import-counts")).to_have_text(
        "Da creare: 2 · da aggiornare: 0 · invariati: 0 · righe scartate: 1"
    )
    expect(page.locator("table.import-preview tbody tr")).to_have_count(2)
    expect(page.locator(".import-problems")).to_contain_text("Riga 3: nessun numero di telefono")
    screenshot(page, "contacts-import-preview")
    page.get_by_role("button", name="Importa 2 contatti").click()
    expect(page.locator(".import-counts")).to_have_text(
        "Creati: 2 · aggiornati: 0 · invariati: 0 · righe scartate: 1"
    )
    page.get_by_role("link", name="Contatti", exact=True).last.click()
    page.locator("input[name=q]").fill("Società Alfa")
    page.get_by_role("button", name="Cerca").click()
    expect(page.locator(".contact-list li")).to_have_count(1)
    expect(page.locator(".contact-list li")).to_contain_text("Russo Chiara")
    expect(page.locator(".contact-list li")).to_contain_text("0498765432, 333 7654321")
