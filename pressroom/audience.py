"""Audiences: who a mailing goes to, once lists are combined, filtered, deduplicated, suppressed.

The suppression list (unsubscribes, bounces, complaints, erasures) lives in the database; this
module only receives it as a set of addresses or of their SHA-256 hashes (``address_hash``),
since an erased person leaves nothing but the hash. Subscribers' topics will be added here
as one more source of contacts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pressroom.contacts import Contact, ContactList, email_key

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Suppressions:
    """Suppressed addresses split by form: email keys, and SHA-256 hashes of email keys."""

    keys: frozenset[str]
    hashes: frozenset[str]

    @classmethod
    def of(cls, entries: Iterable[str]) -> Suppressions:
        """Sort entries into hashes (64 hex digits) and addresses (compared by ``email_key``)."""
        keys: set[str] = set()
        hashes: set[str] = set()
        for entry in entries:
            text = entry.strip().lower()
            if _SHA256_HEX.fullmatch(text):
                hashes.add(text)
            elif text:
                keys.add(email_key(text))
        return cls(frozenset(keys), frozenset(hashes))

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key in self.keys:
            return True
        return bool(self.hashes) and hashlib.sha256(key.encode("utf-8")).hexdigest() in self.hashes


@dataclass(frozen=True)
class Audience:
    """The recipients of a mailing, and why the others were left out."""

    recipients: tuple[Contact, ...]
    duplicates: int
    suppressed: int
    filtered_out: int

    @property
    def count(self) -> int:
        return len(self.recipients)


def compute_audience(
    lists: Iterable[ContactList],
    beats: Iterable[str] = (),
    suppressed: Iterable[str] | Suppressions = (),
) -> Audience:
    """The contacts of ``lists`` having one of ``beats`` (any when none), each address once
    (first list wins), without the suppressed ones."""
    wanted = {b.strip().casefold() for b in beats if b.strip()}
    blocked = suppressed if isinstance(suppressed, Suppressions) else Suppressions.of(suppressed)
    seen: set[str] = set()
    recipients: list[Contact] = []
    duplicates = suppressed_count = filtered_out = 0
    for contact_list in lists:
        for contact in contact_list.contacts:
            if wanted and not any(b.casefold() in wanted for b in contact.beats):
                filtered_out += 1
                continue
            key = contact.key
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            if key in blocked:
                suppressed_count += 1
                continue
            recipients.append(contact)
    return Audience(tuple(recipients), duplicates, suppressed_count, filtered_out)
