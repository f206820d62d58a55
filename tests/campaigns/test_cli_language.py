"""``pressroom campaigns`` and ``send`` speak the site's language: the listing, a campaign's new
status, a mail setting's refusal, and why a delivery failed before reaching any server."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pressroom.campaign_creation import create_campaign
from pressroom.campaign_report import report_csv
from pressroom.campaigns import TERMINAL, list_campaigns
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import Database, ensure_database
from pressroom.mail.smtp import SmtpSettings
from pressroom.sending import SendSettings, run_campaign
from tests.mail.conftest import _free_port

from .conftest import SEED_SLUG, SmtpServer
from .languages import in_english
from .test_cli_send import env_for


def run(runner: CliRunner, site: Site, *args: str, env: dict[str, str]) -> str:
    result = runner.invoke(cli, ["--site", str(site.root), *args], env=env)
    return result.output


def _queued(runner: CliRunner, site: Site, server: SmtpServer) -> int:
    """A campaign to ``presse`` queued from the terminal (no worker runs it); its id."""
    run(runner, site, "send", SEED_SLUG, "--list", "presse", env=env_for(server))
    return list_campaigns(ensure_database(site))[0].id


def test_campaigns_lists_in_english_on_an_english_site(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    site = in_english(campaign_site)
    env = env_for(smtp_server)
    run(runner, site, "send", SEED_SLUG, "--list", "presse", "--wait", env=env)
    output = run(runner, site, "campaigns", env=env)
    assert " done " in output and "5/5 sent, 0 failed" in output


def test_pausing_a_campaign_says_its_new_status_in_french(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    campaign_id = _queued(runner, campaign_site, smtp_server)
    output = run(runner, campaign_site, "campaigns", "pause", str(campaign_id), env={})
    assert output.strip() == f"campagne n° {campaign_id} : suspendue"


def test_pausing_a_campaign_says_its_new_status_in_english_on_an_english_site(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer
) -> None:
    site = in_english(campaign_site)
    campaign_id = _queued(runner, site, smtp_server)
    output = run(runner, site, "campaigns", "pause", str(campaign_id), env={})
    assert output.strip() == f"campaign {campaign_id}: paused"


def test_a_dkim_key_without_selector_is_refused_in_french(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    env = {**env_for(smtp_server), "PRESSROOM_DKIM_KEY": str(tmp_path / "dkim.pem")}
    output = run(runner, campaign_site, "send", SEED_SLUG, "--list", "presse", "--wait", env=env)
    assert "Error: PRESSROOM_DKIM_KEY est définie mais pas PRESSROOM_DKIM_SELECTOR" in output


def test_a_dkim_key_without_selector_is_refused_in_english_on_an_english_site(
    runner: CliRunner, campaign_site: Site, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    site = in_english(campaign_site)
    env = {**env_for(smtp_server), "PRESSROOM_DKIM_KEY": str(tmp_path / "dkim.pem")}
    output = run(runner, site, "send", SEED_SLUG, "--list", "presse", "--wait", env=env)
    assert "Error: PRESSROOM_DKIM_KEY is set but PRESSROOM_DKIM_SELECTOR is not" in output


def _report_after_no_server(site: Site, database: Database) -> str:
    """Send to a port nobody listens on, one attempt only; the campaign's CSV report."""
    info, _ = create_campaign(site, database, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    smtp = SmtpSettings(server="127.0.0.1", port=_free_port(), timeout=2.0)
    settings = SendSettings(smtp=smtp, retry_delay=0.0, max_attempts=1)
    run_campaign(site, info.id, settings, database=database)
    return b"".join(report_csv(database, info.id)).decode("utf-8-sig")


def test_a_delivery_that_reached_no_server_says_why_in_french(
    campaign_site: Site, campaign_db: Database
) -> None:
    report = _report_after_no_server(campaign_site, campaign_db)
    assert "impossible de dialoguer avec le serveur de messagerie 127.0.0.1:" in report


def test_a_delivery_that_reached_no_server_says_why_in_english_on_an_english_site(
    campaign_site: Site,
) -> None:
    site = in_english(campaign_site)
    report = _report_after_no_server(site, ensure_database(site))
    assert "cannot talk to the mail server 127.0.0.1:" in report
