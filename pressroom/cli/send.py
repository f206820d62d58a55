"""``pressroom send``: a release to a contact list (or to test addresses), from a terminal.

The terminal's operator acts as an admin. Without ``--wait`` the campaign is queued for a
worker (``pressroom worker``, or the one inside ``pressroom serve``); with ``--wait`` this
process sends it too (alone when no worker runs), shows a progress bar, and exits 1 when some
messages failed. With ``--at`` it waits in the queue (and in the database, which the workers'
periodic sweep reads) until that time. What it prints, refusals included, is in the site's
language.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import click

from pressroom.campaign_audience import AudiencePlan, plan_audience
from pressroom.campaign_creation import (
    check_published,
    create_campaign,
    create_test_send,
    find_release,
)
from pressroom.campaign_report import progress
from pressroom.campaigns import TERMINAL, CampaignInfo, get_campaign
from pressroom.cli.context import current_site
from pressroom.config import Site
from pressroom.db import DATABASE_URL_ENV, SQLITE_FILE, Database, ensure_database
from pressroom.errors import PressroomError
from pressroom.i18n import gettext, localized_error, ngettext
from pressroom.send_time import SendTimeError, check_future, parse_send_time, send_time_text

# While other workers hold the last rows, how often to look again.
POLL_SECONDS = 1.0
STOPPED = ("paused", "cancelled")
AT_OPTION = "'--at'"


def _existing_database(site: Site) -> Database | None:
    """The database if there is one: a dry run creates nothing, not even an empty file."""
    if os.environ.get(DATABASE_URL_ENV) or (site.instance_dir / SQLITE_FILE).exists():
        return ensure_database(site)
    return None


def _describe(plan: AudiencePlan, lang: str) -> str:
    """``5 new recipients, 3 already reached, 1 suppressed`` (only the counts that are not 0)."""
    counts = [
        (len(plan.recipients), "{count} new recipient", "{count} new recipients"),
        (plan.already_reached, "{count} already reached", "{count} already reached"),
        (plan.suppressed, "{count} suppressed", "{count} suppressed"),
        (plan.duplicates, "{count} duplicate", "{count} duplicates"),
        (plan.filtered_out, "{count} without the beat", "{count} without the beat"),
    ]
    parts = [
        ngettext(lang, singular, plural, count).format(count=count)
        for index, (count, singular, plural) in enumerate(counts)
        if count or index == 0
    ]
    return ", ".join(parts)


def _send_time(
    site: Site, at: str, test_to: tuple[str, ...], dry_run: bool, wait: bool
) -> datetime:
    """The moment ``--at`` names, refused with ``--test-to``, ``--dry-run`` or ``--wait``."""
    lang = site.settings.language
    for used, option, why in (
        (test_to, "--test-to", "a test send leaves at once."),
        (dry_run, "--dry-run", "a dry run sends nothing, now or later."),
        (wait, "--wait", "a worker sends the campaign when its time comes."),
    ):
        if used:
            raise click.UsageError(
                gettext(lang, "--at cannot go with {option}: {why}").format(
                    option=option, why=gettext(lang, why)
                )
            )
    try:
        when = parse_send_time(at, site.settings.zone)
        check_future(when, datetime.now(UTC))
    except SendTimeError as exc:
        raise click.BadParameter(exc.localized(lang), param_hint=AT_OPTION) from None
    return when


@click.command()
@click.argument("slug")
@click.option("--list", "lists", multiple=True, metavar="NAME", help="A contact list (repeat).")
@click.option("--tag", "beats", multiple=True, metavar="BEAT", help="Only contacts with a beat.")
@click.option("--test-to", multiple=True, metavar="EMAIL", help="Send only to test addresses.")
@click.option("--dry-run", is_flag=True, help="Show who would receive it; write nothing.")
@click.option("--wait", is_flag=True, help="Send from this process and wait for the end.")
@click.option(
    "--at",
    metavar="TIME",
    default=None,
    help='Send at this time: "2026-12-01 09:30" in the site\'s time zone, or ISO with an offset.',
)
@click.option("--link-pdf", is_flag=True, help="Link the PDF instead of attaching it.")
def send(
    slug: str,
    lists: tuple[str, ...],
    beats: tuple[str, ...],
    test_to: tuple[str, ...],
    dry_run: bool,
    wait: bool,
    at: str | None,
    link_pdf: bool,
) -> None:
    """Email a release to journalists: `pressroom send SLUG --list NAME`."""
    site = current_site()
    lang = site.settings.language
    when = None if at is None else _send_time(site, at, test_to, dry_run, wait)
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
                raise click.UsageError(
                    gettext(
                        lang,
                        "Name a contact list (--list NAME) or test addresses (--test-to EMAIL).",
                    )
                )
            info, plan = create_campaign(
                site,
                database,
                slug,
                lists,
                beats,
                actor=TERMINAL,
                scheduled_at=when,
                link_pdf=link_pdf,
            )
            click.echo(_describe(plan, lang))
        if info is None:
            return
        from pressroom.tasks import enqueue_campaign

        enqueue_campaign(site, info.id, at=when)
        count = progress(database, info.id).total
        if when is not None:
            click.echo(
                gettext(lang, "Campaign {id} scheduled for {when}.").format(
                    id=info.id, when=send_time_text(when, site.settings.zone, lang)
                )
            )
            return
        if not wait:
            click.echo(
                ngettext(
                    lang,
                    "Campaign {id}: {count} message queued; a worker sends it "
                    "(pressroom worker, or pressroom serve).",
                    "Campaign {id}: {count} messages queued; a worker sends them "
                    "(pressroom worker, or pressroom serve).",
                    count,
                ).format(id=info.id, count=count)
            )
            return
        failed = _send_here(site, database, info.id, count)
    except SendTimeError as exc:  # the moment came while the audience was being planned
        raise click.BadParameter(exc.localized(lang), param_hint=AT_OPTION) from None
    except PressroomError as exc:
        raise click.ClickException(localized_error(exc, lang)) from None
    if failed:
        click.echo(
            ngettext(
                lang,
                "Campaign {id}: {count} message failed (see pressroom campaigns).",
                "Campaign {id}: {count} messages failed (see pressroom campaigns).",
                failed,
            ).format(id=info.id, count=failed)
        )
        raise SystemExit(1)
    click.echo(
        ngettext(
            lang,
            "Campaign {id}: the message was sent.",
            "Campaign {id}: all {count} messages sent.",
            count,
        ).format(id=info.id, count=count)
    )


def _dry_run(
    site: Site, slug: str, lists: tuple[str, ...], beats: tuple[str, ...], test_to: tuple[str, ...]
) -> None:
    lang = site.settings.language
    release = find_release(site, slug)
    if test_to:
        click.echo(
            ngettext(
                lang,
                "Would send {slug} to {count} test address: {addresses}",
                "Would send {slug} to {count} test addresses: {addresses}",
                len(test_to),
            ).format(slug=slug, count=len(test_to), addresses=", ".join(test_to))
        )
        return
    check_published(release, "normal")
    plan = plan_audience(site, _existing_database(site), release, lists, beats)
    click.echo(_describe(plan, lang))
    for planned in plan.recipients[:20]:
        click.echo(f"  {planned.address}")
    if len(plan.recipients) > 20:
        click.echo(
            "  " + gettext(lang, "... and {count} more").format(count=len(plan.recipients) - 20)
        )


def _send_here(site: Site, database: Database, campaign_id: int, count: int) -> int:
    """Run the engine in this process until the campaign is over; returns how many failed."""
    from pressroom.sending import run_campaign, send_settings

    settings = send_settings(site)
    with click.progressbar(
        length=count, label=gettext(site.settings.language, "sending"), show_pos=True
    ) as bar:
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
