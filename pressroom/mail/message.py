"""A release's email, built with Python's ``email`` package: once per campaign, then per person.

``prepare_mail`` renders what every recipient shares (subject, both bodies, attachments), so a
campaign of 100,000 renders its templates once; ``personalise`` adds the greeting, the
addresses, the ``List-Unsubscribe`` headers and the VERP envelope of one delivery, building the
whole message (previews, and the few addresses a template cannot write). Campaigns fill
``pressroom.mail.template``'s bytes instead, laid out by the same ``assemble``. Core module:
no Flask, no smtplib; sending is ``pressroom.mail.smtp``'s job.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import Policy
from email.utils import format_datetime, make_msgid
from html import escape as html_escape
from typing import Protocol, cast
from urllib.parse import quote

from pressroom.config import Site
from pressroom.mail.attachments import downloads_for
from pressroom.mail.body import (
    BodyContext,
    embargo_text,
    greeting,
    render_html,
    render_text,
)
from pressroom.mail.headers import (
    SMTP_POLICY,
    SMTPUTF8_POLICY,
    MailAddress,
    MailError,
    atom,
    display_name,
    header_address,
    header_text,
    mail_domain,
    parse_address,
    site_url,
)
from pressroom.render.context import ReleaseView

DEFAULT_SUBJECT = "[{label}] {title}"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Recipient:
    """Who one message goes to: an address and, when known, a name for the greeting."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class MailOptions:
    """How a site sends a release: which list, which subject, the PDF, attach or link."""

    list_id: str = "presse"
    list_name: str = ""
    subject_pattern: str = DEFAULT_SUBJECT
    pdf: tuple[str, bytes] | None = None  # (file name, data), from pressroom.render.pdf
    link_pdf: bool = False  # the site prefers a link to the PDF; ignored under embargo
    now: datetime | None = None  # when it is sent (default: now)


@dataclass(frozen=True)
class Envelope:
    """The SMTP envelope of one delivery: the VERP return path names the delivery."""

    mail_from: str
    rcpt_to: tuple[str, ...]
    delivery_id: str
    smtputf8: bool = False


def _boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text: no need to scan the message for it.
    return "=_pressroom_" + secrets.token_hex(12)


@dataclass(frozen=True)
class Outgoing:
    """One message ready to send, with its envelope and its ``Message-ID``."""

    message: EmailMessage = field(compare=False)
    envelope: Envelope
    message_id: str

    def as_bytes(self) -> bytes:
        """The message as sent on the wire (CRLF line ends, whatever the message's policy)."""
        buffer = io.BytesIO()
        generator = BytesGenerator(buffer, mangle_from_=False, policy=self.message.policy)
        generator.flatten(self.message, linesep="\r\n")
        return buffer.getvalue()


class Sendable(Protocol):
    """What the SMTP adapter sends: an ``Outgoing`` or a filled campaign template."""

    @property
    def envelope(self) -> Envelope: ...

    @property
    def message_id(self) -> str: ...

    @property
    def message(self) -> EmailMessage: ...

    def as_bytes(self) -> bytes:
        """The message as sent on the wire (CRLF line ends)."""
        ...


@dataclass(frozen=True)
class PreparedMail:
    """What all recipients of one release share, rendered once (see ``prepare_mail``)."""

    lang: str
    subject: str
    sender: Address
    sender_address: MailAddress
    reply_to: Address | None
    domain: str
    base_url: str
    list_id: str
    list_header: str
    marker: str
    html: str
    text: str
    html_without_unsubscribe: str  # for test sends, which have no unsubscribe token
    text_without_unsubscribe: str
    attachments: tuple[MIMEPart, ...]
    now: datetime


