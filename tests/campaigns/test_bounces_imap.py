"""Bounce reports read from an IMAP folder on a real Dovecot: applied once, then moved away."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from pressroom.bounce_imap import ImapFolder, imap_folder, process_imap, quoted_mailbox
from pressroom.bounces import RECORDED, BounceError
from pressroom.campaign_report import progress
from pressroom.cli import cli
from pressroom.config import Site
from pressroom.db import Database
from pressroom.models.audit import AuditEntry
from pressroom.suppression import find_suppression, is_suppressed
from tests.mail.conftest import _free_port

from .dovecot import PASSWORD, Dovecot, dovecot, dovecot_server  # noqa: F401 (fixtures)
from .test_bounces import bounce, deliveries  # noqa: F401 (fixture)

NOT_A_BOUNCE = "$PressroomNotBounce"


def folder(server: Dovecot, user: str = "bounces", name: str = "INBOX") -> ImapFolder:
    return imap_folder(server.url(user, name), plain=True)


def run_cli(runner: CliRunner, site: Site, *args: str, password: str = PASSWORD) -> Result:
    return runner.invoke(
        cli,
        ["--site", str(site.root), "bounces", "process", *args],
        env={"PRESSROOM_BOUNCES_PASSWORD": password},
    )


def three_messages(server: Dovecot, sent: dict[str, str], user: str = "bounces") -> None:
    """A hard bounce for j1, a delay notice for j2, and j3's reply (not a bounce)."""
    server.append(
        user,
        bounce("permanent-5.1.1.eml", "j1@example.com", sent["j1@example.com"]),
        bounce("delayed-4.4.1.eml", "j2@example.com", sent["j2@example.com"]),
        bounce("not-a-bounce.eml", "j3@example.com", sent["j3@example.com"]),
    )


def recorded_bounces(database: Database) -> int:
    with database.session() as session:
        query = select(func.count()).where(AuditEntry.action == RECORDED)
        return int(session.scalar(query) or 0)


def test_imap_hard_bounce_fails_its_delivery_and_suppresses_the_address(
    dovecot: Dovecot,  # noqa: F811
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries)
    report = process_imap(campaign_db, folder(dovecot), PASSWORD)
    assert (report.messages, report.permanent, report.deliveries) == (3, 1, 1)
    assert (report.delayed, report.not_bounces) == (1, 1)
    entry = find_suppression(campaign_db, "j1@example.com")
    assert entry is not None
    row = deliveries["j1@example.com"].split("-")[1]
    assert (entry.reason, entry.source) == ("hard-bounce", f"bounce of delivery {row}")
    assert not is_suppressed(campaign_db, "j2@example.com")
    state = progress(campaign_db, int(deliveries["j1@example.com"].split("-")[0]))
    assert (state.sent, state.failed) == (4, 1)


def test_imap_bounces_move_to_processed_and_other_mail_stays_unread(
    dovecot: Dovecot,  # noqa: F811
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries)
    report = process_imap(campaign_db, folder(dovecot), PASSWORD)
    assert (report.moved, report.left) == (2, 1)
    assert dovecot.messages("bounces", "INBOX") == [
        ("Re: [Communiqué de presse] Test", NOT_A_BOUNCE)
    ]
    assert [subject for subject, _ in dovecot.messages("bounces", "Processed")] == [
        "Undelivered Mail Returned to Sender",
        "Delayed Mail (still being retried)",
    ]


def test_imap_second_pass_changes_nothing(
    dovecot: Dovecot,  # noqa: F811
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries)
    process_imap(campaign_db, folder(dovecot), PASSWORD)
    before = (dovecot.messages("bounces", "INBOX"), dovecot.messages("bounces", "Processed"))
    again = process_imap(campaign_db, folder(dovecot), PASSWORD)
    assert (again.messages, again.moved, again.left) == (0, 0, 0)
    assert (dovecot.messages("bounces", "INBOX"), dovecot.messages("bounces", "Processed")) == (
        before
    )
    assert recorded_bounces(campaign_db) == 1


