"""Campaigns: a release sent to an audience, a test send, new recipients only, a correction.

This module says what a campaign is (``CampaignInfo``), who acts on it (``Actor``), how it
refuses (``CampaignError``), and reads campaigns back. The services the CLI, the back office
and the tasks share are beside it, one noun each: ``campaign_audience`` (who a campaign would
reach), ``campaign_creation`` (making one; who may send), ``campaign_control`` (pause, resume,
cancel, reschedule) and ``campaign_report`` (progress and the per-recipient report). Sending
is the engine's job (``pressroom.sending``), run by a worker or by ``pressroom send --wait``.
A campaign may wait for a given time (``scheduled_at``): until then it can be cancelled or
rescheduled.

Refusals are ``CampaignError``s whose ``message`` is an English msgid: the CLI and the back
office show them in their interface language (``localized``), the core importing no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pressroom.db import Database
from pressroom.errors import NotFoundError, PressroomError
from pressroom.models.campaigns import Campaign, campaigns_page

Kind = Literal["normal", "test", "new-recipients", "correction"]


class CampaignError(PressroomError):
    """A campaign cannot be made or changed as asked (said in the reader's language through
    ``localized``; ``field`` names the form input at fault, if one is)."""


class ApprovalRequiredError(CampaignError):
    """The campaign needs a publisher's approval before it can go to real recipients."""


class CampaignNotFoundError(CampaignError, NotFoundError):
    """A campaign, release or list named by a person does not exist."""

    @classmethod
    def of_campaign(cls, campaign_id: int) -> CampaignNotFoundError:
        """The refusal for a campaign number that names no campaign."""
        return cls("Campaign {id} does not exist.", id=str(campaign_id))


@dataclass(frozen=True)
class Actor:
    """Who acts: an address for the audit log and a role (the terminal's operator is admin)."""

    email: str
    role: str  # editor | publisher | admin


TERMINAL = Actor("terminal", "admin")


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign as lists and pages show it."""

    id: int
    release_slug: str
    title: str
    kind: str
    status: str
    list_id: str
    audience: dict[str, object]
    scheduled_at: datetime
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    corrects_id: int | None

    @classmethod
    def of(cls, row: Campaign) -> CampaignInfo:
        """A frozen copy of a campaign's row, usable once its session is closed."""
        return cls(
            row.id,
            row.release_slug,
            row.title,
            row.kind,
            row.status,
            row.list_id,
            dict(row.audience),
            row.scheduled_at,
            row.created_by,
            row.created_at,
            row.started_at,
            row.finished_at,
            row.corrects_id,
        )

    def leaves_at(self, now: datetime) -> datetime | None:
        """When a campaign waiting for its time will leave; None once it has started or is
        due (a campaign sent "now" is due as soon as it is made)."""
        if self.status == "scheduled" and self.scheduled_at > now:
            return self.scheduled_at
        return None


def get_campaign(database: Database, campaign_id: int) -> CampaignInfo:
    """One campaign, or ``NotFoundError``."""
    with database.session() as session:
        row = session.get(Campaign, campaign_id)
        if row is None:
            raise CampaignNotFoundError.of_campaign(campaign_id)
        return CampaignInfo.of(row)


def list_campaigns(database: Database, limit: int = 50, offset: int = 0) -> list[CampaignInfo]:
    """Campaigns, newest first."""
    with database.session() as session:
        return [CampaignInfo.of(row) for row in campaigns_page(session, limit, offset)]
