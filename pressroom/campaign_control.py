"""Controlling a campaign once made: pause, resume, cancel, and move the time it leaves.

A worker checks a campaign's status at each batch, so a pause or a cancel takes effect at the
next one; a campaign can be rescheduled only while its time has not come.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pressroom import audit
from pressroom.campaigns import Actor, CampaignError, CampaignInfo, CampaignNotFoundError
from pressroom.db import Database
from pressroom.models.campaigns import Campaign
from pressroom.send_time import check_future

Action = Literal["pause", "resume", "cancel"]

_TRANSITIONS: dict[Action, tuple[tuple[str, ...], str]] = {
    "pause": (("scheduled", "running"), "paused"),
    "resume": (("paused",), "running"),
    "cancel": (("scheduled", "running", "paused"), "cancelled"),
}
_AUDITED: dict[Action, audit.Action] = {
    "pause": audit.Action.CAMPAIGN_PAUSE,
    "resume": audit.Action.CAMPAIGN_RESUME,
    "cancel": audit.Action.CAMPAIGN_CANCEL,
}
_REFUSED: dict[Action, str] = {
    "pause": "Campaign {id} is {status}: it cannot be paused.",
    "resume": "Campaign {id} is {status}: it cannot be resumed.",
    "cancel": "Campaign {id} is {status}: it cannot be cancelled.",
}


def change_status(database: Database, campaign_id: int, action: Action, *, actor: Actor) -> str:
    """Pause, resume or cancel; returns the new status. Workers stop at their next batch."""
    allowed, target = _TRANSITIONS[action]
    with database.session() as session:
        row = session.get(Campaign, campaign_id)
        if row is None:
            raise CampaignNotFoundError.of_campaign(campaign_id)
        if row.status not in allowed:
            raise CampaignError(
                _REFUSED[action], id=str(campaign_id), status=row.status, terms=("status",)
            )
        row.status = target
        if target == "cancelled":
            row.finished_at = datetime.now(UTC)
        audit.add(session, actor.email, _AUDITED[action], f"campaign {campaign_id}", {})
        return target


def reschedule(database: Database, campaign_id: int, at: datetime, *, actor: Actor) -> CampaignInfo:
    """Move the time a scheduled campaign leaves, while that time has not come.

    The row is read for update (PostgreSQL locks it; SQLite writes one at a time), and the
    engine starts a campaign only once its time has come, so a campaign is never moved while
    it is leaving. The caller queues it for the new time.
    """
    now = datetime.now(UTC)
    check_future(at, now)
    with database.session() as session:
        row = session.get(Campaign, campaign_id, with_for_update=True)
        if row is None:
            raise CampaignNotFoundError.of_campaign(campaign_id)
        if row.status != "scheduled" or row.scheduled_at <= now:
            raise CampaignError(
                "Campaign {id} has already left: it can no longer be rescheduled.",
                id=str(campaign_id),
            )
        row.scheduled_at = at
        audit.add(
            session,
            actor.email,
            audit.Action.CAMPAIGN_RESCHEDULE,
            f"campaign {campaign_id}",
            {"at": at.astimezone(UTC).isoformat()},
        )
        return CampaignInfo.of(row)
