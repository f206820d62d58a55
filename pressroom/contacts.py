"""Contact lists: one CSV file per list in the site's ``contacts/``, and the addresses in them.

A list is people a press office writes to (journalists, partners); it lives in git beside the
releases, so its file stays plain: UTF-8, a header row naming the columns, beats joined by
``;``. The values are stored as they are; spreadsheet formulas are neutralised only when a list
is exported for a spreadsheet (``contacts_export``), never in the file of record. The press
officers' cards beside the lists are read by ``press_officers``.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from pressroom.config import Site
from pressroom.errors import ConflictError, NotFoundError, PressroomError, Problem
from pressroom.store import FileVersion, relative, write_atomic

LIST_SUFFIX = ".csv"
BEAT_SEPARATOR = ";"
# Lowercase only: two lists differing by case would collide on Windows and macOS disks.
_LIST_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# The press officers' cards (``press_officers``) share the folder: no list may take its name.
_RESERVED_NAMES = frozenset({"press-officers"})


class ContactError(PressroomError):
    """A contact list, an address or the press officers' file cannot be used as it is.

    ``message`` is an English msgid with ``{}`` fields (``localized`` says it in the back
    office's or the terminal's language)."""


class InvalidEmailError(ContactError):
    """An address that email-validator refuses; ``reason`` is email-validator's explanation
    (English; the catalogues translate the usual ones)."""

    field = "email"

    def __init__(self, address: str, reason: str) -> None:
        if address:
            super().__init__(
                "invalid address {address!r}: {reason}",
                terms=("reason",),
                address=address,
                reason=reason,
            )
        else:
            super().__init__(reason)
        self.address = address
        self.reason = reason


@dataclass(frozen=True)
class Contact:
    """One person on a list; ``email`` is normalised, every other field is free text."""

    email: str
    first_name: str = ""
    last_name: str = ""
    outlet: str = ""
    role: str = ""
    beats: tuple[str, ...] = ()
    phone: str = ""
    language: str = ""
    consent_source: str = ""
    consent_date: str = ""
    notes: str = ""

    @property
    def key(self) -> str:
        """What makes two contacts the same person: the address, compared without case."""
        return email_key(self.email)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def merged_with(self, newer: Contact) -> Contact:
        """This contact updated by ``newer``: its non-empty values win, beats are unioned."""
        values: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = getattr(newer, name)
            values[name] = value if value else getattr(self, name)
        return Contact(email=self.email, beats=union_beats(self.beats, newer.beats), **values)


# Column order of a list file; the header row uses these names.
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Contact))
TEXT_FIELDS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in ("email", "beats"))
_BEATS = COLUMNS.index("beats")
_NO_ADDRESS = "no valid email address: row left out, and dropped when the list is next saved"
_BAD_LIST_NAME = (
    "{name!r} is not a valid list name: use lowercase letters, digits, '-' and '_' "
    "(up to 64 characters, e.g. journalistes-tech)"
)


@dataclass(frozen=True)
class ContactList:
    """A list as read from ``contacts/NAME.csv``; ``version`` is None when the file is new."""

    name: str
    contacts: tuple[Contact, ...] = ()
    version: FileVersion | None = None
    problems: tuple[Problem, ...] = ()

    def __len__(self) -> int:
        return len(self.contacts)

    @functools.cached_property
    def by_key(self) -> dict[str, Contact]:
        """Contacts by ``email_key``, to find an address in constant time."""
        return {c.key: c for c in self.contacts}

    def find(self, address: str) -> Contact | None:
        return self.by_key.get(email_key(address))


def normalize_email(address: str) -> str:
    """The address as email-validator normalises it (domain lowercased, in Unicode; NFC).

    Raises ``InvalidEmailError`` with email-validator's reason; no DNS lookup is made.
    """
    text = address.strip()
    if not text:
        raise InvalidEmailError("", "no email address")
    local, _, domain = text.rpartition("@")
    # Most addresses are a plain ASCII local part at a domain many others share: the domain is
    # checked by email-validator once per import, not once per row (5x faster on 100,000 rows).
    if len(text) <= _FAST_MAX_LENGTH and text.isascii() and _DOT_ATOM.fullmatch(local):
        normalized_domain = _normalize_domain(domain)
        if normalized_domain is not None:
            normalized = f"{local}@{normalized_domain}"
            if len(normalized.encode("utf-8")) <= _FAST_MAX_LENGTH:
                return normalized
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmailError(text, str(exc)) from None


# RFC 5322 dot-atom in ASCII: a local part email-validator accepts as it is, whatever the domain.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Well below the 254 octets of RFC 5321, so the fast path never decides on length: longer
# addresses (and Unicode ones) take email-validator's whole path.
_FAST_MAX_LENGTH = 128


@functools.lru_cache(maxsize=16384)
def _normalize_domain(domain: str) -> str | None:
    """A domain as email-validator normalises it, or None when it refuses it."""
    try:
        return validate_email(f"postmaster@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def email_key(address: str) -> str:
    """The form in which addresses are compared: normalised, then lowercased.

    Plain ASCII addresses skip the validator (lists of 100,000 are read often); punycode and
    Unicode domains go through it so ``xn--bcher-kva.example`` and ``bücher.example`` match.
    """
    text = address.strip()
    lowered = text.lower()
    if text.isascii() and "xn--" not in lowered:
        return lowered
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return lowered


def address_hash(address: str) -> str:
    """SHA-256 of an address's key: what a suppression list keeps once a person is erased."""
    return hashlib.sha256(email_key(address).encode("utf-8")).hexdigest()


