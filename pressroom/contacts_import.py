"""Importing a spreadsheet export into a contact list: read, preview, then apply at once.

The file is read as a table by ``contacts_spreadsheet`` (encoding, delimiter, columns found by
their header); each row is then added, merged into the contact already there, or refused with
its reason. Nothing is written until the preview is applied, and then in one atomic step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pressroom.config import Site
from pressroom.contacts import (
    TEXT_FIELDS,
    Contact,
    ContactList,
    InvalidEmailError,
    normalize_email,
    read_list,
    split_beats,
    write_list,
)
from pressroom.contacts_export import looks_like_formula
from pressroom.contacts_spreadsheet import ImportRefusedError, Table, map_columns, read_table
from pressroom.errors import Message
from pressroom.i18n import gettext


@dataclass(frozen=True)
class RowNote:
    """Something said about one row of the imported file (row 1 is the header)."""

    row: int
    email: str
    why: Message

    @property
    def reason(self) -> str:
        """Why, in English."""
        return str(self.why)

    def describe(self, verdict: str) -> str:
        """``row 4 (jean@example.com): refused: duplicate of row 2``."""
        shown = f" ({self.email})" if self.email else ""
        return f"row {self.row}{shown}: {verdict}: {self.reason}"

    def localized(self, lang: str) -> str:
        """Why, in an interface language."""
        return self.why.localized(lang)

    def describe_in(self, lang: str, verdict: Verdict) -> str:
        """``describe`` in an interface language (``ligne 4 (...) : refusée : ...``)."""
        shown = f" ({self.email})" if self.email else ""
        template = gettext(lang, _VERDICTS[verdict])
        return template.format(row=self.row, email=shown, reason=self.localized(lang))


Verdict = Literal["refused", "warning"]
_VERDICTS: dict[Verdict, str] = {
    "refused": "row {row}{email}: refused: {reason}",
    "warning": "row {row}{email}: warning: {reason}",
}


@dataclass(frozen=True)
class RowUpdate:
    """An address already in the list: what it was, what the import makes of it."""

    row: int
    before: Contact
    after: Contact

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(
            n for n in ("beats", *TEXT_FIELDS) if getattr(self.before, n) != getattr(self.after, n)
        )


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do, row by row; ``apply_import`` writes ``contacts``."""

    base: ContactList
    source: str
    encoding: str
    delimiter: str
    added: tuple[tuple[int, Contact], ...]
    updated: tuple[RowUpdate, ...]
    unchanged: tuple[tuple[int, Contact], ...]
    refused: tuple[RowNote, ...]
    warnings: tuple[RowNote, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = field(default=(), repr=False)

    @property
    def accepted(self) -> int:
        """Rows that are in the list after the import (added, updated or already there)."""
        return len(self.added) + len(self.updated) + len(self.unchanged)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated)


def _cells(columns: dict[str, int], cells: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Each mapped field's cell; line breaks, tabs and runs of spaces survive only in notes,
    so a name or an outlet can never carry a line break into an email header."""
    for name, index in columns.items():
        value = cells[index] if index < len(cells) else ""
        yield name, value.strip() if name == "notes" else " ".join(value.split())


def preview_import(site: Site, list_name: str, data: bytes, source: str) -> ImportPreview:
    """Read ``data`` (a spreadsheet export named ``source``) and say what importing would do."""
    base = read_list(site, list_name, missing_ok=True)
    return preview_rows(base, read_table(data, source), source)


def preview_rows(base: ContactList, table: Table, source: str) -> ImportPreview:
    """Sort a table's rows into added, updated, unchanged and refused against ``base``."""
    columns, ignored = map_columns(table.header, source)
    merged: dict[str, Contact] = dict(base.by_key)
    seen: dict[str, int] = {}
    added: list[tuple[int, Contact]] = []
    updated: list[RowUpdate] = []
    unchanged: list[tuple[int, Contact]] = []
    refused: list[RowNote] = []
    warnings: list[RowNote] = []
    for row, cells in table.rows:
        values = dict(_cells(columns, cells))
        raw = values["email"]
        try:
            email = normalize_email(raw)
        except InvalidEmailError as exc:
            if raw:
                why = Message.of("invalid address: {reason}", terms=("reason",), reason=exc.reason)
            else:
                why = Message(exc.reason)
            refused.append(RowNote(row, raw, why))
            continue
        key = email.lower()
        if key in seen:
            why = Message.of("duplicate of row {row}", row=str(seen[key]))
            refused.append(RowNote(row, email, why))
            continue
        seen[key] = row
        for name, value in values.items():
            if name not in ("email", "phone") and looks_like_formula(value):
                why = Message.of(
                    "{column} {value!r} looks like a formula: kept as text, neutralised on export",
                    column=name,
                    value=value[:40],
                )
                warnings.append(RowNote(row, email, why))
        incoming = Contact(
            email=email,
            beats=split_beats(values.get("beats", "")),
            **{n: values.get(n, "") for n in TEXT_FIELDS},
        )
        current = merged.get(key)
        if current is None:
            merged[key] = incoming
            added.append((row, incoming))
            continue
        after = current.merged_with(incoming)
        merged[key] = after
        if after == current:
            unchanged.append((row, current))
        else:
            updated.append(RowUpdate(row, current, after))
    return ImportPreview(
        base=base,
        source=source,
        encoding=table.encoding,
        delimiter=table.delimiter,
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        refused=tuple(refused),
        warnings=tuple(warnings),
        ignored_columns=ignored,
        contacts=tuple(merged.values()),
    )


def apply_import(site: Site, preview: ImportPreview) -> ContactList:
    """Write the previewed list in one atomic step, unless the list changed since the preview."""
    if not preview.changes:
        return preview.base
    return write_list(site, preview.base, preview.contacts)


def import_file(site: Site, list_name: str, path: Path, *, dry_run: bool = False) -> ImportPreview:
    """Preview importing the file at ``path`` into a list and, unless ``dry_run``, apply it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRefusedError(
            "{file}: cannot read: {reason}", file=str(path), reason=exc.strerror or str(exc)
        ) from None
    preview = preview_import(site, list_name, data, str(path))
    if not dry_run and preview.accepted:
        apply_import(site, preview)
    return preview
