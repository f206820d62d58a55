"""``pressroom campaigns``: list campaigns; pause, resume, cancel, reschedule, correct one;
its report. Refusals are said in the site's language."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from pressroom.campaigns import (
    TERMINAL,
    Action,
    change_status,
    create_correction,
    list_campaigns,
    progress,
    report_csv,
    reschedule,
)
from pressroom.cli.context import current_site
from pressroom.config import Site
from pressroom.db import ensure_database
from pressroom.errors import PressroomError
from pressroom.i18n import gettext, localized_error
from pressroom.send_time import SendTimeError, parse_send_time, send_time_text


def _refusal(site: Site, exc: PressroomError) -> click.ClickException:
    return click.ClickException(localized_error(exc, site.settings.language))


@click.group(invoke_without_command=True)
@click.pass_context
def campaigns(ctx: click.Context) -> None:
    """List campaigns (newest first) with their progress, and when scheduled ones leave."""
    if ctx.invoked_subcommand is not None:
        return
    site = current_site()
    zone = site.settings.zone
    try:
        database = ensure_database(site)
        found = list_campaigns(database, limit=100)
        if not found:
            click.echo("no campaign yet")
        now = datetime.now(UTC)
        for info in found:
            state = progress(database, info.id)
            leaves = info.leaves_at(now)
            # Times in the site's zone, as they were typed with --at.
            when = f"  leaves {leaves.astimezone(zone):%Y-%m-%d %H:%M}" if leaves else ""
            click.echo(
                f"{info.id:>5}  {info.status:<9} {info.kind:<14} {state.sent}/{state.total} sent"
                f", {state.failed} failed  {info.created_at.astimezone(zone):%Y-%m-%d %H:%M}"
                f"  {info.release_slug}{when}"
            )
    except PressroomError as exc:
        raise _refusal(site, exc) from None


def _change(campaign_id: int, action: Action) -> None:
    site = current_site()
    try:
        status = change_status(ensure_database(site), campaign_id, action, actor=TERMINAL)
    except PressroomError as exc:
        raise _refusal(site, exc) from None
    click.echo(f"campaign {campaign_id}: {status}")


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
        raise _refusal(site, exc) from None
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, campaign_id, at=info.scheduled_at)
    lang = site.settings.language
    click.echo(
        gettext(lang, "Campaign {id} scheduled for {when}.").format(
            id=campaign_id, when=send_time_text(when, site.settings.zone, lang)
        )
    )


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
        raise _refusal(site, exc) from None
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id)
    click.echo(f"campaign {info.id}: correction of campaign {campaign_id} queued")


@campaigns.command()
@click.argument("campaign_id", type=int)
def report(campaign_id: int) -> None:
    """Write the per-recipient report as CSV to standard output."""
    site = current_site()
    try:
        for chunk in report_csv(ensure_database(site), campaign_id):
            sys.stdout.buffer.write(chunk)
    except PressroomError as exc:
        raise _refusal(site, exc) from None
