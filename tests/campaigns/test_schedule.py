"""Campaigns scheduled for a given time: nothing leaves before it, everything once after it.

What runs due campaigns is a Huey consumer on the site's queue (``pressroom worker``, or the
one inside ``pressroom serve``): ``consumer_tick`` does what its scheduler and workers do at one
moment, through Huey's own calls, so that time-machine can move the clock of the whole thing.
The messages go to a real SMTP server (aiosmtpd) on loopback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner

from pressroom.campaign_control import reschedule
from pressroom.campaign_creation import create_campaign
from pressroom.campaigns import TERMINAL, CampaignError, get_campaign
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import Database
from pressroom.send_time import SendTimeError
from pressroom.tasks import REDIS_URL_ENV, forget_queues, queue_for

from .conftest import SEED_SLUG, SmtpServer, copies_per_address

PARIS = ZoneInfo("Europe/Paris")
# The day before; the campaign leaves on 1 December 2026 at 09:30, Paris time (08:30 UTC).
BEFORE = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
AT = datetime(2026, 12, 1, 9, 30, tzinfo=PARIS)
EVERYONE_ONCE = {f"j{n}@example.com": 1 for n in range(5)}


@pytest.fixture
def queue_env(monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> Iterator[None]:
    """Tasks send to the aiosmtpd server and queue on the site's SQLite Huey."""
    monkeypatch.setenv("PRESSROOM_MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("PRESSROOM_MAIL_PORT", str(smtp_server.port))
    monkeypatch.setenv("PRESSROOM_SEND_RETRY_DELAY", "0")
    monkeypatch.delenv(REDIS_URL_ENV, raising=False)
    forget_queues()
    yield
    forget_queues()


def consumer_tick(site: Site) -> None:
    """One moment of a consumer: its scheduler moves the scheduled tasks now due and the
    periodic ones (the minute's sweep) to the queue; its workers run all that is queued."""
    huey = queue_for(site).huey
    now = datetime.now(UTC).replace(tzinfo=None)  # Huey's clock: naive UTC
    for task in huey.read_schedule(now):
        huey.enqueue(task)
    for task in huey.read_periodic(now):
        huey.enqueue(task)
    while (task := huey.dequeue()) is not None:
        huey.execute(task, now)


def send_at(runner: CliRunner, site: Site, when: str) -> int:
    """``pressroom send SEED --list presse --at WHEN``; the campaign's id."""
    result = runner.invoke(
        cli,
        ["--site", str(site.root), "send", SEED_SLUG, "--list", "presse", "--at", when],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"Campagne n° (\d+) programmée", result.output)
    assert found, result.output
    return int(found.group(1))


def campaigns(runner: CliRunner, site: Site, *args: str) -> str:
    result = runner.invoke(cli, ["--site", str(site.root), "campaigns", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.usefixtures("queue_env")
def test_a_campaign_sent_with_at_leaves_at_its_time_and_only_once(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(BEFORE, tick=False) as traveller:
        send_at(runner, campaign_site, "2026-12-01 09:30")
        consumer_tick(campaign_site)
        traveller.move_to(AT - timedelta(seconds=30))
        consumer_tick(campaign_site)
        assert smtp_server.received == []
        traveller.move_to(AT + timedelta(seconds=1))
        consumer_tick(campaign_site)
        assert copies_per_address(smtp_server.received) == EVERYONE_ONCE
        traveller.move_to(AT + timedelta(minutes=5))
        consumer_tick(campaign_site)
    assert copies_per_address(smtp_server.received) == EVERYONE_ONCE


@pytest.mark.usefixtures("queue_env")
def test_the_periodic_sweep_sends_a_scheduled_campaign_whose_task_was_lost(
    campaign_site: Site, campaign_db: Database, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(BEFORE, tick=False) as traveller:
        # Made by the service alone: nothing was queued, as if the queue had been lost.
        create_campaign(
            campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL, scheduled_at=AT
        )
        consumer_tick(campaign_site)
        assert smtp_server.received == []
        traveller.move_to(AT + timedelta(minutes=1))
        consumer_tick(campaign_site)
    assert copies_per_address(smtp_server.received) == EVERYONE_ONCE


@pytest.mark.usefixtures("queue_env")
def test_a_scheduled_campaign_cancelled_before_its_time_never_leaves(
    runner: CliRunner, campaign_site: Site, campaign_db: Database, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(BEFORE, tick=False) as traveller:
        campaign_id = send_at(runner, campaign_site, "2026-12-01 09:30")
        campaigns(runner, campaign_site, "cancel", str(campaign_id))
        traveller.move_to(AT + timedelta(minutes=1))
        consumer_tick(campaign_site)
    assert smtp_server.received == []
    assert get_campaign(campaign_db, campaign_id).status == "cancelled"


@pytest.mark.usefixtures("queue_env")
def test_a_rescheduled_campaign_leaves_at_its_new_time(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(BEFORE, tick=False) as traveller:
        campaign_id = send_at(runner, campaign_site, "2026-12-01 09:30")
        later = "2026-12-01 11:00"
        campaigns(runner, campaign_site, "reschedule", str(campaign_id), "--at", later)
        traveller.move_to(AT + timedelta(minutes=1))
        consumer_tick(campaign_site)  # the task queued for 09:30 finds nothing due yet
        assert smtp_server.received == []
        traveller.move_to(datetime(2026, 12, 1, 11, 0, 1, tzinfo=PARIS))
        consumer_tick(campaign_site)
        traveller.move_to(datetime(2026, 12, 1, 11, 5, tzinfo=PARIS))
        consumer_tick(campaign_site)
    assert copies_per_address(smtp_server.received) == EVERYONE_ONCE


def test_a_campaign_cannot_be_scheduled_in_the_past(
    campaign_site: Site, campaign_db: Database
) -> None:
    with time_machine.travel(BEFORE, tick=False), pytest.raises(SendTimeError, match="passed"):
        create_campaign(
            campaign_site,
            campaign_db,
            SEED_SLUG,
            ["presse"],
            actor=TERMINAL,
            scheduled_at=BEFORE - timedelta(minutes=1),
        )


def test_a_campaign_that_has_left_cannot_be_rescheduled(
    campaign_site: Site, campaign_db: Database
) -> None:
    with time_machine.travel(BEFORE, tick=False) as traveller:
        info, _ = create_campaign(
            campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL, scheduled_at=AT
        )
        assert info is not None
        traveller.move_to(AT + timedelta(seconds=1))
        with pytest.raises(CampaignError, match="already left"):
            reschedule(campaign_db, info.id, AT + timedelta(hours=1), actor=TERMINAL)
    assert get_campaign(campaign_db, info.id).scheduled_at == AT