def split_beats(cell: str) -> tuple[str, ...]:
    """``"numérique; santé;"`` → ``("numérique", "santé")``."""
    if not cell:
        return ()
    return union_beats(tuple(cell.split(BEAT_SEPARATOR)), ())


def union_beats(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """Beats of both, in order, without blanks or repeats (compared without case)."""
    seen: set[str] = set()
    result: list[str] = []
    for beat in (*first, *second):
        beat = beat.strip()
        if beat and beat.casefold() not in seen:
            seen.add(beat.casefold())
            result.append(beat)
    return tuple(result)


def check_list_name(name: str) -> str:
    """Refuse list names that are not plain file names (no folders, dots or capitals)."""
    if not _LIST_NAME.fullmatch(name) or name in _RESERVED_NAMES:
        raise ContactError(_BAD_LIST_NAME, field="name", name=name)
    return name


def list_path(site: Site, name: str) -> Path:
    """``contacts/NAME.csv`` for a valid name."""
    return site.contacts_dir / f"{check_list_name(name)}{LIST_SUFFIX}"


def list_names(site: Site) -> list[str]:
    """Names of the site's lists, sorted; files with names we would refuse are not lists."""
    folder = site.contacts_dir
    if not folder.is_dir():
        return []
    names = (p.stem for p in folder.glob(f"*{LIST_SUFFIX}") if p.is_file())
    return sorted(n for n in names if _LIST_NAME.fullmatch(n) and n not in _RESERVED_NAMES)


def read_list(site: Site, name: str, *, missing_ok: bool = False) -> ContactList:
    """Read ``contacts/NAME.csv``; bad rows become ``problems`` and are left out.

    With ``missing_ok``, a list that does not exist yet is empty (``version`` None).
    """
    path = list_path(site, name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return ContactList(name)
        raise NotFoundError(
            "no contact list named {name!r} ({path})", name=name, path=relative(site, path)
        ) from None
    except OSError as exc:
        raise ContactError(
            "{path}: cannot read: {reason}", path=relative(site, path), reason=_reason(exc)
        ) from None
    contacts, problems = parse_list(data, relative(site, path))
    return ContactList(name, contacts, FileVersion.of(data), problems)


def _reason(exc: OSError) -> str:
    """What the system said about a file (``No such file or directory``)."""
    return exc.strerror or str(exc)


def parse_list(data: bytes, shown: str) -> tuple[tuple[Contact, ...], tuple[Problem, ...]]:
    """Contacts of a list file's bytes; rows without a usable address become problems."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContactError(
            "{path}:{line}: not UTF-8; save the list as UTF-8", path=shown, line=str(line)
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse_rows(reader, shown)
    except csv.Error as exc:
        raise ContactError(
            "{path}:{line}: not a readable CSV file ({reason})",
            path=shown,
            line=str(reader.line_num),
            reason=str(exc),
        ) from None


def _parse_rows(
    reader: Iterator[list[str]], shown: str
) -> tuple[tuple[Contact, ...], tuple[Problem, ...]]:
    header = next(reader, None)
    if header is None:
        return (), ()
    columns = [h.strip().lower() for h in header]
    if "email" not in columns:
        raise ContactError("{path}:1: no 'email' column in the header row", path=shown)
    problems: list[Problem] = []
    unknown = [h for h in columns if h and h not in COLUMNS]
    if unknown:
        ignored = ", ".join(unknown)
        problems.append(
            Problem.of(shown, 1, "warning", "unknown columns ignored: {columns}", columns=ignored)
        )
    contacts: list[Contact] = []
    seen: dict[str, int] = {}
    positions = [columns.index(name) if name in columns else -1 for name in COLUMNS]
    line = 1
    for cells in reader:
        row_line, line = line + 1, line + 1 + sum(c.count("\n") for c in cells)
        if not any(c.strip() for c in cells):
            continue
        contact = contact_from_cells(cells, positions)
        if "@" not in contact.email:
            problems.append(Problem.of(shown, row_line, "error", _NO_ADDRESS))
        elif contact.key in seen:
            problems.append(
                Problem.of(
                    shown,
                    row_line,
                    "warning",
                    "{email} repeats line {first}",
                    email=contact.email,
                    first=str(seen[contact.key]),
                )
            )
        else:
            seen[contact.key] = row_line
            contacts.append(contact)
    return tuple(contacts), tuple(problems)


def contact_from_cells(cells: list[str], positions: list[int]) -> Contact:
    """A contact from a row's cells; ``positions`` gives the cell of each of ``COLUMNS``
    (-1 for a column the file lacks). Positional, as lists of 100,000 are read often."""
    count = len(cells)
    values: list[Any] = [cells[i].strip() if 0 <= i < count else "" for i in positions]
    values[_BEATS] = split_beats(values[_BEATS])
    return Contact(*values)


def serialize_list(contacts: tuple[Contact, ...] | list[Contact]) -> bytes:
    """A list file's bytes: UTF-8 without BOM, header row, ``\\n`` line ends (git-friendly)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for contact in contacts:
        writer.writerow(contact_cells(contact))
    return buffer.getvalue().encode("utf-8")


def contact_cells(contact: Contact) -> list[str]:
    """A contact's cells in ``COLUMNS`` order."""
    return [
        BEAT_SEPARATOR.join(contact.beats) if name == "beats" else getattr(contact, name)
        for name in COLUMNS
    ]


def write_list(
    site: Site, base: ContactList, contacts: tuple[Contact, ...] | list[Contact]
) -> ContactList:
    """Replace list ``base.name`` with ``contacts`` at once, if nobody changed it since ``base``.

    Raises ``ConflictError`` when the file changed (or appeared) after ``base`` was read.
    """
    path = list_path(site, base.name)
    if base.version is None and path.exists():
        raise ConflictError(
            "{path} was created by someone else meanwhile", path=relative(site, path)
        )
    data = serialize_list(contacts)
    try:
        version = write_atomic(path, data, expected=base.version)
    except OSError as exc:
        raise ContactError(
            "{path}: not saved: {reason}", path=relative(site, path), reason=_reason(exc)
        ) from None
    return ContactList(base.name, tuple(contacts), version, ())