def test_bounce_recorded_but_not_moved_is_only_moved_on_the_next_pass(
    dovecot: Dovecot,  # noqa: F811
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    """As after a crash between the commit and the move: the same bytes are still there."""
    hard = bounce("permanent-5.1.1.eml", "j1@example.com", deliveries["j1@example.com"])
    dovecot.append("bounces", hard)
    process_imap(campaign_db, folder(dovecot), PASSWORD)
    dovecot.append("bounces", hard)
    again = process_imap(campaign_db, folder(dovecot), PASSWORD)
    assert (again.permanent, again.already_recorded, again.moved) == (0, 1, 1)
    assert dovecot.messages("bounces", "INBOX") == []
    assert recorded_bounces(campaign_db) == 1


@pytest.mark.parametrize("user", ["nomove", "legacy"])
def test_server_without_move_gets_copy_and_expunge(
    user: str,
    dovecot: Dovecot,  # noqa: F811
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries, user)
    report = process_imap(campaign_db, folder(dovecot, user), PASSWORD)
    assert (report.permanent, report.moved, report.left) == (1, 2, 1)
    assert len(dovecot.messages(user, "INBOX")) == 1
    assert len(dovecot.messages(user, "Processed")) == 2


def test_processed_folder_with_an_accent_is_created(
    dovecot: Dovecot,  # noqa: F811
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries)
    process_imap(campaign_db, folder(dovecot), PASSWORD, processed="Rebonds traités")
    assert "Rebonds trait&AOk-s" in dovecot.folders("bounces")
    assert len(dovecot.messages("bounces", "Rebonds traités")) == 2


def test_bounces_command_reads_an_imap_folder(
    runner: CliRunner,
    campaign_site: Site,
    dovecot: Dovecot,  # noqa: F811
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries)
    result = run_cli(runner, campaign_site, "--imap", dovecot.url(), "--no-tls")
    assert result.exit_code == 0, result.output
    assert "3 messages à lire" in result.output
    assert "1 échecs définitifs (1 rattachés à un envoi), 1 retards, 1 qui ne sont pas des" in (
        result.output
    )
    assert "2 déplacés dans 'Processed', 1 laissés dans 'INBOX'" in result.output


def test_wrong_password_is_a_clear_error(
    runner: CliRunner,
    campaign_site: Site,
    dovecot: Dovecot,  # noqa: F811
) -> None:
    result = run_cli(runner, campaign_site, "--imap", dovecot.url(), "--no-tls", password="x")
    assert result.exit_code == 1
    assert f"serveur IMAP 127.0.0.1:{dovecot.port} a refusé la connexion de bounces" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_missing_folder_is_a_clear_error(
    runner: CliRunner,
    campaign_site: Site,
    dovecot: Dovecot,  # noqa: F811
) -> None:
    url = dovecot.url(folder="Rebonds")
    result = run_cli(runner, campaign_site, "--imap", url, "--no-tls")
    assert result.exit_code == 1
    assert f"serveur IMAP 127.0.0.1:{dovecot.port} : aucun dossier 'Rebonds' pour bounces" in (
        result.output
    )


def test_unreachable_server_is_a_clear_error(runner: CliRunner, campaign_site: Site) -> None:
    port = _free_port()  # nothing listens there
    url = f"imap://bounces@127.0.0.1:{port}/INBOX"
    result = run_cli(runner, campaign_site, "--imap", url, "--no-tls")
    assert result.exit_code == 1
    assert f"le serveur IMAP 127.0.0.1:{port} est injoignable" in result.output


def test_password_is_read_from_standard_input_when_not_in_the_environment(
    runner: CliRunner,
    campaign_site: Site,
    dovecot: Dovecot,  # noqa: F811
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(dovecot, deliveries)
    site = str(campaign_site.root)
    result = runner.invoke(
        cli,
        ["--site", site, "bounces", "process", "--imap", dovecot.url(), "--no-tls"],
        input=PASSWORD + "\n",
        env={"PRESSROOM_BOUNCES_PASSWORD": None},
    )
    assert result.exit_code == 0, result.output
    assert "1 échecs définitifs" in result.output


def test_no_password_at_all_is_a_clear_error(
    runner: CliRunner,
    campaign_site: Site,
    dovecot: Dovecot,  # noqa: F811
) -> None:
    site = str(campaign_site.root)
    result = runner.invoke(
        cli,
        ["--site", site, "bounces", "process", "--imap", dovecot.url(), "--no-tls"],
        input="",
        env={"PRESSROOM_BOUNCES_PASSWORD": None},
    )
    assert result.exit_code == 1
    assert "aucun mot de passe pour bounces sur 127.0.0.1" in result.output


@pytest.fixture
def trusted_dovecot(
    dovecot: Dovecot,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Dovecot:
    """The Dovecot server, its self-signed certificate trusted by this process."""
    if dovecot.cert is None:
        pytest.skip("openssl is not installed (Debian package: openssl)")
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))
    return dovecot


def test_starttls_is_used_on_imap(
    trusted_dovecot: Dovecot,
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(trusted_dovecot, deliveries)
    report = process_imap(campaign_db, imap_folder(trusted_dovecot.url()), PASSWORD)
    assert report.permanent == 1
    log = trusted_dovecot.log.read_text().splitlines()
    logins = [line for line in log if "Login: user=" in line]
    assert ", TLS, " in logins[-1]


def test_implicit_tls_on_imaps(
    trusted_dovecot: Dovecot,
    campaign_db: Database,
    deliveries: dict[str, str],  # noqa: F811
) -> None:
    three_messages(trusted_dovecot, deliveries)
    report = process_imap(campaign_db, imap_folder(trusted_dovecot.url(tls=True)), PASSWORD)
    assert report.permanent == 1


def test_untrusted_certificate_is_refused(
    trusted_dovecot: Dovecot,
    campaign_db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # trusted no more
    with pytest.raises(BounceError, match=r"TLS failed: .*certificate verify failed"):
        process_imap(campaign_db, imap_folder(trusted_dovecot.url(tls=True)), PASSWORD)


def test_plain_imap_is_refused_beyond_this_machine() -> None:
    with pytest.raises(BounceError, match="only to this machine"):
        imap_folder("imap://bounces@mail.example.org/INBOX", plain=True)


def test_password_in_the_address_is_refused_and_not_repeated() -> None:
    with pytest.raises(BounceError, match="PRESSROOM_BOUNCES_PASSWORD") as refused:
        imap_folder("imaps://bounces:secret@mail.example.org/INBOX")
    assert "secret" not in str(refused.value)


def test_imap_address_defaults() -> None:
    where = imap_folder("imaps://bounces%40example.org@mail.example.org")
    assert (where.username, where.port, where.folder, where.security) == (
        "bounces@example.org",
        993,
        "INBOX",
        "tls",
    )


def test_folder_names_are_modified_utf7_and_quoted() -> None:
    assert quoted_mailbox('Rebonds & "retours" traités') == (
        '"Rebonds &- \\"retours\\" trait&AOk-s"'
    )


def test_imap_options_are_in_the_help(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["bounces", "process", "--help"])
    for option in ("--imap URL", "--processed-folder", "--no-tls", "PRESSROOM_BOUNCES_PASSWORD"):
        assert option in result.output
