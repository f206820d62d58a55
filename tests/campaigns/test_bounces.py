"""Bounce reports from a Maildir or an mbox fail their delivery and suppress the address."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.bounces import BounceError, process_maildir, process_mbox
from pressroom.campaign_creation import create_campaign
from pressroom.campaign_report import progress, report_csv
from pressroom.campaigns import TERMINAL
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import Database
from pressroom.sending import SendSettings, run_campaign
from pressroom.suppression import is_suppressed

from .conftest import SEED_SLUG, SmtpServer

BOUNCES = Path(__file__).resolve().parents[1] / "data" / "campaigns" / "bounces"


def sent_to_five(
    site: Site, database: Database, server: SmtpServer, settings: SendSettings
) -> dict[str, str]:
    """Send the seed to ``presse``; returns each address's VERP delivery id."""
    info, _ = create_campaign(site, database, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    run_campaign(site, info.id, settings, database=database)
    return {r.rcpt_tos[0]: r.mail_from.split("+")[1].split("@")[0] for r in server.received}


def bounce(name: str, address: str, delivery: str) -> bytes:
    text = (BOUNCES / name).read_text(encoding="utf-8")
    return text.replace("{address}", address).replace("{delivery}", delivery).encode()


def maildir_with(folder: Path, *messages: bytes) -> Path:
    box = mailbox.Maildir(folder, create=True)
    for data in messages:
        box.add(data)
    return folder


@pytest.fixture
def deliveries(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> dict[str, str]:
    return sent_to_five(campaign_site, campaign_db, smtp_server, engine_settings(smtp_server))


def test_permanent_bounce_fails_its_delivery_and_suppresses_the_address(
    campaign_db: Database, deliveries: dict[str, str], tmp_path: Path
) -> None:
    folder = maildir_with(
        tmp_path / "bounces",
        bounce("permanent-5.1.1.eml", "j1@example.com", deliveries["j1@example.com"]),
    )
    report = process_maildir(campaign_db, folder)
    assert (report.permanent, report.deliveries) == (1, 1)
    assert is_suppressed(campaign_db, "j1@example.com")
    campaign = int(deliveries["j1@example.com"].split("-")[0])
    state = progress(campaign_db, campaign)
    assert (state.sent, state.failed) == (4, 1)
    csv_text = b"".join(report_csv(campaign_db, campaign)).decode("utf-8-sig")
    assert "bounce: j1@example.com" in csv_text


def test_delay_notice_changes_nothing(
    campaign_db: Database, deliveries: dict[str, str], tmp_path: Path
) -> None:
    folder = maildir_with(
        tmp_path / "bounces",
        bounce("delayed-4.4.1.eml", "j2@example.com", deliveries["j2@example.com"]),
        bounce("not-a-bounce.eml", "j3@example.com", deliveries["j3@example.com"]),
    )
    report = process_maildir(campaign_db, folder)
    assert (report.messages, report.delayed, report.not_bounces, report.permanent) == (2, 1, 1, 0)
    assert not is_suppressed(campaign_db, "j2@example.com")


def test_maildir_messages_are_read_once(
    campaign_db: Database, deliveries: dict[str, str], tmp_path: Path
) -> None:
    folder = maildir_with(
        tmp_path / "bounces",
        bounce("permanent-5.1.1.eml", "j1@example.com", deliveries["j1@example.com"]),
    )
    process_maildir(campaign_db, folder)
    assert process_maildir(campaign_db, folder).messages == 0


def test_bounce_without_our_address_suppresses_the_failed_recipient(
    campaign_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(path)
    box.add(bounce("unknown-sender-5.1.1.eml", "", ""))
    box.close()
    report = process_mbox(campaign_db, path)
    assert (report.permanent, report.deliveries) == (1, 0)
    assert is_suppressed(campaign_db, "parti@autre.example")


def test_missing_maildir_is_a_clear_error(campaign_db: Database, tmp_path: Path) -> None:
    with pytest.raises(BounceError, match="not a Maildir"):
        process_maildir(campaign_db, tmp_path / "nowhere")


def test_mbox_read_again_finds_its_bounce_already_recorded(
    campaign_db: Database, deliveries: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(path)
    box.add(bounce("permanent-5.1.1.eml", "j1@example.com", deliveries["j1@example.com"]))
    box.close()
    process_mbox(campaign_db, path)
    again = process_mbox(campaign_db, path)
    assert (again.messages, again.permanent, again.already_recorded) == (1, 0, 1)


def test_bounces_command_reads_an_mbox(
    runner: CliRunner, campaign_site: Site, deliveries: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(path)
    box.add(bounce("permanent-5.1.1.eml", "j4@example.com", deliveries["j4@example.com"]))
    box.close()
    result = runner.invoke(
        cli, ["--site", str(campaign_site.root), "bounces", "process", "--mbox", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "1 échecs définitifs (1 rattachés à un envoi)" in result.output
