"""Faults at the SMTP server: refusals, drops and stalls end with one copy per recipient."""

from __future__ import annotations

from collections.abc import Callable

from pressroom.campaign_creation import create_campaign
from pressroom.campaign_report import progress
from pressroom.campaigns import TERMINAL
from pressroom.config import Site
from pressroom.db import Database
from pressroom.sending import SendSettings, run_campaign
from pressroom.suppression import is_suppressed

from .conftest import SEED_SLUG, SmtpServer, copies_per_address, write_list


def test_every_recipient_gets_exactly_one_copy_despite_4xx_drops_and_stalls(
    campaign_site: Site,
    campaign_db: Database,
    faulty_smtp_server: Callable[..., SmtpServer],
    engine_settings: Callable[..., SendSettings],
) -> None:
    write_list(campaign_site, "grande", 400)
    server = faulty_smtp_server(temp_fail_every=7, drop_every=150, stall_every=230)
    info, _ = create_campaign(
        campaign_site, campaign_db, SEED_SLUG, ["grande"], actor=TERMINAL, link_pdf=True
    )
    assert info is not None
    settings = engine_settings(server, timeout=0.5, max_attempts=20)
    outcome = run_campaign(campaign_site, info.id, settings, database=campaign_db)
    assert outcome.done
    assert copies_per_address(server.received) == {f"j{n}@example.com": 1 for n in range(400)}
    state = progress(campaign_db, info.id)
    assert (state.sent, state.failed, state.pending) == (400, 0, 0)


def test_temporary_failures_past_the_last_attempt_are_failed(
    campaign_site: Site,
    campaign_db: Database,
    faulty_smtp_server: Callable[..., SmtpServer],
    engine_settings: Callable[..., SendSettings],
) -> None:
    server = faulty_smtp_server(temp_fail_every=1)
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    run_campaign(
        campaign_site, info.id, engine_settings(server, max_attempts=3), database=campaign_db
    )
    state = progress(campaign_db, info.id)
    assert (state.sent, state.failed) == (0, 5)
    assert server.handler.attempts == 15  # type: ignore[attr-defined]


def test_retry_waits_for_its_backoff(
    campaign_site: Site,
    campaign_db: Database,
    faulty_smtp_server: Callable[..., SmtpServer],
    engine_settings: Callable[..., SendSettings],
) -> None:
    server = faulty_smtp_server(temp_fail_every=5)
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    outcome = run_campaign(
        campaign_site, info.id, engine_settings(server, retry_delay=600), database=campaign_db
    )
    assert not outcome.done and outcome.next_attempt is not None
    assert progress(campaign_db, info.id).pending == 1
    assert len(server.received) == 4


def test_hard_bounce_is_failed_and_suppressed(
    campaign_site: Site,
    campaign_db: Database,
    faulty_smtp_server: Callable[..., SmtpServer],
    engine_settings: Callable[..., SendSettings],
) -> None:
    server = faulty_smtp_server(reject=["j2@example.com"])
    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    run_campaign(campaign_site, info.id, engine_settings(server), database=campaign_db)
    state = progress(campaign_db, info.id)
    assert (state.sent, state.failed) == (4, 1)
    assert is_suppressed(campaign_db, "j2@example.com")


def test_unreachable_server_leaves_every_row_pending(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    from pressroom.mail.smtp import SmtpSettings
    from tests.mail.conftest import _free_port

    info, _ = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    settings = engine_settings(
        smtp_server, smtp=SmtpSettings("127.0.0.1", _free_port(), timeout=1), retry_delay=600
    )
    outcome = run_campaign(campaign_site, info.id, settings, database=campaign_db)
    assert not outcome.done
    assert progress(campaign_db, info.id).pending == 5
