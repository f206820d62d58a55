"""Publishing a release: approval of one exact version, publish now, schedule, unpublish.

A release goes public when ``published`` is true and its date has come; visibility is decided
at each request, so a scheduled release (embargo) goes public by itself. A version written by
an editor (or by hand, outside pressroom) needs a publisher's approval before it is published
or sent; the approval names the file's content hash, so any later edit voids it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from pressroom import audit
from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.db import Database
from pressroom.editing import EditingError, Saved, file_version, release_path, write_changes
from pressroom.errors import ConflictError
from pressroom.models.revisions import Approval, approval_of
from pressroom.release import Release
from pressroom.revisions import VersionAuthor, version_author
from pressroom.store import FileVersion, ReleaseStore, relative

logger = logging.getLogger(__name__)
# Roles whose own versions need nobody else's approval.
TRUSTED_ROLES = frozenset({"publisher", "admin"})


class ApprovalError(EditingError):
    """The version of a release about to go out has no publisher's approval."""


@dataclass(frozen=True)
class ApprovalState:
    """Whether the current version of a release may go out, and why."""

    needed: bool  # the version was written by an editor, or outside pressroom
    approver: str
    approved_at: datetime | None
    author: VersionAuthor | None

    @property
    def cleared(self) -> bool:
        """True when the release may be published or sent as it is."""
        return not self.needed or bool(self.approver)


def approval_state(database: Database, site: Site, release: Release) -> ApprovalState:
    """The approval situation of a release's file as it is now."""
    path = release_path(site, release)
    author = version_author(database, site, path)
    needed = author is None or author.role not in TRUSTED_ROLES
    version = FileVersion.of(path.read_bytes())
    with database.session() as session:
        row = approval_of(session, relative(site, path), version.sha256)
        if row is None:
            return ApprovalState(needed, "", None, author)
        return ApprovalState(needed, row.approver, row.at, author)


def require_approval(database: Database, site: Site, release: Release) -> None:
    """Refuse to let a release go out (published, sent) without the approval it needs."""
    if not approval_state(database, site, release).cleared:
        raise ApprovalError(
            "This version was written by an editor: a publisher must approve it first."
        )


def _require_publisher(account: Account) -> None:
    if not account.has_role("publisher"):
        raise EditingError("Only publishers and admins can approve or publish.")


def _current(store: ReleaseStore, slug: str, version: str) -> Release:
    """The release, if its file is still the version the person saw."""
    release = store.load().get(slug)
    if file_version(store.site, release).sha256 != version:
        raise ConflictError(
            "{file} was changed by someone else since you opened it", file=release.path
        )
    return release


def approve(
    store: ReleaseStore, database: Database, slug: str, version: str, account: Account
) -> ApprovalState:
    """A publisher approves the version they saw; a later edit makes a version needing another."""
    _require_publisher(account)
    release = _current(store, slug, version)
    with database.session() as session:
        if approval_of(session, release.path, version) is None:
            session.add(
                Approval(
                    path=release.path,
                    sha256=version,
                    approver_id=account.id,
                    approver=account.email,
                )
            )
            audit.add(session, account, audit.Action.RELEASE_APPROVED, release.path)
    return approval_state(database, store.site, release)


def publish_now(
    store: ReleaseStore,
    database: Database,
    slug: str,
    version: str,
    account: Account,
    now: datetime,
) -> Saved:
    """Make a release public now (a date still to come is brought to now)."""
    _require_publisher(account)
    release = _current(store, slug, version)
    require_approval(database, store.site, release)
    changes: dict[str, object] = {"published": True}
    if release.date > now:
        changes["date"] = now.astimezone(store.site.settings.zone).replace(microsecond=0)
    saved = write_changes(
        store, database, release, changes, None, FileVersion(version), account, "publish"
    )
    _after_publish(store.site, saved.release)
    return saved


def schedule(
    store: ReleaseStore,
    database: Database,
    slug: str,
    version: str,
    at: datetime,
    account: Account,
    now: datetime,
) -> Saved:
    """Publish under embargo: public by itself at ``at`` (404 until then)."""
    _require_publisher(account)
    if at <= now:
        raise EditingError("Choose a moment in the future to schedule the release.")
    release = _current(store, slug, version)
    require_approval(database, store.site, release)
    changes = {"published": True, "date": at.astimezone(store.site.settings.zone)}
    saved = write_changes(
        store, database, release, changes, None, FileVersion(version), account, "schedule"
    )
    _after_publish(store.site, saved.release)
    return saved


def unpublish(store: ReleaseStore, database: Database, slug: str, account: Account) -> Saved:
    """Take a release back to draft: off the newsroom at the next request."""
    _require_publisher(account)
    release = store.load().get(slug)
    return write_changes(
        store, database, release, {"published": False}, None, None, account, "unpublish"
    )


def _after_publish(site: Site, release: Release) -> None:
    """Ask the task queue to pre-render the PDF at the release's moment, when there is one.

    The queue module may be absent (a site without Huey); publishing never depends on it.
    """
    try:
        from pressroom import tasks  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    schedule_tasks = getattr(tasks, "schedule_release_tasks", None)
    if schedule_tasks is None:
        return
    try:
        schedule_tasks(site, release)
    except Exception:  # the queue's storage errors share no base; the release is saved anyway
        logger.exception("%s: background tasks not scheduled", release.path)
