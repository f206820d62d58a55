"""``pressroom bounces process``: read bounce reports into the delivery table and suppressions."""

from __future__ import annotations

from pathlib import Path

import click

from pressroom.bounces import (
    BounceReport,
    imap_settings,
    process_imap,
    process_maildir,
    process_mbox,
)
from pressroom.cli.context import current_site
from pressroom.db import ensure_database
from pressroom.errors import PressroomError


@click.group()
def bounces() -> None:
    """Asynchronous bounces (delivery status notifications)."""


@bounces.command()
@click.option("--maildir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--mbox", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--imap", is_flag=True, help="The folder PRESSROOM_BOUNCE_IMAP_* names.")
def process(maildir: Path | None, mbox: Path | None, imap: bool) -> None:
    """Read a Maildir, an mbox or an IMAP folder: hard bounces fail their delivery and are
    suppressed."""
    if sum((maildir is not None, mbox is not None, imap)) != 1:
        raise click.UsageError("give one of --maildir DIR, --mbox FILE or --imap")
    try:
        database = ensure_database(current_site())
        report: BounceReport
        if maildir is not None:
            report = process_maildir(database, maildir)
        elif mbox is not None:
            report = process_mbox(database, mbox)
        else:
            report = process_imap(database, imap_settings())
    except PressroomError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{report.messages} messages: {report.permanent} permanent failures "
        f"({report.deliveries} matched to a delivery), {report.delayed} delays, "
        f"{report.not_bounces} not bounces"
    )
