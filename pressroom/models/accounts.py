"""People who use the back office: their address, password hash, role and state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CheckConstraint, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pressroom.models.base import Base, utcnow

ROLES = ("editor", "publisher", "admin")


class User(Base):
    """One account; its email is stored normalised and lower-cased, unique."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('editor', 'publisher', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this (already normalised) address, if any."""
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def all_users(session: Session) -> Sequence[User]:
    """Every account, by address."""
    return session.scalars(select(User).order_by(User.email)).all()


def count_active_admins(session: Session) -> int:
    """How many accounts can still manage accounts."""
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active)
    return int(session.scalar(query) or 0)
