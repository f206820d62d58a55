"""``pressroom build --watch``: one process that builds, then rebuilds whatever changes.

A one-shot build pays for starting Python and loading a thousand parsed releases before it
can redo one page; this loop pays that once. It keeps the ``BuildMemory`` (parsed releases,
legal pages, search rows) and the renderers' caches between rebuilds, so a rebuild costs the
changed file's parse and the pages concerned. It also wakes up, with no file changed, at the
moment the next scheduled release is due: an embargo lifts on time in the export too.

The loop takes its waiting as a function (``Wait``), so a test drives it with the changes
and clock it wants; ``notify_wait`` is the real one, on watchfiles.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pressroom.build import BuildReport, build_site
from pressroom.buildcache import BuildMemory
from pressroom.config import SETTINGS_FILE, Site, load_site
from pressroom.errors import PressroomError, Problem, localize
from pressroom.i18n import counted
from pressroom.legal import pages_dir
from pressroom.store import Catalog, relative

# Wait up to ``timeout`` seconds (None: for ever) for changed paths; an empty set when the time
# is up, None when the watch must stop (Ctrl-C, a stop event).
Wait = Callable[[float | None], set[Path] | None]
Clock = Callable[[], datetime]

STEP_MS = 10  # a save (temporary file, rename) is over well within this
DEBOUNCE_MS = 400  # the longest a burst of changes (a git checkout) is gathered for
# The longest wait for an embargo's end before the clock is read again (a machine that slept
# through it, a clock set right meanwhile).
MAX_WAIT = 600.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Rebuild:
    """What one (re)build did, for the one line the watch prints about it."""

    report: BuildReport | None
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    error: PressroomError | None = None

    def lines(self, lang: str = "en") -> list[str]:
        """``3 pages rewritten in 41 ms``, after the problems of the files that changed, in an
        interface language (the problems in the form editors parse, as ``pressroom check``)."""
        out = [p.for_tools(lang) for p in self.problems]
        if self.error is not None:
            return [
                *out,
                localize(lang, "error: {message}", {"message": self.error.localized(lang)}),
            ]
        assert self.report is not None
        report = self.report
        pages = len(report.rendered)
        text = counted(lang, "{count} page rewritten", "{count} pages rewritten", pages)
        extra = [
            ("{count} file copied", "{count} files copied", report.copied),
            ("{count} removed", "{count} removed", len(report.removed)),
            ("{count} PDF", "{count} PDFs", report.pdfs),
        ]
        details = ", ".join(counted(lang, *count) for count in extra if count[2])
        text += f" ({details})" if details else ""
        ms = f"{self.seconds * 1000:.0f}"
        return [*out, localize(lang, "{done} in {ms} ms", {"done": text, "ms": ms})]


def next_embargo(catalog: Catalog, now: datetime) -> datetime | None:
    """When the next release that is published but dated in the future becomes public."""
    return min((r.date for r in catalog.releases if r.published and r.date > now), default=None)


class SiteWatch:
    """A site's export kept up to date by one long-lived process."""

    def __init__(self, site: Site, out: Path, pdf: bool = True, clock: Clock = utc_now) -> None:
        self.site = site
        self.out = out.resolve()
        self.pdf = pdf
        self.clock = clock
        self.memory = BuildMemory.load(site)

    def watched(self, path: Path) -> bool:
        """Whether a changed path is one the export depends on (not instance/, not the output)."""
        site = self.site
        if path.name.startswith(".") or path.name.endswith(("~", ".tmp", ".swp")):
            return False  # editors' and our own temporary files
        if path == site.root / SETTINGS_FILE:
            return True
        if path.is_relative_to(self.out):
            return False
        return any(
            path.is_relative_to(folder)
            for folder in (site.releases_dir, pages_dir(site), site.templates_dir)
        )

    def first_build(self) -> Rebuild:
        """The build the watch starts with; its errors (an unusable output folder) are fatal."""
        start = time.perf_counter()
        report = build_site(self.site, self.out, pdf=self.pdf, now=self.clock(), memory=self.memory)
        errors = [p for p in self._problems() if p.severity == "error"]
        return Rebuild(report, time.perf_counter() - start, errors)

    def build(self, changed: Iterable[Path] = ()) -> Rebuild:
        """Build what changed; a bad file or setting is reported, never the end of the watch."""
        start = time.perf_counter()
        try:
            if self.site.root / SETTINGS_FILE in set(changed):
                self._reload()
            report = build_site(
                self.site, self.out, pdf=self.pdf, now=self.clock(), memory=self.memory
            )
        except PressroomError as exc:
            return Rebuild(None, time.perf_counter() - start, error=exc)
        return Rebuild(report, time.perf_counter() - start, self._problems())

    def _problems(self) -> list[Problem]:
        """The problems of the files the last build read (all of them, the first time)."""
        catalog = self.memory.releases.current
        if catalog is None:
            return []
        shown = {relative(self.site, Path(p)) for p in self.memory.releases.changed}
        return [p for p in catalog.problems if p.path in shown]

    def _reload(self) -> None:
        """New settings: a new site, whose releases are parsed again (dates follow the zone)."""
        site = load_site(self.site.root)  # a ConfigError keeps the old settings
        if site != self.site:
            self.memory.save()
            self.site = site
            self.memory = BuildMemory.load(site)

    def next_due(self) -> datetime | None:
        """When the next embargo lifts (None: no release waits for its time)."""
        catalog = self.memory.releases.current
        return next_embargo(catalog, self.clock()) if catalog is not None else None

    def save(self) -> None:
        """Keep what was parsed for the next build, one-shot or not."""
        self.memory.save()


def watch_loop(watch: SiteWatch, wait: Wait, echo: Callable[[str], None]) -> None:
    """Build, then rebuild on each relevant change and each embargo's end, until told to stop."""
    try:
        for line in watch.first_build().lines(watch.site.settings.language):
            echo(line)
        while True:
            due = watch.next_due()
            left = None if due is None else (due - watch.clock()).total_seconds()
            changes = wait(None if left is None else min(max(0.0, left), MAX_WAIT))
            if changes is None:
                return
            relevant = {p for p in changes if watch.watched(p)}
            if changes and not relevant:
                continue  # our own writes, instance/, files the export does not use
            if not changes and (due is None or watch.clock() < due):
                continue  # woken up before the embargo's end
            rebuild = watch.build(relevant)
            for line in rebuild.lines(watch.site.settings.language):
                echo(line)
    finally:
        watch.save()


@contextmanager
def notify_wait(root: Path, stop: threading.Event | None = None) -> Iterator[Wait]:
    """A ``Wait`` on the site's files through watchfiles (inotify here, polling elsewhere)."""
    from watchfiles._rust_notify import RustNotify

    notify = RustNotify([str(root)], False, False, 300, True, True)

    def wait(timeout: float | None) -> set[Path] | None:
        # 0 means "no timeout" to watchfiles: a deadline due now still waits one millisecond.
        timeout_ms = 0 if timeout is None else max(1, math.ceil(timeout * 1000))
        result = notify.watch(DEBOUNCE_MS, STEP_MS, timeout_ms, stop)
        if isinstance(result, str):  # "timeout", or "signal" (Ctrl-C) and "stop": the end
            return set() if result == "timeout" else None
        return {Path(path) for _change, path in result}

    try:
        yield wait
    finally:
        notify.close()
