"""``pressroom build``: the public site as static files, for any web server or CDN."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from functools import partial
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from pressroom.cli.context import current_site, end_quickly, refusal, say
from pressroom.config import Site
from pressroom.errors import PressroomError
from pressroom.i18n import counted

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from pressroom.build import BuildReport


@click.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site into (created if needed; only pressroom's files change).",
)
@click.option("--no-pdf", is_flag=True, help="Leave PDFs out (and their links off the pages).")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes a big build spreads over (default: one per core, at most 8; 1: none).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: rebuild what changed whenever a release, upload, page, template or "
    "the settings change, and when an embargo lifts. Ctrl-C stops.",
)
def build(out: Path, no_pdf: bool, jobs: int | None, watch: bool) -> None:
    """Write the public newsroom as static files; a second run redoes only what changed."""
    from pressroom.parallel import at_most

    with at_most(jobs):
        _build(out, no_pdf, watch)


def _build(out: Path, no_pdf: bool, watch: bool) -> None:
    site = current_site()
    # A build makes millions of short-lived objects (YAML nodes, Markdown tokens, template
    # output) and keeps a catalog that lives as long as the process: collecting the young
    # generation every 700 allocations costs it 4 %. As mypy does for its builds.
    gc.set_threshold(200_000, 30, 30)
    if watch:
        _watch(site, out, pdf=not no_pdf)
        return
    from pressroom.build import MAKING_PDFS, READING, WRITING, build_site

    try:
        if sys.stdout is not None and sys.stdout.isatty():  # None: started with stdout closed
            with StageBars(site, (READING, MAKING_PDFS, WRITING)) as bars:
                report = build_site(site, out, pdf=not no_pdf, progress=bars.tell)
        else:
            report = build_site(site, out, pdf=not no_pdf)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    lang = site.settings.language
    for problem in report.errors:  # as `pressroom check` says them: editors parse the form
        click.echo(problem.for_tools(lang), err=True)
    if report.errors:
        refused = len({problem.path for problem in report.errors})
        click.echo(
            counted(
                lang,
                "{count} release file left out of the site (see above)",
                "{count} release files left out of the site (see above)",
                refused,
            ),
            err=True,
        )
    for warning in report.warnings:
        click.echo(say(site, "warning: {warning}", warning=warning), err=True)
    click.echo(say(site, "{out}: {counts}", out=str(out), counts=_counts(report, site)))
    end_quickly()  # every file is written and closed


def _counts(report: BuildReport, site: Site) -> str:
    """``1 page written, 1,755 unchanged, 0 files copied, 0 PDFs made, 0 removed``."""
    lang = site.settings.language
    counts = [
        ("{count} page written", "{count} pages written", len(report.rendered)),
        ("{count} unchanged", "{count} unchanged", report.unchanged),
        ("{count} file copied", "{count} files copied", report.copied),
        ("{count} PDF made", "{count} PDFs made", report.pdfs),
        ("{count} removed", "{count} removed", len(report.removed)),
    ]
    return ", ".join(counted(lang, *count) for count in counts)


class StageBars:
    """A progress bar per stage of a build (reading the releases, making the PDFs, writing
    the pages), each drawn ten times a second at most: a thousand redraws would cost the build
    tens of milliseconds and show nothing more."""

    def __init__(self, site: Site, stages: tuple[str, str, str]) -> None:
        names = ("Reading the releases", "Making the PDFs", "Writing the pages")
        self.labels = {stage: say(site, name) for stage, name in zip(stages, names, strict=True)}
        self.width = max(len(label) for label in self.labels.values())
        self.bar: ProgressBar[int] | None = None
        self.stage = ""
        self.drawn = 0.0

    def __enter__(self) -> StageBars:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def tell(self, done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.drawn < 0.1:
            return
        if stage != self.stage or self.bar is None:
            self.__exit__()
            label = self.labels.get(stage, stage).ljust(self.width)
            self.bar = click.progressbar(length=max(total, 1), label=label, show_pos=True)
            self.bar.__enter__()
            self.stage = stage
        self.drawn = now
        self.bar.length = max(total, 1)
        self.bar.update(done - self.bar.pos)


def _watch(site: Site, out: Path, pdf: bool) -> None:
    """Build, then rebuild on every change, one line each, until Ctrl-C."""
    from pressroom.watch import SiteWatch, notify_wait, watch_loop

    click.echo(
        say(site, "{out}: watching {root} (Ctrl-C to stop)", out=str(out), root=str(site.root))
    )
    # `kill` and service managers stop it as cleanly as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, partial(_interrupt, os.getpid()))
    try:
        with notify_wait(site.root) as wait:
            watch_loop(SiteWatch(site, out, pdf=pdf), wait, click.echo)
    except KeyboardInterrupt:  # during a build; while waiting, watchfiles ends the loop itself
        pass
    except PressroomError as exc:
        raise refusal(site, exc) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(say(site, "Stopped."))


def _interrupt(watching: int, signum: int, _frame: FrameType | None) -> None:
    if os.getpid() != watching:  # a build worker forked by the watch: it just ends
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise KeyboardInterrupt
