"""``pressroom bounces process``: read bounce reports into the delivery table and suppressions."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pressroom.bounce_imap import PROCESSED_FOLDER, ImapFolder, imap_folder, process_imap
from pressroom.bounces import BounceReport, process_maildir, process_mbox
from pressroom.cli.context import current_site, refusal, say
from pressroom.config import Site
from pressroom.db import Database, ensure_database
from pressroom.errors import PressroomError

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

PASSWORD_ENV = "PRESSROOM_BOUNCES_PASSWORD"


@click.group()
def bounces() -> None:
    """Asynchronous bounces (delivery status notifications)."""


@bounces.command()
@click.option(
    "--maildir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A Maildir: its unread messages, each marked read.",
)
@click.option(
    "--mbox",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An mbox file, left as it is.",
)
@click.option(
    "--imap",
    metavar="URL",
    default=None,
    help="An IMAP folder: imaps://USER@HOST[:993]/FOLDER (TLS) or imap://USER@HOST[:143]/FOLDER "
    "(STARTTLS required); FOLDER defaults to INBOX, an @ in USER is written %40. The password "
    f"comes from {PASSWORD_ENV}, else is asked for (or read from standard input).",
)
@click.option(
    "--processed-folder",
    default=PROCESSED_FOLDER,
    show_default=True,
    metavar="FOLDER",
    help="With --imap: where bounces go once recorded (created if missing).",
)
@click.option(
    "--no-tls",
    is_flag=True,
    help="With imap://: no TLS at all, for a server on this machine only (localhost).",
)
def process(
    maildir: Path | None,
    mbox: Path | None,
    imap: str | None,
    processed_folder: str,
    no_tls: bool,
) -> None:
    """Read a Maildir, an mbox or an IMAP folder: hard bounces fail their delivery and are
    suppressed; a bounce is never counted twice.

    Over IMAP each bounce is moved to --processed-folder once recorded; other mail stays in
    the folder, unread, tagged $PressroomNotBounce so that later passes skip it. A server whose
    certificate comes from a private authority: set SSL_CERT_FILE to that authority's
    certificate. Exit 1 when the source cannot be read."""
    site = current_site()
    if sum((maildir is not None, mbox is not None, imap is not None)) != 1:
        raise click.UsageError(say(site, "give one of --maildir DIR, --mbox FILE or --imap URL"))
    if no_tls and imap is None:
        raise click.UsageError(say(site, "--no-tls goes with --imap imap://USER@localhost/FOLDER"))
    try:
        if imap is not None:
            where = imap_folder(imap, plain=no_tls)
            password = _password(site, where)
            _process_imap(site, ensure_database(site), where, password, processed_folder)
            return
        database = ensure_database(site)
        report: BounceReport
        if maildir is not None:
            report = process_maildir(database, maildir)
        else:
            assert mbox is not None
            report = process_mbox(database, mbox)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    click.echo(report.summary(site.settings.language))


def _password(site: Site, where: ImapFolder) -> str:
    """From the environment, else asked on the terminal or read from standard input (one
    line); never an option, since every user of the machine can read a command line."""
    found = os.environ.get(PASSWORD_ENV)
    if found is not None:
        return found
    who = {"user": where.username, "server": where.server}
    if not sys.stdin.isatty():
        piped = sys.stdin.readline().rstrip("\r\n")
        if piped:
            return piped
        raise click.ClickException(
            say(
                site,
                "no password for {user} on {server}: set {variable} or give it on standard input",
                variable=PASSWORD_ENV,
                **who,
            )
        )
    try:
        answer: str = click.prompt(
            say(site, "Password of {user} on {server}", **who), hide_input=True, err=True
        )
    except click.Abort:
        raise click.ClickException(say(site, "no password for {user} on {server}", **who)) from None
    return answer


class _Progress:
    """A progress bar on standard error, opened once the number of messages is known."""

    def __init__(self, site: Site, stack: ExitStack, where: ImapFolder) -> None:
        self.site = site
        self.stack = stack
        self.where = where
        self.bar: ProgressBar[int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            folder, count = str(self.where), str(total)
            click.echo(
                say(self.site, "{folder}: {count} messages to read", folder=folder, count=count),
                err=True,
            )
            if not total:
                return
            label = say(self.site, "reading")
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar = self.stack.enter_context(bar)
        self.bar.update(done - self.bar.pos)


def _process_imap(
    site: Site, database: Database, where: ImapFolder, password: str, processed: str
) -> None:
    with ExitStack() as stack:
        progress = _Progress(site, stack, where)
        report = process_imap(database, where, password, processed=processed, progress=progress)
    click.echo(report.summary(site.settings.language))
    click.echo(
        say(
            site,
            "{moved} moved to {processed}, {left} left in {folder} (not bounces)",
            moved=str(report.moved),
            processed=repr(processed),
            left=str(report.left),
            folder=repr(where.folder),
        )
    )
