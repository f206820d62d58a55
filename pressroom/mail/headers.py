"""Header values made safe: one line of text, addresses validated, the site's mail domain.

Every header of a campaign message holds text someone typed (a title, a contact's name, an
address from a spreadsheet). A CR or LF left in any of them would let that text add headers
(``Bcc:``) or end the header block, so nothing reaches a header without passing through here.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from pressroom.errors import PressroomError

# Bidi overrides and isolates can make a subject read differently from what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Left out of display names: they would need quoting tricks some mail clients get wrong.
_NAME_SPECIALS = str.maketrans({c: " " for c in '<>"\\'})


class MailError(PressroomError):
    """A message cannot be built or sent as asked; the message says what to fix."""


class InvalidAddressError(MailError):
    """An email address that email-validator refuses."""


@dataclass(frozen=True)
class MailAddress:
    """A validated address: what goes in headers and what the SMTP envelope carries."""

    header: str  # normalised, Unicode domain kept (rendered by the email package)
    envelope: str  # ASCII (punycode domain) unless the local part itself is Unicode
    domain: str  # ASCII domain

    @property
    def needs_smtputf8(self) -> bool:
        return not self.envelope.isascii()


def header_text(value: str) -> str:
    """One line of text for a header: controls, line and paragraph breaks become spaces."""
    chars = []
    for char in unicodedata.normalize("NFC", value):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp", "Cs") or char in _BIDI_CONTROLS:
            chars.append(" ")
        else:
            chars.append(char)
    return " ".join("".join(chars).split())


def display_name(value: str) -> str:
    """A person's or list's name for ``From``/``To``/``List-Id``: one line, no brackets."""
    return " ".join(header_text(value).translate(_NAME_SPECIALS).split())


def parse_address(value: str, what: str = "address") -> MailAddress:
    """Validate an address (no DNS lookup); ``what`` names the field in the error."""
    text = value.strip()
    if not text:
        raise InvalidAddressError(f"{what}: no email address")
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        shown = header_text(text)[:80]
        raise InvalidAddressError(f"{what}: invalid address {shown!r}: {exc}") from None
    ascii_domain = valid.ascii_domain
    envelope = valid.ascii_email or valid.normalized
    return MailAddress(header=valid.normalized, envelope=envelope, domain=ascii_domain)


def header_address(name: str, address: MailAddress) -> Address:
    """An ``Address`` the email package folds and encodes itself (RFC 2047 for the name)."""
    local, _, domain = address.header.rpartition("@")
    return Address(display_name=display_name(name), username=local, domain=domain)


def _is_public_host(host: str) -> bool:
    if host in ("localhost", "") or "." not in host:
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def mail_domain(base_url: str, sender: MailAddress) -> str:
    """The site's domain for ``Message-ID`` and ``List-Id``: from ``base_url``, else the sender's.

    A demo site served from 127.0.0.1 has no domain; the sending address always has one.
    """
    host = (urlsplit(base_url).hostname or "").rstrip(".").lower()
    if _is_public_host(host):
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return sender.domain


_TOKEN_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def atom(value: str, what: str) -> str:
    """A word safe inside an address or identifier (VERP delivery ids, list ids)."""
    text = _TOKEN_UNSAFE.sub("-", value).strip(".-")
    if not text:
        raise MailError(f"{what}: {value!r} holds no usable character (letters, digits, . _ -)")
    return text[:64]
