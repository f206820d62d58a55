"""A campaign's message as bytes with holes: built once by the ``email`` package, filled per
recipient.

Building each recipient's message whole with the ``email`` package cost about 3 ms of CPU per
message (its header registry parses and refolds every header, every time), several times what
sending it costs. Yet all but a few values are the same for every recipient: subject, sender,
both bodies, the PDF. So ``message_template`` has the email package build and flatten one
message whose per-recipient values are unguessable markers, each on a line of its own in the
bodies, and ``MessageTemplate.fill`` joins the flattened pieces with one recipient's values:

- ``To``: written by ``headers.address_field`` (encoded words, folding, no line break of its
  own);
- ``Date``, ``Message-ID`` and the unsubscribe token: ASCII with no space or line break by
  construction (``format_datetime``, ``make_msgid`` on an ``atom``, a URL-quoted token);
- the body lines holding the greeting or the unsubscribe link, encoded by the very function
  the email package uses for quoted-printable parts. Quoted-printable encodes each line on its
  own, so encoding those lines alone gives the bytes encoding the whole body would.

A recipient whose address the template cannot write in ASCII (SMTPUTF8, IDN domain) gets a
message built whole by ``personalise``; so does one whose token is missing while the template
has an unsubscribe link, or the reverse. Core module: no Flask, no smtplib.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.quoprimime import body_encode
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

from pressroom.mail.body import greeting
from pressroom.mail.headers import (
    SMTP_POLICY,
    MailError,
    address_field,
    atom,
    display_name,
    header_text,
    parse_address,
)
from pressroom.mail.message import (
    Envelope,
    PersonalHeaders,
    PreparedMail,
    Recipient,
    Sendable,
    assemble,
    envelope_for,
    filled_body,
    personalise,
    unsubscribe_links,
)

# Markers of the per-recipient header values: To, Date, Message-ID (I), unsubscribe token (K).
_HEADER_SLOTS = ("T", "D", "I")
# The limit set_content encodes quoted-printable parts to (the policy's, 78).
_QP_LINE = SMTP_POLICY.max_line_length or 78


@dataclass(frozen=True)
class FilledMessage:
    """One recipient's message as the wire carries it, with its envelope."""

    data: bytes = field(repr=False)
    envelope: Envelope
    message_id: str

    def as_bytes(self) -> bytes:
        """The message as sent on the wire (CRLF line ends)."""
        return self.data

    @property
    def message(self) -> EmailMessage:
        """The bytes parsed back (the outbox writes it; headers kept as written)."""
        parsed = BytesParser(policy=SMTP_POLICY).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(frozen=True)
class _Line:
    """A body line holding the greeting or the unsubscribe link, before encoding."""

    text: str
    html: bool


@dataclass(frozen=True)
class MessageTemplate:
    """A flattened message cut at its markers: ``pieces[i]`` comes before ``slots[i]``."""

    prepared: PreparedMail
    unsubscribe: bool  # whether the template carries List-Unsubscribe and the links
    pieces: tuple[bytes, ...] = field(repr=False)
    slots: tuple[str, ...]
    lines: Mapping[str, _Line] = field(repr=False)

    def fill(
        self,
        recipient: Recipient,
        *,
        delivery_id: str,
        unsubscribe_token: str | None = None,
        now: datetime | None = None,
    ) -> Sendable:
        """One recipient's message: the same message ``personalise`` builds (same headers,
        parts and attachment once parsed), from the template's bytes."""
        prepared = self.prepared
        address = parse_address(recipient.email, "recipient")
        token = quote(header_text(unsubscribe_token or ""), safe="")
        if not address.header.isascii() or bool(token) != self.unsubscribe:
            return personalise(
                prepared,
                recipient,
                delivery_id=delivery_id,
                unsubscribe_token=unsubscribe_token,
                now=now,
            )
        name = display_name(recipient.name)
        hello = greeting(name, prepared.lang)
        url = unsubscribe_links(prepared, token)[0] if token else ""
        message_id = make_msgid(idstring=atom(delivery_id, "delivery id"), domain=prepared.domain)
        values = {
            "T": address_field("To", name, address),
            "D": format_datetime((now or datetime.now(UTC)).astimezone(UTC)),
            "I": message_id,
            "K": token,
        }
        for slot, line in self.lines.items():
            text = filled_body(prepared, line.text, hello, url, html=line.html)
            values[slot] = _encoded_line(text)
        data = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            data += (values[slot].encode("ascii"), piece)
        envelope = envelope_for(prepared, address, delivery_id)
        return FilledMessage(b"".join(data), envelope, message_id)


def _encoded_line(text: str) -> str:
    """One body line as the email package writes it in a quoted-printable part (CRLF soft
    breaks, lines within the policy's limit); its own line end is the template's."""
    encoded = body_encode(text.encode("utf-8").decode("latin-1") + "\n", _QP_LINE)
    return encoded[:-1].replace("\n", "\r\n")


def _with_line_markers(
    body: str, prepared: PreparedMail, html: bool, lines: dict[str, _Line]
) -> str:
    """``body`` with each line holding a per-recipient marker replaced by a marker of its own.

    Lines are split as the email package splits a text part before encoding it.
    """
    kept = []
    for raw in body.encode("utf-8").splitlines():
        line = raw.decode("utf-8")
        if prepared.marker in line:
            slot = f"L{len(lines)}"
            lines[slot] = _Line(line, html)
            line = prepared.marker + slot
        kept.append(line)
    return "\n".join(kept) + "\n"


def message_template(prepared: PreparedMail, *, unsubscribe: bool = True) -> MessageTemplate:
    """Build the campaign's message once with the email package, markers in place of each
    recipient's values, and cut its bytes at the markers. ``unsubscribe`` is False for test
    sends (no list, no link)."""
    marker = prepared.marker
    lines: dict[str, _Line] = {}
    if unsubscribe:
        text, html = prepared.text, prepared.html
        url, mailto = unsubscribe_links(prepared, marker + "K")
        list_unsubscribe = f"<{url}>,\n <{mailto}>"
    else:
        text, html = prepared.text_without_unsubscribe, prepared.html_without_unsubscribe
        list_unsubscribe = ""
    personal = PersonalHeaders(
        to=marker + "T",
        date=marker + "D",
        message_id=marker + "I",
        raw=True,
        list_unsubscribe=list_unsubscribe,
    )
    message = assemble(
        prepared,
        SMTP_POLICY,
        personal,
        _with_line_markers(text, prepared, False, lines),
        _with_line_markers(html, prepared, True, lines),
    )
    data = message.as_bytes()  # SMTP_POLICY: CRLF line ends
    cut = re.split(re.escape(marker).encode("ascii") + rb"([A-Z][0-9]*)", data)
    pieces, slots = list(cut[0::2]), [slot.decode("ascii") for slot in cut[1::2]]
    expected = sorted([*_HEADER_SLOTS, *lines, *(["K", "K"] if unsubscribe else [])])
    if sorted(slots) != expected or not pieces[slots.index("T")].endswith(b"\r\nTo: "):
        # The email package encoded or folded a marker: the template would lose a value.
        raise MailError(
            "message template: markers {found}, expected {expected}",
            found=str(sorted(slots)),
            expected=str(expected),
        )
    # The To slot is the whole field, name included: address_field may fold after the colon.
    to = slots.index("T")
    pieces[to] = pieces[to].removesuffix(b"To: ")
    return MessageTemplate(prepared, unsubscribe, tuple(pieces), tuple(slots), lines)


__all__ = ["FilledMessage", "MessageTemplate", "message_template"]