def format_subject(pattern: str, values: dict[str, str]) -> str:
    """Fill ``{label}``, ``{title}``, ``{site}``, ``{date}``; any other placeholder is an error."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            known = ", ".join("{" + k + "}" for k in values)
            raise MailError(
                "subject pattern {pattern!r}: unknown {placeholder}; use {known}",
                pattern=pattern,
                placeholder="{" + key + "}",
                known=known,
            )
        return values[key]

    return header_text(_PLACEHOLDER.sub(fill, pattern))


def verp_sender(delivery_id: str, domain: str) -> str:
    """``bounces+<delivery-id>@<domain>``: a bounce to it says which delivery failed."""
    return f"bounces+{atom(delivery_id, 'delivery id')}@{domain}"


def delivery_from_verp(address: str) -> str | None:
    """The delivery id a bounce's recipient address carries, or None if it is not ours."""
    local = address.strip().strip("<>").rpartition("@")[0]
    prefix = "bounces+"
    if not local.startswith(prefix):
        return None
    return local[len(prefix) :] or None


def prepare_mail(site: Site, view: ReleaseView, options: MailOptions | None = None) -> PreparedMail:
    """Render what every recipient of a release shares; raises ``MailError`` on bad settings."""
    options = options or MailOptions()
    settings = site.settings
    release = view.release
    now = options.now or datetime.now(UTC)
    embargoed = now < release.date
    sender = parse_address(settings.sender, "pressroom.toml: [mail] sender")
    contact = view.contact
    reply_to = None
    if contact.email:
        reply_address = parse_address(
            contact.email, "{path}: press contact's email", path=release.path
        )
        reply_to = header_address(contact.name, reply_address)
    base = site_url(site.settings.base_url)
    domain = mail_domain(base, sender)
    public_url = base + quote(release.url, safe="/%")
    label = header_text(release.category or settings.default_category)
    subject = format_subject(
        options.subject_pattern,
        {
            "label": label,
            "title": header_text(view.title),
            "site": settings.name,
            "date": view.date_text,
        },
    )
    embargo = embargo_text(release.date, site, view.lang) if embargoed else ""
    if embargo:
        subject = f"[{embargo}] {subject}"
    downloads, parts = downloads_for(
        site,
        view,
        options.pdf,
        link_pdf=options.link_pdf,
        attach=not release.is_public(now),
        public_url=public_url,
    )
    list_id = f"{atom(options.list_id, 'list id').lower()}.{domain}"
    list_name = display_name(options.list_name or options.list_id)
    marker = "PRESSROOM" + secrets.token_hex(12)
    context = BodyContext(
        subject=subject,
        embargo=embargo,
        greeting=marker + "G",
        page_url=public_url if release.is_public(now) else "",
        downloads=downloads,
        list_name=list_name,
        unsubscribe_url=marker + "U",
    )
    test_context = replace(context, unsubscribe_url="")
    return PreparedMail(
        lang=view.lang,
        subject=subject,
        sender=header_address(contact.name or settings.issuer_name, sender),
        sender_address=sender,
        reply_to=reply_to,
        domain=domain,
        base_url=base,
        list_id=list_id,
        list_header=f"{list_name} <{list_id}>",
        marker=marker,
        html=render_html(site, view, context),
        text=render_text(site, view, context),
        html_without_unsubscribe=render_html(site, view, test_context),
        text_without_unsubscribe=render_text(site, view, test_context),
        attachments=parts,
        now=now,
    )


def unsubscribe_links(prepared: PreparedMail, token: str) -> tuple[str, str]:
    """The https and mailto unsubscribe links for an URL-quoted ``token``."""
    url = f"{prepared.base_url}/desabonnement/{token}"
    mailto = f"mailto:{prepared.sender_address.envelope}?subject=unsubscribe%20{token}"
    return url, mailto


def filled_body(prepared: PreparedMail, body: str, hello: str, url: str, *, html: bool) -> str:
    """``body`` (or one line of it) with the greeting and unsubscribe markers replaced."""
    if html:
        hello, url = html_escape(hello), html_escape(url)
    return body.replace(prepared.marker + "G", hello).replace(prepared.marker + "U", url)


@dataclass(frozen=True)
class PersonalHeaders:
    """A message's per-recipient header values; ``raw`` ones are written exactly as given
    (the template's markers), the others pass through the email package's header registry."""

    to: Address | str
    date: str
    message_id: str
    list_unsubscribe: str  # "" for none (test sends)
    raw: bool = False


