"""A release's email, built with Python's ``email`` package: once per campaign, then per person.

``prepare_mail`` renders what every recipient shares (subject, both bodies, attachments), so a
campaign of 100,000 renders its templates once; ``personalise`` adds the greeting, the
addresses, the ``List-Unsubscribe`` headers and the VERP envelope of one delivery. Core module:
no Flask, no smtplib; sending is ``pressroom.mail.smtp``'s job.
"""

from __future__ import annotations

import html
import io
import mimetypes
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy as email_policy
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.policy import Policy
from email.utils import format_datetime, make_msgid
from typing import Any, BinaryIO, cast
from urllib.parse import quote, urlsplit, urlunsplit

from pressroom.config import Site
from pressroom.i18n import gettext
from pressroom.mail.body import (
    BodyContext,
    Download,
    absolute_url,
    embargo_text,
    greeting,
    render_html,
    render_text,
)
from pressroom.mail.headers import (
    MailAddress,
    MailError,
    atom,
    display_name,
    header_address,
    header_text,
    mail_domain,
    parse_address,
)
from pressroom.release import upload_name
from pressroom.render.context import ReleaseView

DEFAULT_SUBJECT = "[{label}] {title}"
# Past this, attaching under embargo would make a message most relays refuse.
MAX_ATTACHED_BYTES = 15 * 1024 * 1024
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Raw headers (List-Unsubscribe) are written as we fold them: the email package would turn a
# long unbroken URL into RFC 2047 encoded words, which no mail client reads as a URL.
_SMTP = email_policy.SMTP.clone(refold_source="none")
_SMTPUTF8 = email_policy.SMTPUTF8.clone(refold_source="none")


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


class _SharedPartsGenerator(BytesGenerator):
    """A ``BytesGenerator`` that writes a campaign's shared parts from bytes made once.

    Flattening a 300 kB PDF line by line took most of a message's cost; every message of a
    campaign carries the same attachment, so its serialised form is computed once and reused.
    """

    def __init__(self, out: BinaryIO, shared: Mapping[int, bytes], policy: Policy) -> None:
        super().__init__(out, mangle_from_=False, policy=policy)
        self._out = out
        self._shared = shared

    def clone(self, fp: BinaryIO) -> _SharedPartsGenerator:  # type: ignore[override]
        return _SharedPartsGenerator(fp, self._shared, self.policy or _SMTP)

    def flatten(
        self, msg: Message[Any, Any], unixfrom: bool = False, linesep: str | None = None
    ) -> None:
        data = self._shared.get(id(msg))
        if data is not None and self.policy is not None and not getattr(self.policy, "utf8", 0):
            self._out.write(data)
            return
        super().flatten(msg, unixfrom, linesep)


def _serialised(part: MIMEPart) -> bytes:
    buffer = io.BytesIO()
    generator: BytesGenerator[Any] = BytesGenerator(buffer, mangle_from_=False, policy=_SMTP)
    generator.flatten(part, linesep="\r\n")
    return buffer.getvalue()


def _boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text: no need to scan the message for it.
    return "=_pressroom_" + secrets.token_hex(12)


@dataclass(frozen=True)
class Outgoing:
    """One message ready to send, with its envelope and its ``Message-ID``."""

    message: EmailMessage = field(compare=False)
    envelope: Envelope
    message_id: str
    shared: Mapping[int, bytes] = field(default_factory=dict, compare=False, repr=False)

    def as_bytes(self) -> bytes:
        """The message as sent on the wire (CRLF line ends); same bytes as ``message``'s."""
        buffer = io.BytesIO()
        generator = _SharedPartsGenerator(buffer, self.shared, self.message.policy)
        generator.flatten(self.message, linesep="\r\n")
        return buffer.getvalue()


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
    shared: Mapping[int, bytes] = field(default_factory=dict, repr=False)


