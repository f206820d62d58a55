"""``pressroom serve``: the newsroom and back office on a production-grade WSGI server."""

from __future__ import annotations

import threading

import click

from pressroom.cli.context import current_site, say


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option(
    "--no-worker", is_flag=True, help="Do not run background tasks here (use pressroom worker)."
)
def serve(host: str, port: int, threads: int, no_worker: bool) -> None:
    """Serve the site (Waitress; use gunicorn or `pressroom build` to scale out)."""
    from waitress import serve as waitress_serve

    from pressroom.i18n import format_number
    from pressroom.web import create_app
    from pressroom.web.public import settle_memory, warm_up

    site = current_site()
    app = create_app(site)

    def warm() -> None:
        ready = warm_up(app)
        settle_memory()
        if ready is not None:
            count, seconds = ready
            click.echo(
                say(
                    site,
                    "pressroom: ready, {count} releases read and indexed in {seconds} s",
                    count=format_number(count, site.settings.language),
                    seconds=format_number(seconds, site.settings.language, decimals=1),
                )
            )

    url = f"http://{host}:{port}/espace-presse/"
    click.echo(say(site, "pressroom: serving {root} on {url}", root=str(site.root), url=url))
    # The first visitors would otherwise wait for the releases to be read and indexed.
    threading.Thread(target=warm, name="pressroom-warm-up", daemon=True).start()
    consumer = None
    if not no_worker:
        # Campaigns and embargo tasks run in threads of this process: nothing else to start.
        from pressroom.tasks import queue_for

        consumer = queue_for(site).background_consumer()
        consumer.start()
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="pressroom")
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
