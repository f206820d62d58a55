"""Campaigns (a release sent to an audience) and their deliveries (one row per recipient).

The delivery table is the record of what was sent, not the queue: a row is ``sent`` only once
the SMTP server accepted its message, and (campaign, address) is unique, so a campaign can be
resumed or re-run any number of times without mailing anyone twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pressroom.models.base import Base, utcnow

CAMPAIGN_KINDS = ("normal", "test", "new-recipients", "correction")
CAMPAIGN_STATUSES = ("scheduled", "running", "paused", "cancelled", "done")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "suppressed")


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
