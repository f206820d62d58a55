"""``pressroom campaigns``: list campaigns; pause, resume, cancel, correct one; its report."""

from __future__ import annotations

import sys

import click

from pressroom.campaigns import (
    TERMINAL,
    Action,
    change_status,
    create_correction,
    list_campaigns,
    progress,
    report_csv,
)
from pressroom.cli.context import current_site
from pressroom.db import ensure_database
from pressroom.errors import PressroomError


@click.group(invoke_without_command=True)
@click.pass_context
def campaigns(ctx: click.Context) -> None:
    """List campaigns (newest first) with their progress."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        database = ensure_database(current_site())
        found = list_campaigns(database, limit=100)
        if not found:
            click.echo("no campaign yet")
        for info in found:
            state = progress(database, info.id)
            click.echo(
                f"{info.id:>5}  {info.status:<9} {info.kind:<14} {state.sent}/{state.total} sent"
                f", {state.failed} failed  {info.created_at:%Y-%m-%d %H:%M}  {info.release_slug}"
            )
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None


def _change(campaign_id: int, action: Action) -> None:
    try:
        status = change_status(
            ensure_database(current_site()),
            campaign_id,
            action,
            actor=TERMINAL,
        )
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
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
        raise click.ClickException(str(exc)) from None
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id)
    click.echo(f"campaign {info.id}: correction of campaign {campaign_id} queued")


@campaigns.command()
@click.argument("campaign_id", type=int)
def report(campaign_id: int) -> None:
    """Write the per-recipient report as CSV to standard output."""
    try:
        for chunk in report_csv(ensure_database(current_site()), campaign_id):
            sys.stdout.buffer.write(chunk)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
