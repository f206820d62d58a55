"""Short service messages to one person: the subscription confirmation, the link to their data.

Built with Python's ``email`` package like campaign messages, and sent through the same adapter
(``pressroom.mail.smtp.deliver_batch``: the SMTP relay when one is configured, else an ``.eml``
in ``instance/outbox/``). Every header value passes through ``pressroom.mail.headers``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from pressroom.config import Site
from pressroom.i18n import gettext
from pressroom.mail.headers import header_address, header_text, mail_domain, parse_address
from pressroom.mail.message import Envelope, Outgoing
from pressroom.mail.smtp import SendResult, deliver_batch, smtp_settings


def notice(site: Site, to: str, subject: str, lines: list[str], kind: str) -> Outgoing:
    """A plain-text message from the site's sender to one address; ``kind`` names it in the
    delivery id (``subscribe-confirm-…``) so the server's log tells notices apart."""
    sender = parse_address(site.settings.sender, "pressroom.toml: [mail] sender")
    recipient = parse_address(to, "recipient")
    domain = mail_domain(site.settings.base_url, sender)
    message = EmailMessage()
    message["From"] = header_address(site.settings.name, sender)
    message["To"] = header_address("", recipient)
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message_id = make_msgid(domain=domain)
    message["Message-ID"] = message_id
    # An automatic answer to something the person did: out-of-office replies stay quiet.
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("\n".join(lines) + "\n")
    envelope = Envelope(
        mail_from=sender.envelope,
        rcpt_to=(recipient.envelope,),
        delivery_id=f"{kind}-{secrets.token_hex(6)}",
        smtputf8=recipient.needs_smtputf8,
    )
    return Outgoing(message=message, envelope=envelope, message_id=message_id)


def send_notice(site: Site, config: Mapping[str, Any], outgoing: Outgoing) -> SendResult:
    """Send one notice with the deployment's SMTP settings (``PRESSROOM_MAIL_*``), else write
    it to the outbox. Raises ``MailServerError`` when the server cannot be reached."""
    return deliver_batch(site, smtp_settings(config), [outgoing])[0]


def confirmation_notice(site: Site, to: str, link: str, lang: str, days: int) -> Outgoing:
    """The double opt-in message: the link that confirms a subscription."""

    def _(text: str, **params: Any) -> str:
        return gettext(lang, text).format(**params)

    name = site.settings.name
    lines = [
        _("Someone, probably you, asked to receive the press releases of {site}.", site=name),
        _("To confirm your subscription, open this link within {days} days:", days=str(days)),
        "",
        link,
        "",
        _("If you did not ask for it, ignore this message: you will receive nothing."),
    ]
    return notice(site, to, _("Confirm your subscription – {site}", site=name), lines, "confirm")


def data_link_notice(site: Site, to: str, link: str, lang: str, hours: int) -> Outgoing:
    """The message carrying the link where a person downloads or erases their data."""

    def _(text: str, **params: Any) -> str:
        return gettext(lang, text).format(**params)

    name = site.settings.name
    lines = [
        _(
            "Someone, probably you, asked to see what {site} holds about {email}.",
            site=name,
            email=to,
        ),
        _(
            "Open this link within {hours} hours to download your data or have it erased:",
            hours=str(hours),
        ),
        "",
        link,
        "",
        _("If you did not ask for it, ignore this message: nothing will change."),
    ]
    return notice(site, to, _("Your data – {site}", site=name), lines, "data")
