"""Importing a spreadsheet export into a contact list: read, preview, then apply at once.

Press offices get lists from Excel (French Excel writes ``;``-separated Windows-1252), from
LibreOffice or from a CRM (UTF-8, with or without BOM, ``,``-separated). The reader guesses the
encoding and the delimiter and finds the columns by their header, in French or English. Nothing
is written until the preview is applied, and then in one atomic step.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pressroom.config import Site
from pressroom.contacts import (
    TEXT_FIELDS,
    Contact,
    ContactError,
    ContactList,
    InvalidEmailError,
    normalize_email,
    read_list,
    split_beats,
    write_list,
)
from pressroom.contacts_export import looks_like_formula
from pressroom.errors import Message
from pressroom.i18n import gettext

MAX_IMPORT_BYTES = 64 * 1024 * 1024
DELIMITERS = (";", ",", "\t")

# Header names (compared without case, accents or punctuation) → Contact field. For the email,
# the order is the preference: a file with both "E-mail" and a postal "Adresse" uses "E-mail".
EMAIL_HEADERS = (
    "email",
    "e mail",
    "courriel",
    "mail",
    "mel",
    "adresse electronique",
    "adresse email",
    "adresse e mail",
    "adresse mail",
    "adresse courriel",
    "email address",
    "e mail address",
    "mail address",
    "adresse",
)
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "prenom", "given name", "forename"),
    "last_name": ("last name", "lastname", "nom", "nom de famille", "surname", "family name"),
    "outlet": (
        "outlet",
        "media",
        "medias",
        "media outlet",
        "redaction",
        "journal",
        "publication",
        "support",
        "organisation",
        "organization",
        "societe",
        "entreprise",
        "company",
    ),
    "role": ("role", "fonction", "poste", "job title", "position", "titre du poste"),
    "beats": (
        "beats",
        "beat",
        "rubriques",
        "rubrique",
        "thematiques",
        "thematique",
        "themes",
        "theme",
        "sujets",
        "topics",
        "tags",
        "centres d interet",
    ),
    "phone": (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "portable",
        "phone number",
        "numero de telephone",
        "telephone mobile",
    ),
    "language": ("language", "langue", "lang"),
    "consent_source": (
        "consent source",
        "source du consentement",
        "consentement",
        "origine du consentement",
        "source",
        "origine",
    ),
    "consent_date": ("consent date", "date du consentement", "date de consentement"),
    "notes": ("notes", "note", "commentaire", "commentaires", "remarques", "comments", "comment"),
}
_HEADER_FIELD = {h: name for name, headers in FIELD_HEADERS.items() for h in headers}


class ImportRefusedError(ContactError):
    """The file cannot be read as a whole (empty, binary, no email column): nothing is written."""


@dataclass(frozen=True)
class Table:
    """A decoded spreadsheet: its header, its data rows with their spreadsheet row numbers."""

    encoding: str
    delimiter: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


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


def decode_spreadsheet(data: bytes, shown: str) -> tuple[str, str]:
    """Bytes to text and the encoding's name: UTF-16 with BOM, UTF-8 (BOM or not), else cp1252.

    Windows-1252 is the fallback because it is what French Excel writes; bytes it does not
    define, NULs and control characters mean the file is not text at all.
    """
    if not data.strip():
        raise ImportRefusedError("{file}: the file is empty", file=shown)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefusedError(
            "{file}: file too large ({size} bytes) to import", file=shown, size=str(len(data))
        )
    candidates: list[tuple[str, str]] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.append(("utf-16", "UTF-16"))
    elif b"\x00" in data:
        raise ImportRefusedError(
            "{file}: binary file (a workbook?), not CSV: in your spreadsheet, "
            "save or export the sheet as CSV",
            file=shown,
        )
    else:
        candidates += [("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, name in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text.rstrip("\x1a"), name + (" with BOM" if data.startswith(b"\xef\xbb\xbf") else "")
    raise ImportRefusedError(
        "{file}: not a text file: save it from your spreadsheet as CSV (UTF-8 or Windows-1252)",
        file=shown,
    )


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\r\n")
    # A stray control character (an old DOS end-of-file mark) is not yet a binary file.
    return controls > len(sample) // 100


def guess_delimiter(text: str) -> str:
    """The delimiter most used in the header line (outside quotes); ``,`` for a single column."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_table(data: bytes, shown: str) -> Table:
    """Decode and split a spreadsheet export; the first non-empty row is the header."""
    text, encoding = decode_spreadsheet(data, shown)
    delimiter = guess_delimiter(text.lstrip("\r\n"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    try:
        for number, cells in enumerate(reader, 1):
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = tuple(cells)
            else:
                rows.append((number, tuple(cells)))
    except csv.Error as exc:
        raise ImportRefusedError(
            "{file}: line {line}: not a readable CSV file ({reason})",
            file=shown,
            line=str(reader.line_num),
            reason=str(exc),
        ) from None
    if header is None:
        raise ImportRefusedError("{file}: the file is empty", file=shown)
    return Table(encoding, delimiter, header, tuple(rows))


def header_key(header: str) -> str:
    """``"  Adresse Électronique "`` → ``"adresse electronique"`` (no case, accents, marks)."""
    decomposed = unicodedata.normalize("NFKD", header.strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def map_columns(header: tuple[str, ...], shown: str) -> tuple[dict[str, int], tuple[str, ...]]:
    """Which column holds which field, and the headers left unused.

    Raises ``ImportRefusedError`` when no column is an email column, naming what was found.
    """
    keys = [header_key(h) for h in header]
    email_columns = [(EMAIL_HEADERS.index(k), i) for i, k in enumerate(keys) if k in EMAIL_HEADERS]
    if not email_columns:
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "nothing"
        raise ImportRefusedError(
            "{file}: no email column. The first row must name the columns, one of them "
            "'email' (or e-mail, courriel, mail, adresse électronique); found: {found}",
            terms=("found",),
            file=shown,
            found=found,
        )
    columns = {"email": min(email_columns)[1]}
    for index, key in enumerate(keys):
        name = _HEADER_FIELD.get(key)
        if name is not None and name not in columns:
            columns[name] = index
    used = set(columns.values())
    ignored = tuple(h.strip() for i, h in enumerate(header) if i not in used and h.strip())
    return columns, ignored


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
