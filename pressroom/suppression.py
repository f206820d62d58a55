"""The suppression list: addresses that never receive anything again, whatever list they are on.

Unsubscribes, hard bounces, complaints, erasures and additions by hand all land here, as the
SHA-256 hash of the address (``pressroom.contacts.address_hash``), never the address itself:
an erased person must leave nothing readable behind, and a hash is enough to recognise them.
Audiences (``pressroom.audience.compute_audience``) leave out every hash ``suppressed_hashes``
returns; a campaign checks ``is_suppressed`` again just before sending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast, get_args

from pressroom import audit
from pressroom.audience import Suppressions
from pressroom.contacts import address_hash, email_key
from pressroom.db import Database, Session
from pressroom.errors import PressroomError
from pressroom.models.subscribers import (
    Suppression,
    all_suppression_hashes,
    suppression_by_hash,
    suppressions_page,
)
from pressroom.paging import page_count

Reason = Literal["unsubscribe", "hard-bounce", "complaint", "erasure", "manual"]
REASONS: tuple[Reason, ...] = get_args(Reason)


class SuppressionError(PressroomError):
    """A suppression cannot be recorded as asked (unknown reason, no address)."""


@dataclass(frozen=True)
class SuppressionEntry:
    """One suppressed address as admins see it: why, since when, from where."""

    address_hash: str
    reason: Reason
    source: str
    created_at: datetime


@dataclass(frozen=True)
class SuppressionPage:
    """A page of the list, newest first, and how many entries there are in all."""

    entries: tuple[SuppressionEntry, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def _entry(row: Suppression) -> SuppressionEntry:
    return SuppressionEntry(row.address_hash, cast(Reason, row.reason), row.source, row.created_at)


def check_reason(reason: str) -> Reason:
    """``reason`` if it is one the list knows."""
    if reason not in REASONS:
        raise SuppressionError(
            "unknown suppression reason {reason!r}: use {known}",
            reason=reason,
            known=", ".join(REASONS),
        )
    return reason


def _unquoted(source: str, address: str) -> str:
    """``source`` without the address it may quote ("asked by ana@example.org"): the list
    keeps addresses as hashes only, whatever the caller wrote."""
    quoted = {address.strip(), email_key(address)}
    pattern = "|".join(re.escape(form) for form in sorted(quoted, key=len, reverse=True) if form)
    return re.sub(pattern, "[address]", source, flags=re.IGNORECASE)


def suppress_in(
    session: Session, address: str, reason: Reason, source: str = ""
) -> SuppressionEntry:
    """Add an address to the list inside the caller's transaction (erasure uses it to delete
    and suppress at once). An address already there keeps its first reason and date."""
    if not address.strip():
        raise SuppressionError("no address to suppress")
    digest = address_hash(address)
    found = suppression_by_hash(session, digest)
    if found is not None:
        found.source = _unquoted(found.source, address)  # erasure must leave no address here
        return _entry(found)
    source = _unquoted(source, address)[:255]
    row = Suppression(address_hash=digest, reason=check_reason(reason), source=source)
    session.add(row)
    session.flush()
    return _entry(row)


def suppress(
    database: Database,
    address: str,
    reason: Reason,
    source: str = "",
    actor: audit.Actor | str | None = None,
) -> SuppressionEntry:
    """Add an address to the suppression list (idempotent); recorded in the audit log."""
    with database.session() as session:
        entry = suppress_in(session, address, reason, source)
        audit.add(
            session, actor, audit.Action.SUPPRESSION_ADD, entry.address_hash, {"reason": reason}
        )
        return entry


def lift_in(session: Session, address: str) -> SuppressionEntry | None:
    """Take an address off the list in the caller's transaction; what was there, if anything.

    Only a new, confirmed opt-in does this: the person asked again and proved the address.
    An address an admin put on the list by hand stays there: that was not the person's call.
    """
    found = suppression_by_hash(session, address_hash(address))
    if found is None or found.reason == "manual":
        return None
    entry = _entry(found)
    session.delete(found)
    return entry


def is_suppressed(database: Database, address: str) -> bool:
    """Whether this address must not be mailed."""
    return find_suppression(database, address) is not None


def find_suppression(database: Database, address: str) -> SuppressionEntry | None:
    """The list's entry for this address, if it is suppressed."""
    with database.session() as session:
        found = suppression_by_hash(session, address_hash(address))
        return None if found is None else _entry(found)


def suppressed_hashes(database: Database) -> Suppressions:
    """Every suppressed hash, in the form ``compute_audience`` takes."""
    with database.session() as session:
        hashes = all_suppression_hashes(session)
    return Suppressions(frozenset(), hashes)


def suppression_list(
    database: Database, reason: str | None = None, page: int = 1, per_page: int = 50
) -> SuppressionPage:
    """One page of the list for admins (pages count from 1), optionally of one reason."""
    if reason:
        check_reason(reason)
    page = max(1, page)
    with database.session() as session:
        rows, total = suppressions_page(session, reason or None, per_page, (page - 1) * per_page)
        entries = tuple(_entry(row) for row in rows)
    return SuppressionPage(entries, total, page, per_page)
