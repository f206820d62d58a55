"""Exporting a list for spreadsheets: formulas neutralised, accents readable, re-importable."""

from __future__ import annotations

import csv
import io

import pytest

from pressroom.contacts import COLUMNS, Contact, ContactList
from pressroom.contacts_export import export_csv, neutralise
from pressroom.contacts_import import preview_rows
from pressroom.contacts_spreadsheet import Table


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ('=HYPERLINK("http://x.example")', '\'=HYPERLINK("http://x.example")'),
        ("+33 1 00 00 00 00", "'+33 1 00 00 00 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Radio Cœur", "Radio Cœur"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_starting_like_a_formula_get_a_leading_apostrophe(cell: str, exported: str) -> None:
    assert neutralise(cell) == exported


def _rows(data: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_export_neutralises_every_formula_cell() -> None:
    contact = Contact("=x@example.com", "=1+1", outlet="@Radio", beats=("-sport",), notes="ok")
    header, row = _rows(export_csv(ContactList("x", (contact,))))
    assert header == list(COLUMNS)
    assert row == ["'=x@example.com", "'=1+1", "", "'@Radio", "", "'-sport", "", "", "", "", "ok"]


def test_export_starts_with_a_bom_so_spreadsheets_read_accents() -> None:
    data = export_csv(ContactList("x", (Contact("a@example.com", "Zoé"),)))
    assert data.startswith(b"\xef\xbb\xbfemail;first_name")
    assert "Zoé".encode() in data


def test_export_uses_the_chosen_delimiter() -> None:
    data = export_csv(ContactList("x", (Contact("a@example.com", beats=("a", "b")),)), ",")
    assert _rows(data, ",")[1][5] == "a;b"


def test_export_imports_back_to_the_same_contacts() -> None:
    contacts = (
        Contact("a@example.com", "Zoé", "Noël", "Télé Est", "Pigiste", ("culture", "santé")),
        Contact("b@example.org", notes="deux\nlignes"),
    )
    data = export_csv(ContactList("x", contacts))
    rows = _rows(data)
    table = Table(
        "UTF-8", ";", tuple(rows[0]), tuple((i, tuple(r)) for i, r in enumerate(rows[1:], 2))
    )
    assert [c for _, c in preview_rows(ContactList("y"), table, "export.csv").added] == list(
        contacts
    )
