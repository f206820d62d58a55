"""The audit log: who did what, to what, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pressroom.models.base import Base, utcnow


class AuditEntry(Base):
    """One action; ``actor`` keeps the address as it was, should the account go later."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    actor: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(512), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def latest_entries(session: Session, limit: int, offset: int = 0) -> Sequence[AuditEntry]:
    """A page of the log, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return session.scalars(query.limit(limit).offset(offset)).all()


def count_entries(session: Session) -> int:
    """How many actions the log holds."""
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def has_entry(session: Session, action: str, target: str) -> bool:
    """Whether the log holds this action on this target: a service that must act once (a
    bounce read again after a crash) checks it in the transaction that would record it."""
    query = select(AuditEntry.id).where(AuditEntry.action == action, AuditEntry.target == target)
    return session.scalar(query.limit(1)) is not None
