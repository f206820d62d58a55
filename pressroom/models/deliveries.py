"""The engine's statements on the delivery table: claim, record, recover, count.

Each runs inside the caller's transaction (a session, or for the per-message statements a Core
connection): the engine commits after every message, so what the table says is what the SMTP
server said.
"""

from __future__ import annotations

import functools
import os
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection as Connection  # the engine's type for it (no SQLAlchemy there)
from sqlalchemy import Update, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from pressroom.contacts import address_hash
from pressroom.models.campaigns import ERASED_PREFIX, Campaign, Delivery
from pressroom.models.subscribers import Suppression


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds while it sends it."""

    id: int
    campaign_id: int
    address: str
    name: str
    source: str
    attempts: int

    @property
    def delivery_id(self) -> str:
        """The VERP delivery id: ``<campaign>-<delivery>``."""
        return f"{self.campaign_id}-{self.id}"


def claim_batch(
    session: Session, campaign_id: int, worker: str, size: int, now: datetime
) -> list[Claimed]:
    """Take up to ``size`` due pending rows for ``worker``, atomically.

    PostgreSQL: the rows are locked with ``SKIP LOCKED``, so workers claim disjoint batches
    without waiting on each other. SQLite ignores ``FOR UPDATE``: the UPDATE takes the
    database's write lock, so its subquery and its change happen as one.
    """
    due = (
        select(Delivery.id)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
        )
        # The due index's own order (SQLite and PostgreSQL then read the first rows of
        # ix_deliveries_due and stop): ordering by id alone sorted every pending row, and the
        # sender's peak memory grew with the campaign.
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()), Delivery.status == "pending")
        .values(
            status="sending",
            claimed_by=worker,
            claimed_at=now,
            attempts=Delivery.attempts + 1,
        )
        .returning(
            Delivery.id,
            Delivery.campaign_id,
            Delivery.address,
            Delivery.name,
            Delivery.source,
            Delivery.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(statement).all()
    return sorted((Claimed(*row) for row in rows), key=lambda claimed: claimed.id)


def _dead_local_worker(worker: str) -> bool:
    """Whether ``host:pid:thread`` names a process of this machine that no longer runs."""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def recover_claims(session: Session, campaign_id: int, now: datetime, lease: float) -> int:
    """Put back to ``pending`` the rows of crashed workers: those of dead local processes at
    once, any other once its lease ran out. Returns how many."""
    holders = session.scalars(
        select(Delivery.claimed_by)
        .where(Delivery.campaign_id == campaign_id, Delivery.status == "sending")
        .distinct()
    ).all()
    dead = [holder for holder in holders if _dead_local_worker(holder)]
    expired = now - timedelta(seconds=lease)
    statement = (
        update(Delivery)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == "sending",
            or_(Delivery.claimed_by.in_(dead), Delivery.claimed_at < expired),
        )
        .values(status="pending", claimed_by="", next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount  # type: ignore[attr-defined, no-any-return]


def refresh_claims(connection: Connection, ids: Sequence[int], worker: str, now: datetime) -> None:
    """Renew ``worker``'s lease on rows it still holds."""
    connection.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == "sending", Delivery.claimed_by == worker)
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )


def release_claims(connection: Connection, ids: Sequence[int], worker: str) -> None:
    """Give back rows claimed but not attempted (the attempt is not counted)."""
    connection.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == "sending", Delivery.claimed_by == worker)
        .values(status="pending", claimed_by="", attempts=Delivery.attempts - 1)
        .execution_options(synchronize_session=False)
    )


def suppressed_in_batch(session: Session, batch: Iterable[Claimed], source: str) -> set[int]:
    """Mark ``suppressed`` the claimed rows whose address was suppressed since the audience
    was computed (someone unsubscribed mid-campaign); returns their ids."""
    by_hash = {address_hash(claimed.address): claimed.id for claimed in batch}
    if not by_hash:
        return set()
    found = session.scalars(
        select(Suppression.address_hash).where(Suppression.address_hash.in_(list(by_hash)))
    ).all()
    ids = {by_hash[digest] for digest in found}
    if ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(status="suppressed", claimed_by="", last_reply="suppressed before sending")
            .execution_options(synchronize_session=False)
        )
    return ids


@functools.cache
def _record_statement(status: str, with_message_id: bool) -> Update:
    """The UPDATE that stores one reply, built once per kind: building and caching an
    ORM statement per message cost more than the commit itself."""
    values: dict[str, object] = {
        "status": status,
        "last_code": bindparam("code"),
        "last_reply": bindparam("reply"),
        "claimed_by": "",
    }
    if with_message_id:
        values["message_id"] = bindparam("message_id")
    if status == "sent":
        values["sent_at"] = bindparam("at")
    elif status == "pending":
        values["next_attempt_at"] = bindparam("at")
    return (
        update(Delivery)
        .where(Delivery.id == bindparam("row"), Delivery.status != "sent")
        .values(**values)
    )


