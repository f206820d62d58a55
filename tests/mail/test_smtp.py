"""Sending through a real SMTP server on loopback (aiosmtpd), and the outbox without one."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage

import dkim
import pytest
import time_machine

from pressroom.config import Site
from pressroom.errors import ConfigError
from pressroom.mail.dkim import load_dkim_key
from pressroom.mail.message import (
    Envelope,
    MailOptions,
    Outgoing,
    Recipient,
    personalise,
    prepare_mail,
)
from pressroom.mail.smtp import (
    MailServerError,
    SmtpSettings,
    deliver_batch,
    send_batch,
    smtp_settings,
)
from pressroom.mail.template import message_template
from pressroom.mail.tokens import unsubscribe_token
from pressroom.render.context import ReleaseView

from .conftest import SITE_URL, GeneratedKey, SmtpServer, _free_port

AFTER = datetime(2021, 12, 1, 9, 0, tzinfo=UTC)
LIST = (
    Recipient("jeanne.martin@example.com", "Jeanne Martin"),
    Recipient("redaction@journal.example", ""),
    Recipient("paul.durand@radio.example", "Paul Durand"),
)


def campaign(
    site: Site,
    view: ReleaseView,
    recipients: tuple[Recipient, ...] = LIST,
    pdf: tuple[str, bytes] | None = None,
) -> list[Outgoing]:
    prepared = prepare_mail(
        site, view, MailOptions(list_id="journalistes", list_name="Journalistes", pdf=pdf)
    )
    return [
        personalise(
            prepared,
            recipient,
            delivery_id=f"c1-{number}",
            unsubscribe_token=unsubscribe_token("secret", recipient.email, "journalistes"),
        )
        for number, recipient in enumerate(recipients, 1)
    ]


def many(site: Site, view: ReleaseView, count: int) -> list[Outgoing]:
    recipients = tuple(Recipient(f"journaliste{n}@example.com") for n in range(count))
    return campaign(site, view, recipients)


@time_machine.travel(AFTER, tick=False)
def test_seed_arrives_once_per_recipient_with_headers_parts_and_pdf(
    smtp_server: SmtpServer,
    mail_site: Site,
    seed_view: ReleaseView,
    seed_pdf: tuple[str, bytes],
) -> None:
    batch = campaign(mail_site, seed_view, pdf=seed_pdf)
    results = send_batch(smtp_server.settings(), batch)

    assert [r.status for r in results] == ["sent"] * 3
    assert all(r.code == 250 and r.reply.startswith("2.0.0 Ok: queued as") for r in results)
    received = {r.rcpt_tos: r for r in smtp_server.received}
    assert sorted(received) == sorted((r.email,) for r in LIST)
    for number, recipient in enumerate(LIST, 1):
        got = received[(recipient.email,)]
        assert got.mail_from == f"bounces+c1-{number}@example.org"
        message = got.parse()
        token = unsubscribe_token("secret", recipient.email, "journalistes")
        assert message["To"].addresses[0].addr_spec == recipient.email
        assert message["From"].addresses[0].display_name == "Floriane Beaudron"
        assert message["From"].addresses[0].addr_spec == "presse@example.org"
        assert message["Reply-To"].addresses[0].addr_spec == (
            "floriane.beaudron@modernisation.gouv.fr"
        )
        assert message["Subject"].startswith("[Communiqué de presse] Numérique : l’état recrute")
        assert message["List-Id"] == "Journalistes <journalistes.presse.example.org>"
        assert message["List-Unsubscribe"] == (
            f"<{SITE_URL}/desabonnement/{token}>, "
            f"<mailto:presse@example.org?subject=unsubscribe%20{token}>"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"].endswith("@presse.example.org>")
        assert message["Message-ID"] == results[number - 1].message_id
        assert message["Date"].datetime == AFTER
        assert message.get_content_type() == "multipart/mixed"
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        assert plain is not None and html is not None
        greeting = f"Bonjour {recipient.name}," if recipient.name else "Madame, Monsieur,"
        assert greeting in plain.get_content()
        assert greeting in html.get_content()
        files = {p.get_filename(): p.get_content() for p in message.iter_attachments()}
        assert files == {seed_pdf[0]: seed_pdf[1]}


def test_settings_are_read_from_environment_strings() -> None:
    settings = smtp_settings(
        {
            "PRESSROOM_MAIL_SERVER": "smtp.example.org",
            "PRESSROOM_MAIL_PORT": "587",
            "PRESSROOM_MAIL_USE_TLS": "true",
            "PRESSROOM_MAIL_USERNAME": "presse",
            "PRESSROOM_MAIL_PASSWORD": "s3cret",
            "PRESSROOM_MAIL_DEFAULT_SENDER": "presse@example.org",
        }
    )
    assert settings == SmtpSettings(
        "smtp.example.org", 587, True, False, "presse", "s3cret", "presse@example.org"
    )
    assert "s3cret" not in repr(settings)


def test_settings_are_read_from_a_flask_config() -> None:
    settings = smtp_settings({"MAIL_SERVER": "relay", "MAIL_USE_SSL": True, "MAIL_TIMEOUT": 5})
    assert (settings.server, settings.port, settings.use_ssl, settings.timeout) == (
        "relay",
        465,
        True,
        5.0,
    )


def test_no_server_means_the_outbox() -> None:
    assert not smtp_settings({}).configured


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAIL_USE_TLS", "peut-être"), ("MAIL_PORT", "smtp"), ("MAIL_PORT", "70000")],
)
def test_bad_setting_is_a_config_error_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"PRESSROOM_{name}"):
        smtp_settings({f"PRESSROOM_{name}": value})


def test_temporary_refusal_is_temporary_and_the_batch_goes_on(
    faulty_smtp_server: Callable[..., SmtpServer], mail_site: Site, seed_view: ReleaseView
) -> None:
    server = faulty_smtp_server(temp_fail_every=2)
    results = send_batch(server.settings(), many(mail_site, seed_view, 4))
    assert [r.status for r in results] == ["sent", "temporary", "sent", "temporary"]
    assert results[1].code == 451 and results[1].reply.startswith("4.3.0")
    assert len(server.received) == 2


def test_rejected_recipient_is_permanent(
    faulty_smtp_server: Callable[..., SmtpServer], mail_site: Site, seed_view: ReleaseView
) -> None:
    server = faulty_smtp_server(reject=["redaction@journal.example"])
    results = send_batch(server.settings(), campaign(mail_site, seed_view))
    assert [r.status for r in results] == ["sent", "permanent", "sent"]
    assert results[1].code == 550
    assert "User unknown" in results[1].reply
    assert [r.rcpt_tos for r in server.received] == [(LIST[0].email,), (LIST[2].email,)]


def test_dropped_connection_leaves_the_rest_of_the_batch_temporary(
    faulty_smtp_server: Callable[..., SmtpServer], mail_site: Site, seed_view: ReleaseView
) -> None:
    server = faulty_smtp_server(drop_every=3)
    results = send_batch(server.settings(), many(mail_site, seed_view, 5))
    assert [r.status for r in results] == ["sent", "sent", "temporary", "temporary", "temporary"]
    assert results[2].error == "SMTPServerDisconnected"
    assert results[3].error == "NotAttempted"
    assert len(server.received) == 2


def test_stalled_server_times_out_as_temporary(
    faulty_smtp_server: Callable[..., SmtpServer], mail_site: Site, seed_view: ReleaseView
) -> None:
    server = faulty_smtp_server(stall_every=2)
    results = send_batch(server.settings(timeout=0.5), many(mail_site, seed_view, 3))
    assert [r.status for r in results] == ["sent", "temporary", "temporary"]
    assert results[1].error in ("TimeoutError", "SMTPServerDisconnected")
    assert results[2].error == "NotAttempted"


def test_unreachable_server_is_a_clear_error(mail_site: Site, seed_view: ReleaseView) -> None:
    settings = SmtpSettings(server="127.0.0.1", port=_free_port(), timeout=2)
    with pytest.raises(MailServerError, match=r"cannot talk to the mail server 127\.0\.0\.1:"):
        send_batch(settings, campaign(mail_site, seed_view))


def test_without_server_each_message_is_an_eml_file_in_the_outbox(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    batch = campaign(mail_site, seed_view)
    results = deliver_batch(mail_site, smtp_settings({}), batch)
    files = sorted((mail_site.instance_dir / "outbox").glob("*.eml"))
    assert [r.status for r in results] == ["sent"] * 3
    assert len(files) == 3
    assert all(r.reply.startswith("written to instance/outbox/") for r in results)
    recipients = set()
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        recipients.add(message["To"].addresses[0].addr_spec)
    assert recipients == {r.email for r in LIST}


def test_dkim_signed_message_verifies_after_the_trip(
    smtp_server: SmtpServer,
    mail_site: Site,
    seed_view: ReleaseView,
    dkim_test_key: GeneratedKey,
) -> None:
    key = load_dkim_key(
        {"PRESSROOM_DKIM_KEY": str(dkim_test_key.pem_path), "PRESSROOM_DKIM_SELECTOR": "s1"},
        default_domain="example.org",
    )
    send_batch(smtp_server.settings(), campaign(mail_site, seed_view)[:1], key)

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return dkim_test_key.dns_record if name == b"s1._domainkey.example.org." else None

    assert dkim.verify(smtp_server.received[0].data, dnsfunc=dns)


def test_unicode_address_is_sent_with_smtputf8(
    smtp_server: SmtpServer, mail_site: Site, seed_view: ReleaseView
) -> None:
    batch = campaign(mail_site, seed_view, (Recipient("jérôme@exemple.fr", "Jérôme"),))
    results = send_batch(smtp_server.settings(), batch)
    assert results[0].sent
    assert smtp_server.received[0].rcpt_tos == ("jérôme@exemple.fr",)


def test_lines_starting_with_a_dot_arrive_as_written(smtp_server: SmtpServer) -> None:
    message = EmailMessage()
    message["To"] = "jeanne.martin@example.com"
    message["Subject"] = "points"
    message.set_content(".début\n..deux\n.\nfin .\n")
    envelope = Envelope("presse@example.org", ("jeanne.martin@example.com",), "d1")
    outgoing = Outgoing(message=message, envelope=envelope, message_id="<d1@example.org>")
    assert send_batch(smtp_server.settings(), [outgoing])[0].sent
    assert smtp_server.received[0].data == outgoing.as_bytes()


def test_templated_message_without_server_is_an_eml_file_in_the_outbox(
    mail_site: Site, seed_view: ReleaseView
) -> None:
    prepared = prepare_mail(mail_site, seed_view, MailOptions(list_id="journalistes"))
    filled = message_template(prepared).fill(
        Recipient("jeanne.martin@example.com", "Jeanne Martin"),
        delivery_id="c1-1",
        unsubscribe_token="T0K",
    )
    (result,) = deliver_batch(mail_site, smtp_settings({}), [filled])
    (path,) = (mail_site.instance_dir / "outbox").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert result.sent
    assert str(message["To"]) == "Jeanne Martin <jeanne.martin@example.com>"
    assert message["List-Unsubscribe"] == (
        f"<{SITE_URL}/desabonnement/T0K>, <mailto:presse@example.org?subject=unsubscribe%20T0K>"
    )
