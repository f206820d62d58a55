"""``pressroom worker``: a Huey consumer that sends campaigns and runs the embargo tasks.

Run as many as the relay allows, on any number of machines sharing the database and Redis
(``PRESSROOM_DATABASE_URL``, ``PRESSROOM_REDIS_URL``); the rate limit holds across them all.
"""

from __future__ import annotations

import logging

import click

from pressroom.cli.context import current_site, refusal, say
from pressroom.db import ensure_database
from pressroom.errors import PressroomError


@click.command()
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--processes", is_flag=True, help="Worker processes instead of threads (for many cores)."
)
@click.option("--verbose", is_flag=True, help="Log every task.")
def worker(workers: int, processes: bool, verbose: bool) -> None:
    """Run background work: send campaigns, prepare releases at their embargo moment."""
    from pressroom.tasks import enqueue_due_campaigns, queue_for

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
    )
    site = current_site()
    try:
        ensure_database(site)  # migrate once, before the workers start
        queue = queue_for(site)
        # Campaigns a killed worker left half-sent resume now, not at the next sweep.
        resumed = enqueue_due_campaigns(site)
    except PressroomError as exc:
        raise refusal(site, exc) from None
    kind = "process" if processes else "thread"
    started = (
        "pressroom: worker for {root} (processes: {workers}); campaigns resumed: {resumed}"
        if processes
        else "pressroom: worker for {root} (threads: {workers}); campaigns resumed: {resumed}"
    )
    click.echo(
        say(site, started, root=str(site.root), workers=str(workers), resumed=str(len(resumed)))
    )
    queue.consumer(workers=workers, worker_type=kind).run()