def assemble(
    prepared: PreparedMail,
    policy: Policy,
    personal: PersonalHeaders,
    text_body: str,
    html_body: str,
) -> EmailMessage:
    """The message's structure, headers and parts: the one layout ``personalise`` and the
    campaign template (``pressroom.mail.template``) both write."""
    message = EmailMessage(policy=policy)

    def put(name: str, value: Address | str) -> None:
        if personal.raw:
            message.set_raw(name, str(value))
        else:
            message[name] = value

    message["Subject"] = prepared.subject
    message["From"] = prepared.sender
    put("To", personal.to)
    if prepared.reply_to is not None:
        message["Reply-To"] = prepared.reply_to
    put("Date", personal.date)
    put("Message-ID", personal.message_id)
    message["List-Id"] = prepared.list_header
    if personal.list_unsubscribe:
        # One URI per line, folded by hand: see SMTP_POLICY.
        message.set_raw("List-Unsubscribe", personal.list_unsubscribe)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text_body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html_body, subtype="html", charset="utf-8", cte="quoted-printable")
    message.set_boundary(_boundary())
    if prepared.attachments:
        message.make_mixed()
        message.set_boundary(_boundary())
        for part in prepared.attachments:
            # Shared by every message of the campaign: encoded once, only ever read.
            message.attach(cast(EmailMessage, part))  # typeshed wants EmailMessage; any part works
    return message


def personalise(
    prepared: PreparedMail,
    recipient: Recipient,
    *,
    delivery_id: str,
    unsubscribe_token: str | None = None,
    now: datetime | None = None,
) -> Outgoing:
    """One recipient's message: greeting, ``To``, ``List-Unsubscribe``, envelope.

    ``Date`` is ``now`` (default: the moment of the call), not the campaign's preparation.
    Built whole by the email package; a campaign fills a template instead, which gives the
    same message for less (``pressroom.mail.template``).
    """
    address = parse_address(recipient.email, "recipient")
    name = display_name(recipient.name)
    hello = greeting(name, prepared.lang)
    token = quote(header_text(unsubscribe_token or ""), safe="")
    url, mailto, list_unsubscribe = "", "", ""
    html_body, text_body = prepared.html, prepared.text
    if token:
        url, mailto = unsubscribe_links(prepared, token)
        list_unsubscribe = f"<{url}>,\n <{mailto}>"
    else:
        html_body = prepared.html_without_unsubscribe
        text_body = prepared.text_without_unsubscribe
    personal = PersonalHeaders(
        to=header_address(name, address),
        date=format_datetime((now or datetime.now(UTC)).astimezone(UTC)),
        message_id=make_msgid(idstring=atom(delivery_id, "delivery id"), domain=prepared.domain),
        list_unsubscribe=list_unsubscribe,
    )
    message = assemble(
        prepared,
        SMTPUTF8_POLICY if address.needs_smtputf8 else SMTP_POLICY,
        personal,
        filled_body(prepared, text_body, hello, url, html=False),
        filled_body(prepared, html_body, hello, url, html=True),
    )
    return Outgoing(
        message=message,
        envelope=envelope_for(prepared, address, delivery_id),
        message_id=personal.message_id,
    )


def envelope_for(prepared: PreparedMail, address: MailAddress, delivery_id: str) -> Envelope:
    """The SMTP envelope of one delivery: VERP return path, SMTPUTF8 when the address needs it."""
    return Envelope(
        mail_from=verp_sender(delivery_id, prepared.sender_address.domain),
        rcpt_to=(address.envelope,),
        delivery_id=delivery_id,
        smtputf8=address.needs_smtputf8,
    )


def build_message(
    site: Site,
    view: ReleaseView,
    recipient: Recipient,
    options: MailOptions | None = None,
    *,
    delivery_id: str,
    unsubscribe_token: str | None = None,
) -> Outgoing:
    """One release's message to one recipient (a campaign prepares once and personalises)."""
    prepared = prepare_mail(site, view, options)
    return personalise(
        prepared,
        recipient,
        delivery_id=delivery_id,
        unsubscribe_token=unsubscribe_token,
        now=prepared.now,
    )
