"""``pressroom send`` and ``pressroom campaigns`` from a terminal, against aiosmtpd."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import SQLITE_FILE

from .conftest import SEED_SLUG, SmtpServer, copies_per_address, write_list

DRAFT = (
    Path(__file__).resolve().parents[1] / "data" / "campaigns" / "2024-03-01-brouillon-annonce.md"
)
DRAFT_SLUG = "brouillon-annonce"


def env_for(server: SmtpServer) -> dict[str, str]:
    return {
        "PRESSROOM_MAIL_SERVER": "127.0.0.1",
        "PRESSROOM_MAIL_PORT": str(server.port),
        "PRESSROOM_SEND_RETRY_DELAY": "0",
        "PRESSROOM_SECRET_KEY": "test-secret",
    }


def send(runner: CliRunner, site: Site, server: SmtpServer, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        cli, ["--site", str(site.root), "send", *args], env=env_for(server), catch_exceptions=False
    )
    return result.exit_code, result.output


def test_send_wait_exits_0_when_all_were_sent(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    code, output = send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--wait")
    assert code == 0, output
    assert "all 5 messages sent" in output
    assert copies_per_address(smtp_server.received) == {f"j{n}@example.com": 1 for n in range(5)}


def test_sending_again_to_the_same_list_says_0_new_recipients(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--wait")
    code, output = send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--wait")
    assert code == 0
    assert "0 new recipients, 5 already reached" in output
    assert len(smtp_server.received) == 5


def test_send_exits_1_when_some_failed(
    runner: CliRunner,
    campaign_site: Site,
    faulty_smtp_server: object,
) -> None:
    server = faulty_smtp_server(reject=["j3@example.com"])  # type: ignore[operator]
    code, output = send(runner, campaign_site, server, SEED_SLUG, "--list", "presse", "--wait")
    assert code == 1
    assert "1 messages failed" in output


def test_dry_run_writes_nothing(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    code, output = send(
        runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--dry-run"
    )
    assert code == 0
    assert "5 new recipients" in output and "j0@example.com" in output
    assert not (campaign_site.instance_dir / SQLITE_FILE).exists()
    assert not (campaign_site.instance_dir / "queue.sqlite3").exists()
    assert smtp_server.received == []


def test_draft_goes_to_test_addresses(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    shutil.copy(DRAFT, campaign_site.root / "releases" / DRAFT.name)
    code, output = send(
        runner, campaign_site, smtp_server, DRAFT_SLUG, "--test-to", "moi@example.org", "--wait"
    )
    assert code == 0, output
    [received] = smtp_server.received
    assert received.rcpt_tos == ("moi@example.org",)
    message = received.parse()
    assert message["Subject"].startswith("[Test]")
    assert "List-Unsubscribe" not in message


@pytest.mark.parametrize("extra", [(), ("--dry-run",)])
def test_draft_is_refused_without_test_to(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer, extra: tuple[str, ...]
) -> None:
    shutil.copy(DRAFT, campaign_site.root / "releases" / DRAFT.name)
    code, output = send(runner, campaign_site, smtp_server, DRAFT_SLUG, "--list", "presse", *extra)
    assert code == 1
    assert "draft" in output and "Traceback" not in output
    assert smtp_server.received == []


def test_unknown_list_is_a_clear_error(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    code, output = send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "inconnue")
    assert code == 1
    assert "inconnue" in output and "Traceback" not in output


def test_campaigns_lists_what_was_sent(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    write_list(campaign_site, "autres", 2, start=100)
    send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "autres", "--wait")
    result = runner.invoke(cli, ["--site", str(campaign_site.root), "campaigns"])
    assert result.exit_code == 0
    assert "done" in result.output and "2/2 sent" in result.output and SEED_SLUG in result.output
