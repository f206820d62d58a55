"""A worker killed with SIGKILL mid-campaign, then restarted: nobody missed, duplicates only
for what was in flight. Real ``pressroom worker`` processes, a real SMTP sink in another."""

from __future__ import annotations

import signal
from pathlib import Path

from pressroom.campaign_creation import create_campaign
from pressroom.campaign_report import progress
from pressroom.campaigns import TERMINAL, get_campaign
from pressroom.config import Site
from pressroom.db import Database
from pressroom.tasks import enqueue_campaign

from .conftest import SEED_SLUG, write_list
from .workers import sink_process, start_worker, stop, wait_for

RECIPIENTS = 5000


def test_killed_worker_restarted_misses_nobody_and_resends_at_most_one(
    campaign_site: Site, campaign_db: Database, tmp_path: Path
) -> None:
    write_list(campaign_site, "grande", RECIPIENTS)
    info, _ = create_campaign(
        campaign_site, campaign_db, SEED_SLUG, ["grande"], actor=TERMINAL, link_pdf=True
    )
    assert info is not None
    enqueue_campaign(campaign_site, info.id)
    with sink_process(tmp_path) as sink:
        env = {
            "PRESSROOM_MAIL_SERVER": "127.0.0.1",
            "PRESSROOM_MAIL_PORT": str(sink.port),
            "PRESSROOM_SEND_RETRY_DELAY": "0",
            "PRESSROOM_SECRET_KEY": "test-secret",
        }
        first = start_worker(campaign_site.root, env)
        try:
            wait_for(lambda: progress(campaign_db, info.id).sent >= 1500, 120, "1,500 sent")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            stop(first)
        at_kill = progress(campaign_db, info.id)
        assert at_kill.pending + at_kill.sending > 0, "the kill came too late to test anything"
        second = start_worker(campaign_site.root, env)
        try:
            wait_for(lambda: get_campaign(campaign_db, info.id).status == "done", 120, "the end")
        finally:
            stop(second)
        copies = sink.copies()
    assert set(copies) == {f"j{n}@example.com" for n in range(RECIPIENTS)}
    duplicates = sum(count - 1 for count in copies.values())
    assert duplicates <= 1  # one worker thread: at most the message in flight at the kill
    assert progress(campaign_db, info.id).sent == RECIPIENTS
