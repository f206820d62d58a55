"""The editing history of releases: saved versions, approvals, and autosaved pending drafts.

Release files stay the record of what a release says; these tables record who wrote each
version (always), the text of each version when ``releases/`` is not in git, a publisher's
approval of one exact version, and autosaves that must not touch a public file yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from pressroom.models.base import Base, utcnow


class Revision(Base):
    """One version of a release file as written by pressroom (a save, a restore, a publish).

    ``content`` holds the file's text when ``releases/`` is not a git repository; with git,
    ``git_commit`` names the commit that holds it instead.
    """

    __tablename__ = "release_revisions"
    __table_args__ = (Index("ix_release_revisions_path_at", "path", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    author: Mapped[str] = mapped_column(String(320), default="")
    author_role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(32), default="save")
    content: Mapped[str | None] = mapped_column(Text, default=None)
    git_commit: Mapped[str | None] = mapped_column(String(64), default=None)


class Approval(Base):
    """A publisher's approval of one version (file path and content hash) of a release."""

    __tablename__ = "release_approvals"
    __table_args__ = (UniqueConstraint("path", "sha256", name="uq_release_approvals_path_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    approver: Mapped[str] = mapped_column(String(320), default="")


class PendingDraft(Base):
    """Autosaved form fields of a published or scheduled release, one per person and file,
    kept here until the person saves them (the public file must not change before)."""

    __tablename__ = "release_pending_drafts"
    __table_args__ = (
        UniqueConstraint("path", "account_id", name="uq_release_pending_drafts_path_account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(512))
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    base_sha256: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


def revisions_of(session: Session, path: str) -> Sequence[Revision]:
    """Every recorded version of one file, newest first."""
    query = select(Revision).where(Revision.path == path)
    return session.scalars(query.order_by(Revision.at.desc(), Revision.id.desc())).all()


def revision_of_version(session: Session, path: str, sha256: str) -> Revision | None:
    """The latest record of this exact version of a file, if pressroom wrote it."""
    query = select(Revision).where(Revision.path == path, Revision.sha256 == sha256)
    return session.scalars(query.order_by(Revision.id.desc()).limit(1)).first()


def latest_authors(session: Session, paths: Sequence[str]) -> dict[str, str]:
    """Who last wrote each of these files through pressroom (paths without a record left out)."""
    if not paths:
        return {}
    query = (
        select(Revision.path, Revision.author)
        .where(Revision.path.in_(list(paths)))
        .order_by(Revision.id)
    )
    return {path: author for path, author in session.execute(query)}


def approval_of(session: Session, path: str, sha256: str) -> Approval | None:
    """The approval of this exact version, if a publisher gave it."""
    query = select(Approval).where(Approval.path == path, Approval.sha256 == sha256)
    return session.scalars(query).one_or_none()


def pending_draft(session: Session, path: str, account_id: int) -> PendingDraft | None:
    """One person's autosaved fields for one file, if any."""
    query = select(PendingDraft).where(
        PendingDraft.path == path, PendingDraft.account_id == account_id
    )
    return session.scalars(query).one_or_none()


def drop_pending_drafts(session: Session, path: str, account_id: int | None = None) -> None:
    """Forget autosaved fields of a file (one person's, or everybody's)."""
    query = delete(PendingDraft).where(PendingDraft.path == path)
    if account_id is not None:
        query = query.where(PendingDraft.account_id == account_id)
    session.execute(query)
