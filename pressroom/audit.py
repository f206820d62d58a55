"""The audit log: who did what, to what, and when, kept in the database for admins to read.

Services record their own actions (``add`` inside their transaction, so an action and its
record stand or fall together); entry points with nothing else to write call ``record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pressroom.db import Database, Session
from pressroom.models.audit import AuditEntry, count_entries, latest_entries
from pressroom.paging import page_count

# Who acted when no account did: the operator of the terminal (``pressroom user add``...).
TERMINAL = "terminal"


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
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add a record to the session's transaction; ``actor`` is an account, a label or nobody."""
    if actor is None or isinstance(actor, str):
        actor_id, label = None, actor or ""
    else:
        actor_id, label = actor.id, actor.email
    session.add(
        AuditEntry(
            actor_id=actor_id,
            actor=label[:320],
            action=action[:64],
            target=target[:512],
            details=dict(details or {}),
        )
    )


def record(
    database: Database,
    actor: Actor | str | None,
    action: str,
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
