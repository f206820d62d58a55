"""``pressroom send``: a release to a contact list (or to test addresses), from a terminal.

The terminal's operator acts as an admin. Without ``--wait`` the campaign is queued for a
worker (``pressroom worker``, or the one inside ``pressroom serve``); with ``--wait`` this
process sends it too (alone when no worker runs), shows a progress bar, and exits 1 when some
messages failed.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import click

from pressroom.campaigns import (
    TERMINAL,
    AudiencePlan,
    CampaignInfo,
    create_campaign,
    create_test_send,
    find_release,
    get_campaign,
    plan_audience,
    progress,
)
from pressroom.cli.context import current_site
from pressroom.config import Site
from pressroom.db import DATABASE_URL_ENV, SQLITE_FILE, Database, ensure_database
from pressroom.errors import PressroomError

# While other workers hold the last rows, how often to look again.
POLL_SECONDS = 1.0
STOPPED = ("paused", "cancelled")


def _existing_database(site: Site) -> Database | None:
    """The database if there is one: a dry run creates nothing, not even an empty file."""
    if os.environ.get(DATABASE_URL_ENV) or (site.instance_dir / SQLITE_FILE).exists():
        return ensure_database(site)
    return None


def _describe(plan: AudiencePlan) -> str:
    parts = [f"{len(plan.recipients)} new recipients"]
    if plan.already_reached:
        parts.append(f"{plan.already_reached} already reached")
    if plan.suppressed:
        parts.append(f"{plan.suppressed} suppressed")
    if plan.duplicates:
        parts.append(f"{plan.duplicates} duplicates")
    if plan.filtered_out:
        parts.append(f"{plan.filtered_out} without the beat")
    return ", ".join(parts)


@click.command()
@click.argument("slug")
@click.option("--list", "lists", multiple=True, metavar="NAME", help="A contact list (repeat).")
@click.option("--tag", "beats", multiple=True, metavar="BEAT", help="Only contacts with a beat.")
@click.option("--test-to", multiple=True, metavar="EMAIL", help="Send only to test addresses.")
@click.option("--dry-run", is_flag=True, help="Show who would receive it; write nothing.")
@click.option("--wait", is_flag=True, help="Send from this process and wait for the end.")
@click.option("--link-pdf", is_flag=True, help="Link the PDF instead of attaching it.")
def send(
    slug: str,
    lists: tuple[str, ...],
    beats: tuple[str, ...],
    test_to: tuple[str, ...],
    dry_run: bool,
    wait: bool,
    link_pdf: bool,
) -> None:
    """Email a release to journalists: `pressroom send SLUG --list NAME`."""
    site = current_site()
    try:
        if dry_run:
            _dry_run(site, slug, lists, beats, test_to)
            return
        database = ensure_database(site)
        if test_to:
            info: CampaignInfo | None = create_test_send(
                site, database, slug, test_to, actor=TERMINAL
            )
        else:
            if not lists:
                raise click.UsageError("name a contact list (--list NAME) or --test-to EMAIL")
            info, plan = create_campaign(
                site, database, slug, lists, beats, actor=TERMINAL, link_pdf=link_pdf
            )
            click.echo(_describe(plan))
        if info is None:
            return
        from pressroom.tasks import enqueue_campaign

        enqueue_campaign(site, info.id)
        count = progress(database, info.id).total
        if not wait:
            click.echo(
                f"campaign {info.id}: {count} messages queued; a worker sends them "
                "(pressroom worker, or pressroom serve)"
            )
            return
        failed = _send_here(site, database, info.id, count)
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
    if failed:
        click.echo(f"campaign {info.id}: {failed} messages failed (see pressroom campaigns)")
        raise SystemExit(1)
    click.echo(f"campaign {info.id}: all {count} messages sent")


def _dry_run(
    site: Site, slug: str, lists: tuple[str, ...], beats: tuple[str, ...], test_to: tuple[str, ...]
) -> None:
    release = find_release(site, slug)
    if test_to:
        click.echo(f"would send {slug!r} to {len(test_to)} test addresses: {', '.join(test_to)}")
        return
    if not release.published:
        raise click.ClickException(f"{slug}: this release is a draft; use --test-to")
    plan = plan_audience(site, _existing_database(site), release, lists, beats)
    click.echo(_describe(plan))
    for planned in plan.recipients[:20]:
        click.echo(f"  {planned.address}")
    if len(plan.recipients) > 20:
        click.echo(f"  ... and {len(plan.recipients) - 20} more")


def _send_here(site: Site, database: Database, campaign_id: int, count: int) -> int:
    """Run the engine in this process until the campaign is over; returns how many failed."""
    from pressroom.sending import run_campaign, send_settings

    settings = send_settings(site)
    with click.progressbar(length=count, label="sending", show_pos=True) as bar:
        shown = 0

        def update() -> None:
            nonlocal shown
            finished = progress(database, campaign_id).finished
            bar.update(finished - shown)
            shown = finished

        while True:
            outcome = run_campaign(site, campaign_id, settings, database=database, on_batch=update)
            update()
            if outcome.done or get_campaign(database, campaign_id).status in STOPPED:
                break
            now = datetime.now(UTC)
            if outcome.next_attempt is not None:
                time.sleep(max(0.0, (outcome.next_attempt - now).total_seconds()) + 0.01)
            else:
                time.sleep(POLL_SECONDS)  # other workers hold the last rows
    return progress(database, campaign_id).failed
