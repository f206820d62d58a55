"""Release revisions, approvals of a version, and autosaved pending drafts (after 0003, one line
of history rather than a branch to merge).

Revision ID: 0004_revisions
Revises: 0003_campaigns
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_revisions"
down_revision: str | Sequence[str] | None = "0003_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "release_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("git_commit", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_release_revisions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_revisions")),
    )
    with op.batch_alter_table("release_revisions", schema=None) as batch_op:
        batch_op.create_index("ix_release_revisions_path_at", ["path", "at"], unique=False)
    op.create_table(
        "release_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("approver", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_id"],
            ["users.id"],
            name=op.f("fk_release_approvals_approver_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_approvals")),
        sa.UniqueConstraint("path", "sha256", name="uq_release_approvals_path_sha256"),
    )
    op.create_table(
        "release_pending_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("base_sha256", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["users.id"],
            name=op.f("fk_release_pending_drafts_account_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_pending_drafts")),
        sa.UniqueConstraint("path", "account_id", name="uq_release_pending_drafts_path_account_id"),
    )


def downgrade() -> None:
    op.drop_table("release_pending_drafts")
    op.drop_table("release_approvals")
    with op.batch_alter_table("release_revisions", schema=None) as batch_op:
        batch_op.drop_index("ix_release_revisions_path_at")
    op.drop_table("release_revisions")
