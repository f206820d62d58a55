"""A spreadsheet export of contacts read as a table: its encoding, delimiter and columns.

Press offices get lists from Excel (French Excel writes ``;``-separated Windows-1252), from
LibreOffice or from a CRM (UTF-8, with or without BOM, ``,``-separated). The reader guesses the
encoding and the delimiter and finds the columns by their header, in French or English; a file
it cannot read as a whole is refused (``ImportRefusedError``) before any row is looked at.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from pressroom.contacts import ContactError

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
