"""``pressroom send`` and ``pressroom campaigns`` from a terminal, against aiosmtpd."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner

from pressroom.campaigns import list_campaigns
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import SQLITE_FILE, ensure_database

from .conftest import SEED_SLUG, SmtpServer, copies_per_address, write_list
from .languages import in_english

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
    assert "les 5 messages sont envoyés" in output
    assert copies_per_address(smtp_server.received) == {f"j{n}@example.com": 1 for n in range(5)}


def test_sending_again_to_the_same_list_says_0_new_recipients(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--wait")
    code, output = send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--wait")
    assert code == 0
    assert "0 nouveau destinataire, 5 déjà atteints" in output
    assert len(smtp_server.received) == 5


def test_send_exits_1_when_some_failed(
    runner: CliRunner,
    campaign_site: Site,
    faulty_smtp_server: object,
) -> None:
    server = faulty_smtp_server(reject=["j3@example.com"])  # type: ignore[operator]
    code, output = send(runner, campaign_site, server, SEED_SLUG, "--list", "presse", "--wait")
    assert code == 1
    assert "1 message en échec" in output


def test_dry_run_writes_nothing(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    code, output = send(
        runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--dry-run"
    )
    assert code == 0
    assert "5 nouveaux destinataires" in output and "j0@example.com" in output
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
    assert "brouillon" in output and "Traceback" not in output
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
    assert "terminée" in result.output and "2/2 envoyés" in result.output
    assert SEED_SLUG in result.output


# Scheduled sends: the day before 1 December 2026 09:30, Paris time.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_send_at_says_in_the_site_language_when_the_campaign_leaves(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(NOW, tick=False):
        code, output = send(
            runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse",
            "--at", "2026-12-01 09:30",
        )  # fmt: skip
    assert code == 0, output
    assert "Campagne n° 1 programmée pour le 1er décembre 2026 à 09:30." in output
    [campaign] = list_campaigns(ensure_database(campaign_site))
    assert campaign.status == "scheduled"
    assert campaign.scheduled_at == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    assert smtp_server.received == []


def test_send_at_takes_an_iso_time_with_its_offset(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(NOW, tick=False):
        code, output = send(
            runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse",
            "--at", "2026-12-01T09:30:00+00:00",
        )  # fmt: skip
    assert code == 0, output
    assert "à 10:30" in output  # shown in the site's zone
    [campaign] = list_campaigns(ensure_database(campaign_site))
    assert campaign.scheduled_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("2026-11-30 08:59", "Ce moment est passé"),
        ("demain 9h", "n’est pas une date et une heure"),
        ("2026-12-01", "n’est pas une date et une heure"),
        ("2026-12-32 09:30", "n’est pas une date et une heure"),
        ("2027-03-28 02:30", "n’existe pas dans le fuseau Europe/Paris"),
    ],
)
def test_send_at_refuses_a_time_it_cannot_use_naming_the_option(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer, when: str, reason: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        code, output = send(
            runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse", "--at", when
        )
    assert code == 2
    assert "'--at'" in output and reason in output and "Traceback" not in output
    assert list_campaigns(ensure_database(campaign_site)) == []


@pytest.mark.parametrize("other", [("--test-to", "moi@example.org"), ("--dry-run",), ("--wait",)])
def test_send_at_does_not_go_with_test_to_dry_run_or_wait(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer, other: tuple[str, ...]
) -> None:
    with time_machine.travel(NOW, tick=False):
        code, output = send(
            runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse",
            "--at", "2026-12-01 09:30", *other,
        )  # fmt: skip
    assert code == 2
    assert f"--at ne va pas avec {other[0]}" in output
    assert list_campaigns(ensure_database(campaign_site)) == []


def test_campaigns_lists_when_a_scheduled_campaign_leaves(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(NOW, tick=False):
        send(
            runner, campaign_site, smtp_server, SEED_SLUG, "--list", "presse",
            "--at", "2026-12-01 09:30",
        )  # fmt: skip
        result = runner.invoke(cli, ["--site", str(campaign_site.root), "campaigns"])
    assert result.exit_code == 0
    assert "programmée" in result.output and "part le 2026-12-01 09:30" in result.output


def test_a_refusal_is_in_french_on_a_french_site(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    code, output = send(runner, campaign_site, smtp_server, SEED_SLUG, "--list", "inconnue")
    assert code == 1
    assert "Error: Il n’y a pas de liste de contacts nommée inconnue." in output


def test_a_refusal_is_in_english_on_an_english_site(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    site = in_english(campaign_site)
    code, output = send(runner, site, smtp_server, SEED_SLUG, "--list", "inconnue")
    assert code == 1
    assert "Error: There is no contact list named inconnue." in output


def test_a_draft_refused_on_an_english_site_says_so_in_english(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    shutil.copy(DRAFT, campaign_site.root / "releases" / DRAFT.name)
    site = in_english(campaign_site)
    code, output = send(runner, site, smtp_server, DRAFT_SLUG, "--list", "presse")
    assert code == 1
    assert f"{DRAFT_SLUG}: this release is a draft; send it to test addresses only" in output


def test_send_at_on_an_english_site_says_when_in_english(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    site = in_english(campaign_site)
    with time_machine.travel(NOW, tick=False):
        code, output = send(
            runner, site, smtp_server, SEED_SLUG, "--list", "presse", "--at", "2026-12-01 09:30"
        )
    assert code == 0, output
    assert "Campaign 1 scheduled for December 1, 2026 at 09:30." in output
