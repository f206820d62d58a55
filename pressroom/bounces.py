"""Asynchronous bounces: delivery status notifications read from a Maildir, an mbox or IMAP.

A relay that accepted a message may still fail to deliver it and say so hours later, by mail
to the envelope sender. That sender is our VERP address (``bounces+<campaign>-<delivery>@``),
so a bounce names its delivery even when the report is too mangled to name an address;
flufl.bounce (Mailman's detectors, which know the many formats MTAs use) says whether the
failure is permanent. A permanent one marks the delivery failed and suppresses the address;
a delay changes nothing (the relay is still trying).

Each permanent bounce is recorded in the audit log under the hash of its bytes, in the
transaction that applies it: a bounce read a second time (an mbox read again, an IMAP message
whose move failed after the commit) is counted as already recorded and changes nothing.
IMAP folders are read by ``pressroom.bounce_imap``.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import mailbox
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Literal

from flufl.bounce import all_failures

from pressroom import audit
from pressroom.db import Database
from pressroom.errors import PressroomError, localize
from pressroom.mail.message import delivery_from_verp
from pressroom.models.audit import has_entry
from pressroom.models.deliveries import delivery_address, mark_bounced
from pressroom.suppression import suppress_in

# The audit log's action for a permanent bounce applied; its target is ``bounce_key``.
RECORDED = audit.Action.BOUNCE_RECORDED

# What became of one message: the IMAP reader moves bounces away and leaves the rest.
Outcome = Literal["permanent", "delayed", "not-bounce", "already-recorded"]

_SUMMARY = (
    "{messages} messages: {permanent} permanent failures ({deliveries} matched to a delivery), "
    "{delayed} delays, {not_bounces} not bounces"
)
_SUMMARY_RECORDED = _SUMMARY + ", {recorded} already recorded"

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
    already_recorded: int = 0  # permanent failures a previous pass applied

    def summary(self, lang: str = "en") -> str:
        """One line for the terminal, in an interface language."""
        counts = {
            "messages": str(self.messages),
            "permanent": str(self.permanent),
            "deliveries": str(self.deliveries),
            "delayed": str(self.delayed),
            "not_bounces": str(self.not_bounces),
            "recorded": str(self.already_recorded),
        }
        return localize(lang, _SUMMARY_RECORDED if self.already_recorded else _SUMMARY, counts)


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


def bounce_key(data: bytes) -> str:
    """What identifies one bounce whatever its source (CRLF lines over IMAP, LF in a Maildir)."""
    return "sha256:" + hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def process_message(database: Database, data: bytes, report: BounceReport) -> Outcome:
    """Record one message of the bounce folder; anything that is not a bounce is counted."""
    report.messages += 1
    message = _parse(data)
    temporary, permanent = all_failures(message)
    if not permanent:
        if temporary:
            report.delayed += 1
            return "delayed"
        report.not_bounces += 1
        return "not-bounce"
    failed = _decoded(permanent)
    reply = f"bounce: {', '.join(failed)}"[:1000]
    row = _delivery_row(message)
    key = bounce_key(data)
    with database.session() as session:
        if has_entry(session, RECORDED, key):
            report.already_recorded += 1
            return "already-recorded"
        report.permanent += 1
        address = delivery_address(session, row) if row is not None else None
        if address is not None:
            mark_bounced(session, row or 0, reply)
            report.deliveries += 1
            suppress_in(session, address, "hard-bounce", f"bounce of delivery {row}")
        else:
            for failed_address in failed:
                if "@" in failed_address:
                    suppress_in(session, failed_address, "hard-bounce", "bounce")
        # No address in the details: an erased person must leave nothing readable behind.
        details = {"message_id": str(message.get("Message-ID", ""))[:200], "delivery": row}
        audit.add(session, audit.TERMINAL, RECORDED, key, details)
    return "permanent"


def _parse(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.compat32)


def process_maildir(database: Database, folder: Path) -> BounceReport:
    """Every unread message of a Maildir, each marked read (moved to ``cur/``, flag S)."""
    if not (folder / "new").is_dir() and not (folder / "cur").is_dir():
        raise BounceError("{folder}: not a Maildir (no new/ nor cur/ folder)", folder=str(folder))
    box = mailbox.Maildir(folder, factory=None, create=False)
    report = BounceReport()
    for key in list(box.keys()):
        entry = box.get_message(key)
        if "S" in entry.get_flags():
            continue
        process_message(database, box.get_bytes(key), report)
        entry.set_subdir("cur")
        entry.add_flag("S")
        box[key] = entry
    return report


def process_mbox(database: Database, path: Path) -> BounceReport:
    """Every message of an mbox file, left as it is: a second pass finds its bounces already
    recorded."""
    if not path.is_file():
        raise BounceError("{path}: no such mbox file", path=str(path))
    report = BounceReport()
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            process_message(database, box.get_bytes(key), report)
    finally:
        box.close()
    return report
