"""The campaign engine end to end: real SQLite, a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pressroom.campaign_creation import create_campaign
from pressroom.campaign_mail import site_secret
from pressroom.campaign_report import progress
from pressroom.campaigns import TERMINAL
from pressroom.config import Site
from pressroom.db import Database
from pressroom.mail.tokens import read_unsubscribe_token
from pressroom.sending import SendSettings, run_campaign

from .conftest import SEED_SLUG, SmtpServer, copies_per_address

AFTER = datetime(2021, 12, 1, 9, 0, tzinfo=UTC)


def test_seed_reaches_each_list_member_once_with_headers_parts_and_pdf(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    info, _plan = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    outcome = run_campaign(
        campaign_site, info.id, engine_settings(smtp_server), database=campaign_db
    )
    assert outcome.done and outcome.sent == 5
    assert copies_per_address(smtp_server.received) == {f"j{n}@example.com": 1 for n in range(5)}
    message = smtp_server.received[0].parse()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    files = [p.get_filename() for p in message.iter_attachments()]
    assert len(files) == 1 and str(files[0]).endswith(".pdf")
    assert progress(campaign_db, info.id).sent == 5


def test_each_message_names_its_own_recipient_in_to_greeting_and_unsubscribe_link(
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    info, _plan = create_campaign(campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    run_campaign(campaign_site, info.id, engine_settings(smtp_server), database=campaign_db)
    secret = site_secret(campaign_site)
    for received in smtp_server.received:
        message = received.parse()
        (address,) = received.rcpt_tos
        number = address.removeprefix("j").removesuffix("@example.com")
        assert str(message["To"]) == f"Prénom{number} Nom{number} <{address}>"
        text = message.get_body(("plain",))
        assert text is not None and f"Bonjour Prénom{number} Nom{number}," in text.get_content()
        token = message["List-Unsubscribe"].split("/desabonnement/", 1)[1].split(">", 1)[0]
        assert read_unsubscribe_token(secret, token) == (address, "presse")
