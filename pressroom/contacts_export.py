"""Exporting a contact list for a spreadsheet, with formulas neutralised.

A cell such as ``=HYPERLINK("http://…")`` typed into a subscription form or an imported file
would run as a formula when a colleague opens the export in Excel or LibreOffice (CSV
injection). Such cells get a leading apostrophe, which spreadsheets read as "this is text".
"""

from __future__ import annotations

import csv
import io

from pressroom.contacts import COLUMNS, Contact, ContactList, contact_cells

# What spreadsheets treat as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_DELIMITERS = {";": ";", ",": ",", "tab": "\t"}


def looks_like_formula(value: str) -> bool:
    """True for a cell a spreadsheet could run as a formula."""
    return value.startswith(FORMULA_STARTS)


def neutralise(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate: ``=1+1`` → ``'=1+1``."""
    return "'" + value if looks_like_formula(value) else value


def export_rows(contacts: tuple[Contact, ...] | list[Contact]) -> list[list[str]]:
    """Header and rows of an export, every cell neutralised."""
    rows = [list(COLUMNS)]
    rows += [[neutralise(cell) for cell in contact_cells(c)] for c in contacts]
    return rows


def export_csv(contact_list: ContactList, delimiter: str = ";") -> bytes:
    """A list as CSV for spreadsheets: UTF-8 with a BOM (so Excel reads accents), CRLF lines.

    ``;`` by default, since French spreadsheets split on it; the header row uses the list
    file's column names, so the export imports back as it is.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(export_rows(contact_list.contacts))
    return buffer.getvalue().encode("utf-8-sig")
