"""The campaign engine (being written): claims due deliveries and sends them in batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pressroom.config import Site


@dataclass(frozen=True)
class RunOutcome:
    """What one run of the engine did, and when the campaign next has work due."""

    sent: int = 0
    failed: int = 0
    next_attempt: datetime | None = None


def run_campaign(site: Site, campaign_id: int) -> RunOutcome:
    """Send a campaign's due deliveries."""
    raise NotImplementedError


def due_campaigns(site: Site) -> list[int]:
    """Campaigns with work due now."""
    return []
