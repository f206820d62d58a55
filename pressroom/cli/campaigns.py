"""``pressroom campaigns``: list campaigns; pause, resume, cancel, reschedule, correct one;
its report. Everything is said in the site's language (statuses and kinds too); the times
keep the form ``--at`` takes."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import get_args

import click

from pressroom.campaign_control import Action, change_status, reschedule
from pressroom.campaign_creation import create_correction
from pressroom.campaign_report import progress, report_csv
from pressroom.campaigns import TERMINAL, CampaignInfo, Kind, list_campaigns
from pressroom.cli.context import current_site, refusal, say
from pressroom.config import Site
from pressroom.db import Database, ensure_database
from pressroom.errors import PressroomError
from pressroom.models.campaigns import CAMPAIGN_STATUSES
from pressroom.send_time import SendTimeError, parse_send_time, send_time_text


@click.group(invoke_without_command=True)
@click.pass_context
def campaigns(ctx: click.Context) -> None:
    """List campaigns (newest first) with their progress, and when scheduled ones leave."""
    if ctx.invoked_subcommand is not None:
        return
    site = current_site()
    try:
        database = ensure_database(site)
        found = list_campaigns(database, limit=100)
        if not found:
            click.echo(say(site, "no campaign yet"))
        # Columns as wide as the longest status and kind in the site's language.
        status_width = max(len(say(site, status)) for status in CAMPAIGN_STATUSES)
        kind_width = max(len(say(site, kind)) for kind in get_args(Kind))
        now = datetime.now(UTC)
        for info in found:
            row = _row(site, database, info, now)
            status, kind = say(site, info.status), say(site, info.kind)
            click.echo(f"{info.id:>5}  {status:<{status_width}} {kind:<{kind_width}} {row}")
    except PressroomError as exc:
        raise refusal(site, exc) from None


def _row(site: Site, database: Database, info: CampaignInfo, now: datetime) -> str:
    """A campaign's progress, when it was made and when it leaves, for its listing line.

    Times are in the site's zone, written as they are typed with ``--at``.
    """
    zone = site.settings.zone
    state = progress(database, info.id)
    counts = say(
        site,
        "{sent}/{total} sent, {failed} failed",
        sent=str(state.sent),
        total=str(state.total),
        failed=str(state.failed),
    )
    leaves = info.leaves_at(now)
    when = ""
    if leaves is not None:
        when = "  " + say(site, "leaves {time}", time=f"{leaves.astimezone(zone):%Y-%m-%d %H:%M}")
    return f"{counts}  {info.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {info.release_slug}{when}"


def _change(campaign_id: int, action: Action) -> None:
    site = current_site()
    try:
        status = change_status(ensure_database(site), campaign_id, action, actor=TERMINAL)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    click.echo(say(site, "campaign {id}: {status}", id=str(campaign_id), status=say(site, status)))


@campaigns.command()
@click.argument("campaign_id", type=int)
def pause(campaign_id: int) -> None:
    """Pause a campaign (workers stop after their current batch)."""
    _change(campaign_id, "pause")


@campaigns.command()
@click.argument("campaign_id", type=int)
def resume(campaign_id: int) -> None:
    """Resume a paused campaign."""
    _change(campaign_id, "resume")
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(current_site(), campaign_id)


@campaigns.command()
@click.argument("campaign_id", type=int)
def cancel(campaign_id: int) -> None:
    """Cancel a campaign: what was not sent is not sent."""
    _change(campaign_id, "cancel")


@campaigns.command(name="reschedule")
@click.argument("campaign_id", type=int)
@click.option(
    "--at", "at", required=True, metavar="TIME", help="The new time (as pressroom send --at)."
)
def reschedule_command(campaign_id: int, at: str) -> None:
    """Move the time a scheduled campaign leaves, before it has left."""
    site = current_site()
    try:
        when = parse_send_time(at, site.settings.zone)
        info = reschedule(ensure_database(site), campaign_id, when, actor=TERMINAL)
    except SendTimeError as exc:
        raise click.BadParameter(
            exc.localized(site.settings.language), param_hint="'--at'"
        ) from None
    except PressroomError as exc:
        raise refusal(site, exc) from None
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, campaign_id, at=info.scheduled_at)
    shown = send_time_text(when, site.settings.zone, site.settings.language)
    click.echo(say(site, "Campaign {id} scheduled for {when}.", id=str(campaign_id), when=shown))


@campaigns.command()
@click.argument("campaign_id", type=int)
@click.option("--release", "slug", default=None, help="The corrected release (default: same).")
def correct(campaign_id: int, slug: str | None) -> None:
    """Send a correction to exactly those the campaign reached."""
    site = current_site()
    try:
        info = create_correction(
            site, ensure_database(site), campaign_id, actor=TERMINAL, slug=slug
        )
    except PressroomError as exc:
        raise refusal(site, exc) from None
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id)
    click.echo(
        say(
            site,
            "campaign {id}: correction of campaign {original} queued",
            id=str(info.id),
            original=str(campaign_id),
        )
    )


@campaigns.command()
@click.argument("campaign_id", type=int)
def report(campaign_id: int) -> None:
    """Write the per-recipient report as CSV to standard output."""
    site = current_site()
    try:
        for chunk in report_csv(ensure_database(site), campaign_id):
            sys.stdout.buffer.write(chunk)
    except PressroomError as exc:
        raise refusal(site, exc) from None
