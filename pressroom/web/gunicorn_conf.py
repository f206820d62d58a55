"""gunicorn settings for pressroom's scale-out, given with ``-c``::

    gunicorn -c python:pressroom.web.gunicorn_conf -w 4 "pressroom.web:create_app()"

Each worker reads the releases and indexes them for search as soon as it starts, as
``pressroom serve`` does, so that the first visitors of a new worker do not wait for it
(about 2 s at 5,000 releases, from what an earlier start or build left in ``instance/``), then
tunes its garbage collector for serving (``settle_memory``). Everything else is gunicorn's own
settings.
"""

from __future__ import annotations

import threading
from typing import Any


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook, once the worker has loaded the app (``worker.wsgi``)."""
    threading.Thread(target=_warm_up, args=(worker,), name="pressroom-warm-up", daemon=True).start()


def _warm_up(worker: Any) -> None:
    from pressroom.web.public import settle_memory, warm_up

    ready = warm_up(worker.wsgi)
    settle_memory()
    if ready is not None:
        worker.log.info("pressroom: ready, %d releases read and indexed in %.1f s", *ready)
