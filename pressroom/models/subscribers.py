"""Subscribers of the newsroom and the suppression list.

A subscriber signs up on the public form and confirms by a link (double opt-in); the row keeps
the proof of consent (the wording shown, when, from which address — hashed). The suppression
list keeps only SHA-256 hashes of addresses (``pressroom.contacts.address_hash``): unsubscribes,
hard bounces, complaints and erasures; a hashed address is never mailed again, whatever list
it is on, and an erased person leaves nothing else behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pressroom.models.base import Base, utcnow

SUBSCRIBER_STATUSES = ("pending", "confirmed", "unsubscribed")
SUPPRESSION_REASONS = ("unsubscribe", "hard-bounce", "complaint", "erasure", "manual")


def _in(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Subscriber(Base):
    """One address subscribed on the public form; ``email`` is normalised and lower-cased."""

    __tablename__ = "subscribers"
    __table_args__ = (CheckConstraint(f"status IN ({_in(SUBSCRIBER_STATUSES)})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    language: Mapped[str] = mapped_column(String(16), default="fr")
    # Slugs prefixed by kind: "category:presse", "tag:numerique".
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    source: Mapped[str] = mapped_column(String(64), default="form")
    # Proof of consent: the checkbox's wording as shown, when it was ticked, and a keyed hash
    # of the client's IP address (enough to match a claim, not to find the person).
    consent_text: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent_ip_hash: Mapped[str] = mapped_column(String(64), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """One address that must never be mailed again, known only by its hash."""

    __tablename__ = "suppressions"
    __table_args__ = (CheckConstraint(f"reason IN ({_in(SUPPRESSION_REASONS)})", name="reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(16))
    # Where it came from: "form", "one-click", "campaign 12", "admin ana@example.org"...
    source: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def subscriber_by_email(session: Session, email: str) -> Subscriber | None:
    """The subscriber with this (already normalised, lower-cased) address, if any."""
    return session.scalars(select(Subscriber).where(Subscriber.email == email)).one_or_none()


def subscribers_page(
    session: Session, status: str | None, search: str, limit: int, offset: int
) -> tuple[Sequence[Subscriber], int]:
    """A page of subscribers (newest first) and how many match in all."""
    query = select(Subscriber)
    if status:
        query = query.where(Subscriber.status == status)
    if search:
        query = query.where(Subscriber.email.contains(search.lower(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
    return session.scalars(ordered.limit(limit).offset(offset)).all(), int(total)


def confirmed_subscribers(session: Session) -> list[tuple[str, str, list[str]]]:
    """(email, language, topics) of every confirmed subscriber, by address: what an audience
    needs, read as plain rows (loading 20,000 full ORM objects took half a second)."""
    query = (
        select(Subscriber.email, Subscriber.language, Subscriber.topics)
        .where(Subscriber.status == "confirmed")
        .order_by(Subscriber.email)
    )
    return [(row.email, row.language, row.topics or []) for row in session.execute(query)]


def suppression_by_hash(session: Session, address_hash: str) -> Suppression | None:
    """The suppression entry for this hash, if any."""
    query = select(Suppression).where(Suppression.address_hash == address_hash)
    return session.scalars(query).one_or_none()


def all_suppression_hashes(session: Session) -> frozenset[str]:
    """Every suppressed hash (one column read; 10,000 rows in a few milliseconds)."""
    return frozenset(session.scalars(select(Suppression.address_hash)))


def suppressions_page(
    session: Session, reason: str | None, limit: int, offset: int
) -> tuple[Sequence[Suppression], int]:
    """A page of the suppression list (newest first) and how many entries match in all."""
    query = select(Suppression)
    if reason:
        query = query.where(Suppression.reason == reason)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Suppression.created_at.desc(), Suppression.id.desc())
    return session.scalars(ordered.limit(limit).offset(offset)).all(), int(total)
