"""Delivering a message with no SMTP server: an ``.eml`` file in the site's ``instance/outbox/``.

The default on a fresh machine, so that every chain that sends mail (password resets, campaigns)
runs and can be read back. The SMTP layer extends ``deliver``; callers keep calling it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from pressroom.config import Site
from pressroom.store import write_atomic

OUTBOX = "outbox"


def outbox_dir(site: Site) -> Path:
    """Where undelivered messages are written, one ``.eml`` file each."""
    return site.ensure_instance() / OUTBOX


def complete_headers(site: Site, message: EmailMessage) -> None:
    """Add ``Date``, ``Message-ID`` (on the site's domain) and ``From`` when missing."""
    if "Date" not in message:
        message["Date"] = format_datetime(datetime.now(UTC))
    if "Message-ID" not in message:
        domain = urlsplit(site.settings.base_url).hostname or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
    if "From" not in message:
        message["From"] = site.settings.sender


def write_eml(site: Site, message: EmailMessage) -> Path:
    """Write the message atomically (temp file, then rename) and return its path."""
    folder = outbox_dir(site)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
    write_atomic(target, message.as_bytes(), create_only=True)
    return target


def deliver(site: Site, message: EmailMessage) -> Path:
    """Send one message; with no SMTP server configured (today: always) into the outbox."""
    complete_headers(site, message)
    return write_eml(site, message)


def _recipients(path: Path) -> list[str]:
    """The To, Cc and Bcc addresses of an ``.eml`` file, reading its header block only (a
    campaign's messages may carry a PDF each: the bodies are never read)."""
    lines = []
    with path.open("rb") as handle:
        for line in handle:
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
    headers = BytesHeaderParser().parsebytes(b"".join(lines))
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in headers.get_all(name, [])]
    return [address for _name, address in getaddresses(fields) if address]


def remove_messages_to(site: Site, is_theirs: Callable[[str], bool]) -> int:
    """Delete the outbox's messages addressed to someone ``is_theirs`` recognises (an erased
    person: the outbox is a copy of what was sent, address and greeting included); returns
    how many files went."""
    folder = site.instance_dir / OUTBOX
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("*.eml"):
        try:
            if any(is_theirs(address) for address in _recipients(path)):
                path.unlink()
                removed += 1
        except FileNotFoundError:  # taken away meanwhile (another erasure, the operator)
            continue
    return removed