def record_result(
    connection: Connection,
    delivery_id: int,
    outcome: str,
    *,
    code: int | None,
    reply: str,
    message_id: str,
    now: datetime,
    retry_at: datetime | None,
) -> str:
    """Store the server's answer on the row; returns its new status.

    ``outcome`` is ``sent``, ``temporary`` or ``permanent``: ``sent`` on acceptance,
    ``pending`` again at ``retry_at`` after a temporary failure (when given), else ``failed``.
    A row already ``sent`` stays so, whatever comes later. Runs on a Core connection, inside
    the caller's transaction: the engine calls it once per message.
    """
    at: datetime | None = None
    if outcome == "sent":
        status, at = "sent", now
    elif outcome == "temporary" and retry_at is not None:
        status, at = "pending", retry_at
    else:
        status = "failed"
    params: dict[str, object] = {"row": delivery_id, "code": code, "reply": reply[:1000]}
    if message_id:
        params["message_id"] = message_id[:255]
    if at is not None:
        params["at"] = at
    connection.execute(_record_statement(status, bool(message_id)), params)
    return status


def finish_if_done(session: Session, campaign_id: int, now: datetime) -> bool:
    """Mark the campaign ``done`` once no row is pending or being sent."""
    open_rows = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.campaign_id == campaign_id, Delivery.status.in_(("pending", "sending")))
    )
    if open_rows:
        return False
    campaign = session.get(Campaign, campaign_id)
    if campaign is not None and campaign.status in ("running", "scheduled"):
        campaign.status = "done"
        campaign.finished_at = now
    return True


def next_attempt_at(session: Session, campaign_id: int) -> datetime | None:
    """When the campaign's next pending row is due, if any is pending."""
    found: datetime | None = session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "pending"
        )
    )
    return found


def campaigns_with_due_work(session: Session, now: datetime) -> list[int]:
    """Scheduled campaigns whose time came, and running ones with pending or claimed rows."""
    scheduled = session.scalars(
        select(Campaign.id).where(Campaign.status == "scheduled", Campaign.scheduled_at <= now)
    ).all()
    running = session.scalars(
        select(Campaign.id).where(
            Campaign.status == "running",
            select(Delivery.id)
            .where(
                Delivery.campaign_id == Campaign.id,
                or_(
                    (Delivery.status == "pending") & (Delivery.next_attempt_at <= now),
                    Delivery.status == "sending",
                ),
            )
            .exists(),
        )
    ).all()
    return sorted(set(scheduled) | set(running))


def status_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """How many rows of the campaign are in each status."""
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.campaign_id == campaign_id)
        .group_by(Delivery.status)
    ).all()
    return {status: int(count) for status, count in rows}


def sent_since(session: Session, campaign_id: int, since: datetime) -> int:
    """How many of the campaign's messages were accepted since ``since``."""
    count = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == "sent",
            Delivery.sent_at >= since,
        )
    )
    return int(count or 0)


def delivery_address(session: Session, delivery_id: int) -> str | None:
    """The address of a delivery, if the row exists and its recipient was not erased: a bounce
    arriving after the erasure must not write the address back into the row's reply."""
    found: str | None = session.scalar(
        select(Delivery.address).where(
            Delivery.id == delivery_id, Delivery.address.not_like(f"{ERASED_PREFIX}%")
        )
    )
    return found


def mark_bounced(session: Session, delivery_id: int, reply: str) -> None:
    """A delivery the relay accepted, then bounced: failed, with the bounce as its reply."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="failed", last_reply=reply[:1000], claimed_by="")
        .execution_options(synchronize_session=False)
    )


def erase_recipient(session: Session, key: str, digest: str, forms: Iterable[str] = ()) -> int:
    """Anonymise every delivery row of one address in the caller's transaction; returns how many.

    The rows stay, so campaign counts and the report keep their totals: the address becomes
    ``erased:<digest>``, the name goes, the server's reply loses any quote of the address
    (a bounce names it), and a row not yet sent is ``suppressed``. A test send's list of
    addresses (on the campaign) loses it too. ``forms`` are other spellings to scrub from
    replies (the address as typed, a Unicode domain).
    """
    rows = session.scalars(select(Delivery).where(Delivery.address == key)).all()
    if not rows:
        return 0
    erased = f"{ERASED_PREFIX}{digest}"
    quoted = re.compile("|".join(re.escape(form) for form in {key, *forms} if form), re.IGNORECASE)
    for row in rows:
        row.address, row.name = erased, ""
        row.last_reply = quoted.sub("[erased]", row.last_reply)
        if row.status in ("pending", "sending"):
            row.status, row.claimed_by = "suppressed", ""
    for campaign in session.scalars(
        select(Campaign).where(Campaign.id.in_({row.campaign_id for row in rows}))
    ):
        sent_to = campaign.audience.get("test_to")
        if isinstance(sent_to, list) and key in sent_to:
            campaign.audience = {
                **campaign.audience,
                "test_to": [erased if address == key else address for address in sent_to],
            }
    session.flush()
    return len(rows)
