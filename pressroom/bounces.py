"""Asynchronous bounces: delivery status notifications read from a Maildir, an mbox or IMAP.

A relay that accepted a message may still fail to deliver it and say so hours later, by mail
to the envelope sender. That sender is our VERP address (``bounces+<campaign>-<delivery>@``),
so a bounce names its delivery even when the report is too mangled to name an address;
flufl.bounce (Mailman's detectors, which know the many formats MTAs use) says whether the
failure is permanent. A permanent one marks the delivery failed and suppresses the address;
a delay changes nothing (the relay is still trying).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import mailbox
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from flufl.bounce import all_failures

from pressroom.db import Database
from pressroom.errors import ConfigError, PressroomError
from pressroom.mail.message import delivery_from_verp
from pressroom.models.deliveries import delivery_address, mark_bounced
from pressroom.suppression import suppress_in

# Where MTAs put the address a bounce was sent to (the VERP one).
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To")


class BounceError(PressroomError):
    """A bounce folder cannot be read."""


@dataclass
class BounceReport:
    """What one pass over a folder found."""

    messages: int = 0
    permanent: int = 0
    delayed: int = 0
    not_bounces: int = 0
    deliveries: int = 0  # permanent failures matched to a delivery through VERP


def _delivery_row(message: Message) -> int | None:
    for name in _RECIPIENT_HEADERS:
        for value in message.get_all(name, []):
            for _name, address in email.utils.getaddresses([str(value)]):
                found = delivery_from_verp(address)
                if found is None:
                    continue
                _campaign, _, row = found.partition("-")
                if row.isdigit():
                    return int(row)
    return None


def _decoded(addresses: frozenset[bytes]) -> list[str]:
    return sorted(a.decode("utf-8", "replace") for a in addresses)


def process_message(database: Database, message: Message, report: BounceReport) -> None:
    """Record one message of the bounce folder; anything that is not a bounce is counted."""
    report.messages += 1
    temporary, permanent = all_failures(message)
    if not permanent:
        if temporary:
            report.delayed += 1
        else:
            report.not_bounces += 1
        return
    report.permanent += 1
    failed = _decoded(permanent)
    reply = f"bounce: {', '.join(failed)}"[:1000]
    row = _delivery_row(message)
    with database.session() as session:
        address = delivery_address(session, row) if row is not None else None
        if address is not None:
            mark_bounced(session, row or 0, reply)
            report.deliveries += 1
            suppress_in(session, address, "hard-bounce", f"bounce of delivery {row}")
            return
        for failed_address in failed:
            if "@" in failed_address:
                suppress_in(session, failed_address, "hard-bounce", "bounce")


def _parse(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.compat32)


def process_maildir(database: Database, folder: Path) -> BounceReport:
    """Every unread message of a Maildir, each marked read (moved to ``cur/``, flag S)."""
    if not (folder / "new").is_dir() and not (folder / "cur").is_dir():
        raise BounceError(f"{folder}: not a Maildir (no new/ nor cur/ folder)")
    box = mailbox.Maildir(folder, factory=None, create=False)
    report = BounceReport()
    for key in list(box.keys()):
        entry = box.get_message(key)
        if "S" in entry.get_flags():
            continue
        process_message(database, _parse(entry.as_bytes()), report)
        entry.set_subdir("cur")
        entry.add_flag("S")
        box[key] = entry
    return report


def process_mbox(database: Database, path: Path) -> BounceReport:
    """Every message of an mbox file (left as it is: a second pass changes nothing more)."""
    if not path.is_file():
        raise BounceError(f"{path}: no such mbox file")
    report = BounceReport()
    box = mailbox.mbox(path, create=False)
    try:
        for entry in box:
            process_message(database, _parse(entry.as_bytes()), report)
    finally:
        box.close()
    return report


@dataclass(frozen=True)
class ImapSettings:
    """``PRESSROOM_BOUNCE_IMAP_HOST``, ``_PORT`` (993), ``_USERNAME``, ``_PASSWORD``,
    ``_FOLDER`` (INBOX), ``_SSL`` (true)."""

    host: str
    port: int = 993
    username: str = ""
    password: str = ""
    folder: str = "INBOX"
    ssl: bool = True


def imap_settings(environ: Mapping[str, str] | None = None) -> ImapSettings:
    """Read the IMAP settings; ``ConfigError`` when no host is set."""
    env = os.environ if environ is None else environ
    prefix = "PRESSROOM_BOUNCE_IMAP_"
    host = env.get(prefix + "HOST", "").strip()
    if not host:
        raise ConfigError(f"{prefix}HOST is not set: no IMAP folder to read bounces from")
    port = env.get(prefix + "PORT", "993").strip()
    if not port.isdigit():
        raise ConfigError(f"{prefix}PORT must be a port number, not {port!r}")
    return ImapSettings(
        host=host,
        port=int(port),
        username=env.get(prefix + "USERNAME", ""),
        password=env.get(prefix + "PASSWORD", ""),
        folder=env.get(prefix + "FOLDER", "INBOX") or "INBOX",
        ssl=env.get(prefix + "SSL", "true").strip().lower() not in ("0", "false", "no", "off"),
    )


def _imap_messages(settings: ImapSettings) -> Iterator[bytes]:
    client: imaplib.IMAP4 = (
        imaplib.IMAP4_SSL(settings.host, settings.port, timeout=30)
        if settings.ssl
        else imaplib.IMAP4(settings.host, settings.port, timeout=30)
    )
    try:
        client.login(settings.username, settings.password)
        client.select(settings.folder)
        _status, found = client.search(None, "UNSEEN")
        for number in found[0].split():
            _status, parts = client.fetch(number.decode(), "(RFC822)")
            for part in parts:
                if isinstance(part, tuple):
                    yield part[1]
            client.store(number.decode(), "+FLAGS", "\\Seen")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def process_imap(database: Database, settings: ImapSettings) -> BounceReport:
    """Every unseen message of the IMAP folder, each marked seen."""
    report = BounceReport()
    try:
        for data in _imap_messages(settings):
            process_message(database, _parse(data), report)
    except (imaplib.IMAP4.error, OSError) as exc:
        raise BounceError(f"IMAP {settings.host}:{settings.port}: {exc}") from None
    return report
