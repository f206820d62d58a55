"""The same campaign on PostgreSQL and Redis with three worker processes, rate limit held."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from pressroom.campaign_creation import create_campaign
from pressroom.campaigns import TERMINAL, get_campaign
from pressroom.config import Site
from pressroom.db import ensure_database
from pressroom.tasks import enqueue_campaign, forget_queues

from .conftest import SEED_SLUG, write_list
from .workers import sink_process, start_worker, stop, wait_for

REDIS_URL = "redis://127.0.0.1:6379/0"
RECIPIENTS = 600
PER_SECOND = 100
# One message over the limit in a window: the server's clock stamps a message a little after
# the worker's limiter counted it.
TOLERANCE = 2


@pytest.mark.services
def test_three_workers_on_postgresql_and_redis_hold_the_rate_limit(
    campaign_site: Site,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("redis").Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    queue = f"pressroom-test-{uuid.uuid4().hex[:12]}"
    env = {
        "PRESSROOM_DATABASE_URL": postgres_url,
        "PRESSROOM_REDIS_URL": REDIS_URL,
        "PRESSROOM_QUEUE_NAME": queue,
        "PRESSROOM_SEND_RATE": f"{PER_SECOND}/second",
        "PRESSROOM_SEND_RETRY_DELAY": "0",
        "PRESSROOM_SEND_BATCH": "20",
        "PRESSROOM_SECRET_KEY": "test-secret",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    forget_queues()
    database = ensure_database(campaign_site)
    write_list(campaign_site, "grande", RECIPIENTS)
    info, _ = create_campaign(
        campaign_site, database, SEED_SLUG, ["grande"], actor=TERMINAL, link_pdf=True
    )
    assert info is not None
    enqueue_campaign(campaign_site, info.id, copies=3)
    with sink_process(tmp_path) as sink:
        env.update({"PRESSROOM_MAIL_SERVER": "127.0.0.1", "PRESSROOM_MAIL_PORT": str(sink.port)})
        workers = [start_worker(campaign_site.root, env) for _ in range(3)]
        try:
            wait_for(lambda: get_campaign(database, info.id).status == "done", 120, "the end")
        finally:
            for process in workers:
                stop(process)
        lines = sink.lines()
    forget_queues()
    assert sorted(address for _, address in lines) == sorted(
        f"j{n}@example.com" for n in range(RECIPIENTS)
    )
    stamps = sorted(stamp for stamp, _ in lines)
    busiest = max(
        sum(1 for other in stamps[i:] if other < stamp + 1.0) for i, stamp in enumerate(stamps)
    )
    assert busiest <= PER_SECOND + TOLERANCE
