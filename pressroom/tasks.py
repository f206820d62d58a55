"""Background work on Huey: sending campaigns, and what happens at a release's embargo moment.

The only module that imports Huey. The queue belongs to a site, which is known only at run time
(``--site``), so there is no module-level instance: ``queue_for(site)`` builds one per site the
first time it is asked (SQLite in ``instance/queue.sqlite3``, or Redis when
``PRESSROOM_REDIS_URL`` is set) and registers the tasks on it. Web views, CLI commands and
``pressroom worker`` all go through it, so producer and consumer agree on the task names.

Tasks carry ids and paths, never objects: a task may run on another machine, hours later, after
the release was edited; it reads the current state (the delivery table, the release file) when
it runs. The delivery table, not the queue, is the record of what was sent: losing a queued task
loses nothing, since ``pressroom worker`` re-queues unfinished campaigns when it starts and a
periodic sweep does the same every minute.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from pressroom.config import Site, load_site
from pressroom.release import Release

REDIS_URL_ENV = "PRESSROOM_REDIS_URL"
# Several sites (or test runs) may share one Redis: each names its own queue.
QUEUE_NAME_ENV = "PRESSROOM_QUEUE_NAME"
# Where `pressroom build` output lives when the site publishes a static export.
EXPORT_DIR_ENV = "PRESSROOM_EXPORT_DIR"
QUEUE_FILE = "queue.sqlite3"
DEFAULT_QUEUE_NAME = "pressroom"
# A sending task gives its thread back after this many batches, and queues its own sequel.
BATCHES_PER_TASK = 20

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queue:
    """A site's Huey instance and the tasks registered on it."""

    huey: Huey
    site_root: Path
    send_campaign: TaskWrapper
    sweep: TaskWrapper
    release_moment: TaskWrapper

    def consumer(self, workers: int = 1, worker_type: str = "thread") -> Consumer:
        """A consumer for ``pressroom worker`` (it installs the signal handlers)."""
        return Consumer(self.huey, workers=workers, worker_type=worker_type, periodic=True)

    def background_consumer(self, workers: int = 2) -> Consumer:
        """A consumer that runs beside another server (``pressroom serve``): thread workers,
        and no signal handlers, so Ctrl-C still reaches the web server."""
        return _QuietConsumer(
            self.huey, workers=workers, worker_type="thread", periodic=True, shutdown_timeout=10
        )


class _QuietConsumer(Consumer):  # type: ignore[misc]  # huey is untyped
    def _set_signal_handlers(self) -> None:
        """The host process (the web server) owns the signals; it calls ``stop`` itself."""


_lock = threading.Lock()
_queues: dict[tuple[str, str, str], Queue] = {}


def queue_name() -> str:
    """The queue's name: ``PRESSROOM_QUEUE_NAME``, else ``pressroom``."""
    return os.environ.get(QUEUE_NAME_ENV, "").strip() or DEFAULT_QUEUE_NAME


def queue_for(site: Site) -> Queue:
    """The site's queue, built on first use (SQLite by default, Redis when configured)."""
    redis_url = os.environ.get(REDIS_URL_ENV, "").strip()
    name = queue_name()
    key = (str(site.root), redis_url, name)
    with _lock:
        found = _queues.get(key)
        if found is None:
            found = _build(site, redis_url, name)
            _queues[key] = found
        return found


def forget_queues() -> None:
    """Drop built queues (tests that change the environment between runs)."""
    with _lock:
        _queues.clear()


def _build(site: Site, redis_url: str, name: str) -> Queue:
    huey: Huey
    if redis_url:
        huey = RedisHuey(name, url=redis_url, results=False)
    else:
        path = site.ensure_instance() / QUEUE_FILE
        huey = SqliteHuey(name, filename=str(path), results=False)
    root = site.root

    @huey.task(name="send_campaign")  # type: ignore[untyped-decorator]
    def send_campaign(campaign_id: int) -> None:
        """Send a campaign's due deliveries, then come back when its next retry is due."""
        from pressroom.sending import run_campaign

        outcome = run_campaign(load_site(root), campaign_id, max_batches=BATCHES_PER_TASK)
        if outcome.more:
            send_campaign(campaign_id)  # back in line: other tasks get their turn meanwhile
        elif outcome.next_attempt is not None:
            send_campaign.schedule(args=(campaign_id,), eta=outcome.next_attempt)

    @huey.periodic_task(crontab(minute="*"), name="sweep")  # type: ignore[untyped-decorator]
    def sweep() -> None:
        """Start due scheduled campaigns and resume any whose task was lost."""
        enqueue_due_campaigns(load_site(root))

    @huey.task(name="release_moment")  # type: ignore[untyped-decorator]
    def release_moment(release_path: str) -> None:
        """At a release's public date: render its PDF, refresh the static export."""
        _at_release_moment(load_site(root), release_path)

    return Queue(huey, root, send_campaign, sweep, release_moment)


def enqueue_campaign(
    site: Site, campaign_id: int, *, at: datetime | None = None, copies: int = 1
) -> None:
    """Queue a campaign's sending, now or at ``at``; ``copies`` tasks let as many workers
    share it (each claims its own batches from the delivery table)."""
    queue = queue_for(site)
    for _ in range(max(1, copies)):
        if at is not None and at > datetime.now(UTC):
            queue.send_campaign.schedule(args=(campaign_id,), eta=at)
        else:
            queue.send_campaign(campaign_id)


def enqueue_due_campaigns(site: Site) -> list[int]:
    """Queue every campaign that has work due now; returns their ids."""
    from pressroom.sending import due_campaigns

    ids: list[int] = due_campaigns(site)
    for campaign_id in ids:
        enqueue_campaign(site, campaign_id)
    return ids


def schedule_release_tasks(site: Site, release: Release) -> None:
    """At the release's embargo moment (now if already public): pre-render its PDF and
    refresh the static export when ``PRESSROOM_EXPORT_DIR`` names one.

    Call it after saving a release; a release saved again is simply scheduled again, and the
    task checks the file as it is then, so an embargo moved later does nothing early.
    """
    queue = queue_for(site)
    # A second late: the task then sees the release as public, whatever the clocks' rounding.
    eta = release.date + timedelta(seconds=1)
    if eta > datetime.now(UTC):
        queue.release_moment.schedule(args=(release.path,), eta=eta)
    else:
        queue.release_moment(release.path)


def _at_release_moment(site: Site, release_path: str) -> None:
    from pressroom.pdfcache import prerender
    from pressroom.store import read_release

    path = site.root / release_path
    if not path.is_file():
        log.info("release %s is gone; nothing to prepare", release_path)
        return
    release, _problems = read_release(site, path)
    if not release.is_public(datetime.now(UTC)):
        log.info("release %s is not public yet; its new date has its own task", release_path)
        return
    prerender(site, release)
    export_dir = os.environ.get(EXPORT_DIR_ENV, "").strip()
    if export_dir:
        from pressroom.build import build_site

        build_site(site, Path(export_dir))


def pending_tasks(site: Site) -> int:
    """How many tasks wait in the site's queue (for ``pressroom campaigns``)."""
    count: Any = queue_for(site).huey.pending_count()
    return int(count)