def format_subject(pattern: str, values: dict[str, str]) -> str:
    """Fill ``{label}``, ``{title}``, ``{site}``, ``{date}``; any other placeholder is an error."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            known = ", ".join("{" + k + "}" for k in values)
            raise MailError(f"subject pattern {pattern!r}: unknown {{{key}}}; use {known}")
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


def _site_url(base_url: str) -> str:
    """``base_url`` made safe for a header: IDNA host, percent-encoded path, no slash at end."""
    parts = urlsplit(header_text(base_url))
    host = (parts.hostname or "localhost").encode("idna").decode("ascii")
    netloc = f"{host}:{parts.port}" if parts.port else host
    path = quote(parts.path.rstrip("/"), safe="/%")
    return urlunsplit((parts.scheme or "https", netloc, path, "", ""))


def _attachment(name: str, data: bytes) -> MIMEPart:
    part = MIMEPart(policy=_SMTP)
    clean = header_text(name).replace("/", "_").replace("\\", "_") or "piece-jointe"
    mime = mimetypes.guess_type(clean)[0] or "application/octet-stream"
    maintype, _, subtype = mime.partition("/")
    part.set_content(data, maintype, subtype, disposition="attachment", filename=clean)
    return part


def _downloads(
    site: Site, view: ReleaseView, options: MailOptions, *, attach: bool, public_url: str
) -> tuple[tuple[Download, ...], tuple[MIMEPart, ...]]:
    """The PDF and the release's files, each attached or linked; missing uploads left out."""
    downloads: list[Download] = []
    parts: list[MIMEPart] = []
    total = 0
    if options.pdf is not None:
        name, data = options.pdf
        label = gettext(view.lang, "The press release in PDF")
        if attach or not options.link_pdf:
            downloads.append(Download(label, name, attached=True))
            parts.append(_attachment(name, data))
            total += len(data)
        else:
            downloads.append(Download(label, name, url=public_url + quote(name)))
    for link in view.files:
        if not link.available:
            continue  # a journalist can do nothing with "unavailable"; `pressroom check` says it
        upload = upload_name(link.url)
        filename = (upload or link.url).rsplit("/", 1)[-1]
        label = link.label or filename
        if attach and upload is not None:
            if any(d.attached and d.filename == filename for d in downloads):
                # The office uploaded its own copy under the communiqué's PDF name: one is enough.
                continue
            data = (site.uploads_dir / upload).read_bytes()
            downloads.append(Download(label, filename, attached=True))
            parts.append(_attachment(filename, data))
            total += len(data)
        else:
            downloads.append(
                Download(
                    label, filename, url=absolute_url(_site_url(site.settings.base_url), link.url)
                )
            )
    if total > MAX_ATTACHED_BYTES:
        raise MailError(
            f"{view.release.path}: attachments weigh {total // 1_000_000} MB, more than mail "
            f"servers accept ({MAX_ATTACHED_BYTES // 1_000_000} MB); send links instead"
        )
    return tuple(downloads), tuple(parts)


def prepare_mail(site: Site, view: ReleaseView, options: MailOptions | None = None) -> PreparedMail:
    """Render what every recipient of a release shares; raises ``MailError`` on bad settings."""
    options = options or MailOptions()
    settings = site.settings
    release = view.release
    now = options.now or datetime.now(UTC)
    embargoed = now < release.date
    sender = parse_address(settings.sender, f"pressroom.toml: [mail] sender {settings.sender!r}")
    contact = view.contact
    reply_to = None
    if contact.email:
        reply_address = parse_address(contact.email, f"{release.path}: press contact's email")
        reply_to = header_address(contact.name, reply_address)
    base = _site_url(site.settings.base_url)
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
    downloads, parts = _downloads(
        site, view, options, attach=not release.is_public(now), public_url=public_url
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
        shared={id(part): _serialised(part) for part in parts},
    )


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
    """
    address = parse_address(recipient.email, "recipient")
    name = display_name(recipient.name)
    policy = _SMTPUTF8 if address.needs_smtputf8 else _SMTP
    hello = greeting(name, prepared.lang)
    html_body, text_body = prepared.html, prepared.text
    token = quote(header_text(unsubscribe_token or ""), safe="")
    unsubscribe_url = f"{prepared.base_url}/desabonnement/{token}" if token else ""
    if not token:
        html_body = prepared.html_without_unsubscribe
        text_body = prepared.text_without_unsubscribe
    html_body = html_body.replace(prepared.marker + "G", html.escape(hello)).replace(
        prepared.marker + "U", html.escape(unsubscribe_url)
    )
    text_body = text_body.replace(prepared.marker + "G", hello).replace(
        prepared.marker + "U", unsubscribe_url
    )

    message = EmailMessage(policy=policy)
    message["Subject"] = prepared.subject
    message["From"] = prepared.sender
    message["To"] = header_address(name, address)
    if prepared.reply_to is not None:
        message["Reply-To"] = prepared.reply_to
    message["Date"] = format_datetime((now or datetime.now(UTC)).astimezone(UTC))
    message_id = make_msgid(idstring=atom(delivery_id, "delivery id"), domain=prepared.domain)
    message["Message-ID"] = message_id
    message["List-Id"] = prepared.list_header
    if unsubscribe_url:
        mailto = f"mailto:{prepared.sender_address.envelope}?subject=unsubscribe%20{token}"
        # One URI per line, folded by hand: see _SMTP.
        message.set_raw("List-Unsubscribe", f"<{unsubscribe_url}>,\n <{mailto}>")
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
    envelope = Envelope(
        mail_from=verp_sender(delivery_id, prepared.sender_address.domain),
        rcpt_to=(address.envelope,),
        delivery_id=delivery_id,
        smtputf8=address.needs_smtputf8,
    )
    return Outgoing(
        message=message, envelope=envelope, message_id=message_id, shared=prepared.shared
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
