"""The audit log: who did what, to what, and when, kept in the database for admins to read.

Services record their own actions (``add`` inside their transaction, so an action and its
record stand or fall together); entry points with nothing else to write call ``record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pressroom.db import Database, Session
from pressroom.models.audit import AuditEntry, count_entries, latest_entries
from pressroom.paging import page_count

# Who acted when no account did: the operator of the terminal (``pressroom user add``...).
TERMINAL = "terminal"


class Action(StrEnum):
    """Every action the log records, in one place: services and views record these, and the
    admin page has a label for each (a test holds it to that). The values are stored: a
    value never changes; a retired action keeps its row, shown by its raw value."""

    ACCOUNT_ADDED = "account.added"
    ACCOUNT_INVITED = "account.invited"
    ACCOUNT_LOGIN = "account.login"
    ACCOUNT_LOGIN_FAILED = "account.login_failed"
    ACCOUNT_LOGOUT = "account.logout"
    ACCOUNT_PASSWORD_CHANGED = "account.password_changed"
    ACCOUNT_PASSWORD_RESET_REQUESTED = "account.password_reset_requested"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"
    ACCOUNT_ROLE_CHANGED = "account.role_changed"
    ACCOUNT_DEACTIVATED = "account.deactivated"
    ACCOUNT_REACTIVATED = "account.reactivated"
    RELEASE_CREATED = "release.created"
    RELEASE_SAVED = "release.saved"
    RELEASE_DUPLICATED = "release.duplicated"
    RELEASE_APPROVED = "release.approved"
    RELEASE_PUBLISHED = "release.published"
    RELEASE_SCHEDULED = "release.scheduled"
    RELEASE_UNPUBLISHED = "release.unpublished"
    RELEASE_DELETED = "release.deleted"
    RELEASE_UNDELETED = "release.undeleted"
    RELEASE_REVISION_RESTORED = "release.revision_restored"
    CONTACTS_LIST_CREATED = "contacts.list_created"
    CONTACTS_CONTACT_ADDED = "contacts.contact_added"
    CONTACTS_CONTACT_UPDATED = "contacts.contact_updated"
    CONTACTS_CONTACT_REMOVED = "contacts.contact_removed"
    CONTACTS_CONTACT_MOVED = "contacts.contact_moved"  # moved or copied: details say where to
    CONTACTS_LIST_EXPORTED = "contacts.list_exported"
    CONTACTS_IMPORTED = "contacts.imported"
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_PAUSE = "campaign.pause"
    CAMPAIGN_RESUME = "campaign.resume"
    CAMPAIGN_CANCEL = "campaign.cancel"
    CAMPAIGN_RESCHEDULE = "campaign.reschedule"
    SUBSCRIBER_REQUESTED = "subscriber.requested"
    SUBSCRIBER_CONFIRMED = "subscriber.confirmed"
    SUBSCRIBER_UNSUBSCRIBED = "subscriber.unsubscribed"
    SUPPRESSION_ADD = "suppression.add"
    BOUNCE_RECORDED = "bounce.recorded"
    DATA_LINK_SENT = "data.link_sent"
    DATA_ERASED = "data.erased"


class Actor(Protocol):
    """What the log needs to know of an account."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    """One line of the log, as the admin page shows it."""

    at: datetime
    actor: str
    action: str
    target: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class LogPage:
    """A page of the log, newest first, and how many entries there are in all."""

    entries: tuple[Entry, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def add(
    session: Session,
    actor: Actor | str | None,
    action: Action,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add a record to the session's transaction; ``actor`` is an account, a label or nobody.

    An action outside ``Action`` is a bug (the admin page would have no label for it): it
    raises ``ValueError`` here, in the tests that reach it, rather than showing up raw later.
    """
    known = Action(action)
    if actor is None or isinstance(actor, str):
        actor_id, label = None, actor or ""
    else:
        actor_id, label = actor.id, actor.email
    session.add(
        AuditEntry(
            actor_id=actor_id,
            actor=label[:320],
            action=known.value,
            target=target[:512],
            details=dict(details or {}),
        )
    )


def record(
    database: Database,
    actor: Actor | str | None,
    action: Action,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record one action in its own transaction."""
    with database.session() as session:
        add(session, actor, action, target, details)


def log_page(database: Database, page: int = 1, per_page: int = 50) -> LogPage:
    """One page of the log for the admin page (pages count from 1)."""
    page = max(1, page)
    with database.session() as session:
        rows = latest_entries(session, per_page, (page - 1) * per_page)
        entries = tuple(
            Entry(row.at, row.actor, row.action, row.target, dict(row.details or {}))
            for row in rows
        )
        total = count_entries(session)
    return LogPage(entries, total, page, per_page)
