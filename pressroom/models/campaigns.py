"""Campaigns (a release sent to an audience) and their deliveries (one row per recipient).

The delivery table is the record of what was sent, not the queue: a row is ``sent`` only once
the SMTP server accepted its message, and (campaign, address) is unique, so a campaign can be
resumed or re-run any number of times without mailing anyone twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from pressroom.models.base import Base, utcnow

CAMPAIGN_KINDS = ("normal", "test", "new-recipients", "correction")
CAMPAIGN_STATUSES = ("scheduled", "running", "paused", "cancelled", "done")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "suppressed")
# What an erased person's delivery rows hold instead of their address: ``erased:<hash>``, the
# hash the suppression list keeps (pressroom.data_rights explains why the rows stay).
ERASED_PREFIX = "erased:"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Campaign(Base):
    """A release sent (or to be sent) to an audience, now or at ``scheduled_at``."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(CAMPAIGN_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(CAMPAIGN_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_path: Mapped[str] = mapped_column(String(512))
    release_slug: Mapped[str] = mapped_column(String(255), index=True)
    # The title when the campaign was made: the list stays readable if the file goes.
    title: Mapped[str] = mapped_column(String(1000), default="")
    # {"lists": [...], "beats": [...], "topics": [...], "test_to": [...], "extra": n}
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    list_id: Mapped[str] = mapped_column(String(64), default="presse")
    # Link the PDF rather than attach it (under embargo it is attached all the same).
    link_pdf: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str] = mapped_column(String(16), default="normal")
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    scheduled_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class Delivery(Base):
    """One recipient of one campaign: where their message stands, and the server's reply."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "address", name="uq_deliveries_campaign_address"),
        CheckConstraint(f"status IN ({_in(DELIVERY_STATUSES)})", name="status"),
        # What the engine asks for: a campaign's due rows, in order.
        Index("ix_deliveries_due", "campaign_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # Normalised and lower-cased (pressroom.contacts.email_key).
    address: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    # The list (or "subscribers") the address came from: its unsubscribe link names it.
    source: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_code: Mapped[int | None] = mapped_column(default=None)
    last_reply: Mapped[str] = mapped_column(String(1000), default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str] = mapped_column(String(128), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)


def campaigns_page(session: Session, limit: int, offset: int = 0) -> Sequence[Campaign]:
    """Campaigns, newest first."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    return session.scalars(query.limit(limit).offset(offset)).all()


def count_campaigns(session: Session) -> int:
    """How many campaigns there are."""
    return int(session.scalar(select(func.count()).select_from(Campaign)) or 0)


def reached_addresses(session: Session, release_path: str) -> set[str]:
    """Addresses a release was sent to, or is on its way to (test sends aside): the ones a new
    campaign for it leaves out. Rows of cancelled campaigns that never left do not count."""
    query = (
        select(Delivery.address)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(
            Campaign.release_path == release_path,
            Campaign.kind != "test",
            or_(
                Delivery.status == "sent",
                Delivery.status.in_(("pending", "sending")) & (Campaign.status != "cancelled"),
            ),
        )
    )
    return set(session.scalars(query))


def sent_recipients(session: Session, campaign_id: int) -> list[tuple[str, str, str]]:
    """(address, name, source) of every delivery the server accepted: a correction's audience.
    Erased people are left out: their rows keep a hash, nothing to write to."""
    query = (
        select(Delivery.address, Delivery.name, Delivery.source)
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status == "sent",
            Delivery.address.not_like(f"{ERASED_PREFIX}%"),
        )
        .order_by(Delivery.id)
    )
    return [(a, n, s) for a, n, s in session.execute(query)]


def add_deliveries(
    session: Session, campaign_id: int, rows: Iterable[tuple[str, str, str]], now: datetime
) -> int:
    """Insert one pending delivery per (address, name, source), in chunks; returns the count."""
    count = 0
    chunk: list[dict[str, Any]] = []
    for address, name, source in rows:
        chunk.append(
            {
                "campaign_id": campaign_id,
                "address": address,
                "name": name[:255],
                "source": source[:64],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_reply": "",
                "message_id": "",
                "claimed_by": "",
            }
        )
        if len(chunk) >= 5000:
            session.execute(insert(Delivery), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        session.execute(insert(Delivery), chunk)
        count += len(chunk)
    return count


def deliveries_page(
    session: Session, campaign_id: int, status: str | None, limit: int, offset: int
) -> Sequence[Delivery]:
    """A page of a campaign's deliveries, in the order they were planned."""
    query = select(Delivery).where(Delivery.campaign_id == campaign_id)
    if status:
        query = query.where(Delivery.status == status)
    return session.scalars(query.order_by(Delivery.id).limit(limit).offset(offset)).all()


def iter_deliveries(session: Session, campaign_id: int) -> Iterator[Delivery]:
    """Every delivery of a campaign, streamed (a report of 100,000 rows stays small)."""
    query = (
        select(Delivery)
        .where(Delivery.campaign_id == campaign_id)
        .order_by(Delivery.id)
        .execution_options(yield_per=2000)
    )
    yield from session.scalars(query)
