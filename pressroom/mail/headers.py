"""Header values made safe: one line of text, addresses validated, the site's mail domain.

Every header of a campaign message holds text someone typed (a title, a contact's name, an
address from a spreadsheet). A CR or LF left in any of them would let that text add headers
(``Bcc:``) or end the header block, so nothing reaches a header without passing through here.
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from dataclasses import dataclass
from email import policy as email_policy
from email.headerregistry import Address
from urllib.parse import quote, urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email

from pressroom.errors import Message, PressroomError, localize

# Raw headers (List-Unsubscribe) are written as we fold them: the email package would turn a
# long unbroken URL into RFC 2047 encoded words, which no mail client reads as a URL.
SMTP_POLICY = email_policy.SMTP.clone(refold_source="none")
SMTPUTF8_POLICY = email_policy.SMTPUTF8.clone(refold_source="none")
# Bidi overrides and isolates can make a subject read differently from what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Left out of display names: they would need quoting tricks some mail clients get wrong.
_NAME_SPECIALS = str.maketrans({c: " " for c in '<>"\\'})
# RFC 5322's recommended limit; an encoded word is at most 75 characters (RFC 2047).
MAX_HEADER_LINE = 78
_PLAIN_NAME = re.compile(r"[A-Za-z0-9]{1,40}(?: [A-Za-z0-9]{1,40})*")
_Q_PREFIX, _Q_SUFFIX = "=?utf-8?q?", "?="
_Q_TEXT_MAX = 75 - len(_Q_PREFIX) - len(_Q_SUFFIX)
# Safe inside a phrase in Q encoding (RFC 2047 5(3)); a space is written "_".
_Q_SAFE = frozenset((string.ascii_letters + string.digits + "!*+-/").encode("ascii"))


class MailError(PressroomError):
    """A message cannot be built or sent as asked; the message says what to fix."""


class InvalidAddressError(MailError):
    """An email address that email-validator refuses; ``what`` names it (the sender setting, a
    recipient, a release's press contact) and is said in the same language as the message."""

    def __init__(self, what: Message, message: str, **params: str) -> None:
        terms = ("reason",) if "reason" in params else ()
        super().__init__(message, terms=terms, what=str(what), **params)
        self.what = what

    def localized(self, lang: str) -> str:
        """The message, with what the address is for, in an interface language."""
        params = {**self.params, "what": self.what.localized(lang)}
        return localize(lang, self.message, params, self.terms)


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


def parse_address(value: str, what: str = "address", **where: str) -> MailAddress:
    """Validate an address (no DNS lookup); ``what`` names the field in the error (a msgid
    whose ``{}`` fields ``where`` fills)."""
    text = value.strip()
    named = Message(what, tuple(where.items()))
    if not text:
        raise InvalidAddressError(named, "{what}: no email address")
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        shown = header_text(text)[:80]
        raise InvalidAddressError(
            named, "{what}: invalid address {address!r}: {reason}", address=shown, reason=str(exc)
        ) from None
    ascii_domain = valid.ascii_domain
    envelope = valid.ascii_email or valid.normalized
    return MailAddress(header=valid.normalized, envelope=envelope, domain=ascii_domain)


def header_address(name: str, address: MailAddress) -> Address:
    """An ``Address`` the email package folds and encodes itself (RFC 2047 for the name)."""
    local, _, domain = address.header.rpartition("@")
    return Address(display_name=display_name(name), username=local, domain=domain)


def encoded_words(text: str) -> list[str]:
    """``text`` as RFC 2047 encoded words (UTF-8, Q encoding), each within 75 characters and
    holding whole characters, so that adjacent words decode back to ``text`` exactly.

    Mail clients drop the fold between two encoded words (RFC 2047 6.2); Python's
    ``policy.default`` parser reads a space there instead, for the email package's own
    headers as for these.
    """
    words: list[str] = []
    current: list[str] = []
    length = 0
    for char in text:
        encoded = "".join(
            chr(byte) if byte in _Q_SAFE else "_" if byte == 0x20 else f"={byte:02X}"
            for byte in char.encode("utf-8")
        )
        if current and length + len(encoded) > _Q_TEXT_MAX:
            words.append(_Q_PREFIX + "".join(current) + _Q_SUFFIX)
            current, length = [], 0
        current.append(encoded)
        length += len(encoded)
    if current:
        words.append(_Q_PREFIX + "".join(current) + _Q_SUFFIX)
    return words


def address_field(field: str, name: str, address: MailAddress) -> str:
    """``To: Name <address>`` as the wire carries it (CRLF folds, no final line end).

    For messages written without the ``email`` package (``pressroom.mail.template``): the
    name passes through ``display_name``; plain ASCII words stay as they are, anything else
    (accents, commas, quotes, ``=?``) becomes encoded words; lines are folded within 78
    characters. Raises ``MailError`` for an address that needs SMTPUTF8 or an IDN domain in
    its header (the ``email`` package writes those) or if a line break got through.
    """
    if not address.header.isascii():
        raise MailError(
            "{field}: {address!r} cannot be written as ASCII", field=field, address=address.header
        )
    name = display_name(name)
    words = name.split(" ") if _PLAIN_NAME.fullmatch(name) else encoded_words(name)
    words.append(f"<{address.header}>" if name else address.header)
    lines: list[str] = []
    line = f"{field}:"  # folding right after the colon is allowed (RFC 5322 3.2.2 FWS)
    for word in words:
        if len(line) + 1 + len(word) > MAX_HEADER_LINE:
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    folded = "\r\n".join(lines)
    unfolded = folded.replace("\r\n ", "")
    if "\r" in unfolded or "\n" in unfolded:
        raise MailError(
            "{field}: a line break in {folded!r} would add a header", field=field, folded=folded
        )
    return folded


def site_url(base_url: str) -> str:
    """``base_url`` made safe for a header: IDNA host, percent-encoded path, no slash at end."""
    parts = urlsplit(header_text(base_url))
    host = (parts.hostname or "localhost").encode("idna").decode("ascii")
    netloc = f"{host}:{parts.port}" if parts.port else host
    path = quote(parts.path.rstrip("/"), safe="/%")
    return urlunsplit((parts.scheme or "https", netloc, path, "", ""))


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
    """A word safe inside an address or identifier (VERP delivery ids, list ids); ``what``
    (a msgid) names it in the error."""
    text = _TOKEN_UNSAFE.sub("-", value).strip(".-")
    if not text:
        raise MailError(
            "{what}: {value!r} holds no usable character (letters, digits, . _ -)",
            terms=("what",),
            what=what,
            value=value,
        )
    return text[:64]
