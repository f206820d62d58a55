"""Importing spreadsheet exports: detection, the preview row by row, and the atomic write."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pressroom.config import Site
from pressroom.contacts import Contact, ContactError, read_list
from pressroom.contacts_import import ImportPreview, apply_import, import_file, preview_import
from pressroom.contacts_spreadsheet import ImportRefusedError, header_key
from pressroom.errors import ConflictError

DATA = Path(__file__).resolve().parent / "data" / "contacts"


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    site = make_site()
    site.contacts_dir.mkdir()
    return site


def preview(site: Site, data_file: str, list_name: str = "presse") -> ImportPreview:
    return preview_import(site, list_name, (DATA / data_file).read_bytes(), data_file)


def with_list(site: Site, data_file: str, name: str = "presse") -> Path:
    target = site.contacts_dir / f"{name}.csv"
    shutil.copyfile(DATA / data_file, target)
    return target


def test_french_excel_file_is_read_as_windows_1252_with_semicolons(site: Site) -> None:
    result = preview(site, "excel-fr-cp1252-semicolon.csv")
    assert (result.encoding, result.delimiter) == ("Windows-1252", ";")
    assert result.refused == ()


def test_french_excel_file_keeps_its_accents_and_maps_french_headers(site: Site) -> None:
    added = [c for _, c in preview(site, "excel-fr-cp1252-semicolon.csv").added]
    assert added[0] == Contact(
        email="helene.lefevre@example.com",
        first_name="Hélène",
        last_name="Lefèvre",
        outlet="Le Quotidien de l'Économie",
        role="Rédactrice en chef",
        beats=("économie", "numérique"),
        phone="01 23 45 67 89",
    )
    assert [(c.first_name, c.outlet) for c in added[1:]] == [
        ("François", "Radio Cœur"),
        ("Zoé", "Télé Est"),
    ]


def test_domain_of_an_imported_address_is_lowercased(site: Site) -> None:
    added = dict(preview(site, "excel-fr-cp1252-semicolon.csv").added)
    assert added[3].email == "F.Dupre@example.com"


def test_utf8_file_with_bom_and_english_headers_is_read(site: Site) -> None:
    result = preview(site, "utf8-bom-comma.csv")
    assert (result.encoding, result.delimiter) == ("UTF-8 with BOM", ",")
    assert [c for _, c in result.added] == [
        Contact(
            "anais.moreau@example.com",
            "Anaïs",
            "Moreau",
            "Le Journal du Numérique",
            "Reporter",
            ("numérique", "données"),
            "+33 6 00 00 00 01",
            "fr",
        ),
        Contact(
            "soren@example.org",
            "Søren",
            "Ødegård",
            "Nordic Tech Weekly",
            "Editor",
            ("tech",),
            language="en",
        ),
    ]


def test_excel_unicode_text_in_utf16_with_tabs_is_read(site: Site) -> None:
    result = preview(site, "excel-unicode-text-utf16.txt")
    assert (result.encoding, result.delimiter) == ("UTF-16", "\t")
    assert [c.first_name for _, c in result.added] == ["Inès"]


def test_invalid_duplicate_and_empty_addresses_are_refused_row_by_row(site: Site) -> None:
    result = preview(site, "invalid-duplicate-formula.csv")
    assert [n.describe("refused") for n in result.refused] == [
        "row 3 (pas-une-adresse): refused: invalid address: An email address must have an @-sign.",
        "row 4 (CLAIRE.MARTIN@example.com): refused: duplicate of row 2",
        "row 6 (jean@rédaction.example.com): refused: duplicate of row 5",
        "row 7: refused: no email address",
        "row 9 (=cmd|' /C calc'!A0): refused: invalid address: "
        "An email address must have an @-sign.",
    ]


def test_rows_with_valid_addresses_are_added_despite_refused_ones(site: Site) -> None:
    result = preview(site, "invalid-duplicate-formula.csv")
    assert [(row, c.email) for row, c in result.added] == [
        (2, "claire.martin@example.com"),
        (5, "jean@rédaction.example.com"),
        (10, "luc@example.org"),
    ]


def test_formula_cells_are_kept_as_text_with_a_warning(site: Site) -> None:
    result = preview(site, "invalid-duplicate-formula.csv")
    added = dict(result.added)
    assert added[2].outlet == '=HYPERLINK("http://attacker.example/";"cliquez")'
    assert {(n.row, n.reason.split()[0]) for n in result.warnings} == {
        (2, "outlet"),
        (5, "notes"),
        (10, "outlet"),
        (10, "notes"),
    }


def test_importing_invalid_duplicate_and_formula_file_writes_only_accepted_rows(
    site: Site,
) -> None:
    import_file(site, "presse", DATA / "invalid-duplicate-formula.csv")
    assert [c.email for c in read_list(site, "presse").contacts] == [
        "claire.martin@example.com",
        "jean@rédaction.example.com",
        "luc@example.org",
    ]


def test_address_already_in_the_list_is_updated_with_fields_merged(site: Site) -> None:
    with_list(site, "list-journalistes.csv")
    result = preview(site, "update-existing.csv")
    (update,) = result.updated
    assert update.row == 2
    assert update.changed == ("beats", "outlet", "role", "phone")
    assert update.after == Contact(
        email="helene.lefevre@example.com",
        first_name="Hélène",
        last_name="Lefèvre",
        outlet="Le Quotidien de l'Économie",
        role="Rédactrice en chef",
        beats=("économie", "numérique"),
        phone="01 23 45 67 89",
        language="fr",
        consent_source="salon 2023",
        consent_date="2023-03-14",
    )


def test_row_that_changes_nothing_is_counted_unchanged(site: Site) -> None:
    with_list(site, "list-journalistes.csv")
    result = preview(site, "update-existing.csv")
    assert [(row, c.email) for row, c in result.unchanged] == [(3, "marc.leroy@example.org")]
    assert [c.email for _, c in result.added] == ["nina.roux@example.com"]


def test_applying_an_update_keeps_existing_contacts_in_their_order(site: Site) -> None:
    with_list(site, "list-journalistes.csv")
    apply_import(site, preview(site, "update-existing.csv"))
    contacts = read_list(site, "presse").contacts
    assert [c.email for c in contacts] == [
        "helene.lefevre@example.com",
        "marc.leroy@example.org",
        "nina.roux@example.com",
    ]
    assert contacts[1].notes == "ne pas appeler le lundi"


def test_email_column_is_preferred_over_a_postal_address_column(site: Site) -> None:
    result = preview(site, "postal-address-and-email.csv")
    assert [c.email for _, c in result.added] == ["marc.leroy@example.org"]
    assert result.ignored_columns == ("Adresse",)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("  Adresse Électronique ", "adresse electronique"),
        ("E-MAIL", "e mail"),
        ("Prénom", "prenom"),
        ("first_name", "first name"),
        ("Centres d'intérêt", "centres d interet"),
    ],
)
def test_headers_compare_without_case_accents_or_punctuation(header: str, key: str) -> None:
    assert header_key(header) == key


@pytest.mark.parametrize(
    ("data_file", "message"),
    [
        ("no-email-column.csv", "no email column.*found: 'Prénom', 'Nom', 'Média'"),
        ("spreadsheet.xlsx", "binary file .*save or export the sheet as CSV"),
        ("empty.csv", "the file is empty"),
    ],
)
def test_file_that_cannot_be_read_as_a_whole_is_refused_and_nothing_written(
    site: Site, data_file: str, message: str
) -> None:
    original = with_list(site, "list-journalistes.csv").read_bytes()
    with pytest.raises(ImportRefusedError, match=message):
        import_file(site, "presse", DATA / data_file)
    assert (site.contacts_dir / "presse.csv").read_bytes() == original


def test_refused_file_does_not_create_the_list(site: Site) -> None:
    with pytest.raises(ImportRefusedError):
        import_file(site, "nouvelle", DATA / "no-email-column.csv")
    assert not (site.contacts_dir / "nouvelle.csv").exists()


def test_dry_run_writes_nothing(site: Site) -> None:
    result = import_file(site, "presse", DATA / "utf8-bom-comma.csv", dry_run=True)
    assert len(result.added) == 2
    assert list(site.contacts_dir.iterdir()) == []


def test_failure_while_writing_leaves_the_list_as_it_was(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = with_list(site, "list-journalistes.csv").read_bytes()
    ready = preview(site, "excel-fr-cp1252-semicolon.csv")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ContactError, match=r"contacts/presse\.csv: not saved: No space left"):
        apply_import(site, ready)
    monkeypatch.undo()
    assert (site.contacts_dir / "presse.csv").read_bytes() == original
    assert [p.name for p in site.contacts_dir.iterdir()] == ["presse.csv"]


def test_list_changed_between_preview_and_apply_is_not_overwritten(site: Site) -> None:
    target = with_list(site, "list-journalistes.csv")
    ready = preview(site, "excel-fr-cp1252-semicolon.csv")
    shutil.copyfile(DATA / "list-one-contact.csv", target)
    with pytest.raises(ConflictError):
        apply_import(site, ready)
    assert target.read_bytes() == (DATA / "list-one-contact.csv").read_bytes()


def test_invalid_list_name_is_refused_before_reading_the_file(site: Site) -> None:
    with pytest.raises(ContactError, match="not a valid list name"):
        import_file(site, "../escape", DATA / "utf8-bom-comma.csv")


def test_line_breaks_survive_only_in_notes_and_rows_count_as_in_a_spreadsheet(
    site: Site,
) -> None:
    result = preview(site, "multiline-cells.csv")
    ((_row, contact),) = result.added
    assert (contact.first_name, contact.last_name) == ("Ana Maria", "Lima Costa")
    assert contact.notes == "ligne 1\r\nligne 2"
    assert [(n.row, n.email) for n in result.refused] == [(3, "pas-une-adresse")]
