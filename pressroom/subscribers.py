"""Subscribers of the newsroom: double opt-in, confirmation and unsubscribing.

Subscribing records a *pending* row with the proof of consent and emails a signed link that
expires (itsdangerous); only opening it makes the subscription count. The answer is the same
whether or not the address was known, so the form tells nobody who subscribes. Unsubscribing
(a link in every message, RFC 8058's one-click POST included) puts the address on the
suppression list, which no audience ever gets past. Data rights are in ``data_rights``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pressroom import audit, suppression
from pressroom.config import Site
from pressroom.contacts import InvalidEmailError, address_hash, email_key, normalize_email
from pressroom.db import Database
from pressroom.errors import ConfigError, PressroomError
from pressroom.i18n import base_language, gettext
from pressroom.mail.headers import MailError
from pressroom.mail.notices import confirmation_notice, send_notice
from pressroom.mail.tokens import read_unsubscribe_token
from pressroom.models.subscribers import (
    Subscriber,
    confirmed_subscribers,
    subscriber_by_email,
    subscribers_page,
)
from pressroom.paging import page_count

Status = Literal["pending", "confirmed", "unsubscribed"]
CONFIRM_LINK_DAYS = 3
CONFIRM_LINK_AGE = timedelta(days=CONFIRM_LINK_DAYS)
MAX_TOPICS = 50
# "category:communique-de-presse", "tag:numerique": a kind and a slug as the newsroom makes it.
_TOPIC = re.compile(r"(?:category|tag):[a-z0-9][a-z0-9-]{0,99}")
_CONFIRM_SALT = "pressroom.subscribe.confirm"


class SubscriberError(PressroomError):
    """A subscription request or link was refused. ``message`` is an English msgid with
    ``{}`` fields, so the web shows it in the visitor's language; ``field`` names the input."""

    def __init__(self, message: str, *, field: str | None = None, **params: str) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params
        self.field = field

    def localized(self, lang: str) -> str:
        return gettext(lang, self.message).format(**self.params)


class SubscriberLinkError(SubscriberError):
    """A confirmation or unsubscribe link that is forged, altered or expired."""


@dataclass(frozen=True)
class SubscriberView:
    """One subscriber as services hand it out (never the ORM row)."""

    email: str
    language: str
    topics: tuple[str, ...]
    status: Status
    source: str
    consent_text: str
    consent_at: datetime
    consent_ip_hash: str
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    created_at: datetime


def to_view(row: Subscriber) -> SubscriberView:
    """The value services hand out for an ORM row."""
    return SubscriberView(
        email=row.email,
        language=row.language,
        topics=tuple(row.topics or ()),
        status=cast(Status, row.status),
        source=row.source,
        consent_text=row.consent_text,
        consent_at=row.consent_at,
        consent_ip_hash=row.consent_ip_hash,
        confirmed_at=row.confirmed_at,
        unsubscribed_at=row.unsubscribed_at,
        created_at=row.created_at,
    )


@dataclass(frozen=True)
class SubscriptionRequest:
    """What the public form sends: the address, topics, and the consent as it was shown."""

    email: str
    topics: tuple[str, ...]
    language: str
    consent_text: str
    client_ip: str = ""
    source: str = "form"


def subscriber_email(address: str) -> str:
    """The address as subscribers are stored and compared: normalised, lower-cased."""
    try:
        return email_key(normalize_email(address))
    except InvalidEmailError:
        raise SubscriberError(
            "This email address is not valid.", field="email", email=address.strip()[:80]
        ) from None


def check_topics(topics: Iterable[str], offered: Iterable[str] | None = None) -> tuple[str, ...]:
    """Topics in their stored form, each once, sorted; refuse unknown ones (or any not
    ``offered``, when the caller knows the newsroom's categories and tags)."""
    allowed = None if offered is None else frozenset(offered)
    chosen = sorted({t.strip() for t in topics if t.strip()})
    for topic in chosen:
        if not _TOPIC.fullmatch(topic) or (allowed is not None and topic not in allowed):
            raise SubscriberError("Unknown topic: {topic}.", field="topics", topic=topic[:80])
    if len(chosen) > MAX_TOPICS:
        raise SubscriberError("Too many topics.", field="topics")
    return tuple(chosen)


def ip_proof(secret: str, client_ip: str) -> str:
    """A keyed hash of the client's IP address: it can confirm a claimed address, but nobody
    can list addresses from it (a bare SHA-256 of 4 billion IPv4 addresses is easily undone)."""
    if not client_ip:
        return ""
    return hmac.new(secret.encode(), client_ip.encode(), hashlib.sha256).hexdigest()


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if not secret:
        raise ConfigError("no secret key set (PRESSROOM_SECRET_KEY): cannot sign links")
    return URLSafeTimedSerializer(secret, salt=_CONFIRM_SALT)


def confirmation_token(secret: str, email: str, topics: tuple[str, ...], lang: str) -> str:
    """The signed token of a confirmation link: the address and the topics asked for."""
    return str(_serializer(secret).dumps({"e": email, "t": list(topics), "l": lang}))


def subscribe(
    database: Database,
    site: Site,
    config: Mapping[str, Any],
    asked: SubscriptionRequest,
    link_for: Callable[[str], str],
    offered_topics: Iterable[str] | None = None,
) -> None:
    """Record a pending subscription and email its confirmation link.

    Says nothing about whether the address was known. A confirmed subscriber is left as is
    until the new link is opened (which then changes their topics): a stranger typing their
    address can neither unsubscribe them nor change what they receive.
    """
    email = subscriber_email(asked.email)
    topics = check_topics(asked.topics, offered_topics)
    if not asked.consent_text.strip():
        raise SubscriberError("Please tick the consent box to subscribe.", field="consent")
    lang = base_language(asked.language)
    secret = str(config["SECRET_KEY"])
    with database.session() as session:
        row = subscriber_by_email(session, email)
        if row is None:
            row = Subscriber(email=email, status="pending")
            session.add(row)
        if row.status != "confirmed":
            row.status = "pending"
            row.topics = list(topics)
            row.language = lang
            row.source = asked.source[:64]
            row.consent_text = asked.consent_text.strip()
            row.consent_at = datetime.now(UTC)
            row.consent_ip_hash = ip_proof(secret, asked.client_ip)
        audit.add(session, None, audit.Action.SUBSCRIBER_REQUESTED, address_hash(email))
    link = link_for(confirmation_token(secret, email, topics, lang))
    try:
        send_notice(site, config, confirmation_notice(site, email, link, lang, CONFIRM_LINK_DAYS))
    except MailError:
        raise SubscriberError(
            "The confirmation message could not be sent. Please try again later."
        ) from None


def read_confirmation(secret: str, token: str) -> tuple[dict[str, Any], datetime]:
    try:
        payload, signed_at = _serializer(secret).loads(
            token, max_age=int(CONFIRM_LINK_AGE.total_seconds()), return_timestamp=True
        )
    except SignatureExpired:
        raise SubscriberLinkError(
            "This confirmation link has expired. Subscribe again to receive a new one."
        ) from None
    except BadSignature:
        raise SubscriberLinkError("This confirmation link is not valid.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise SubscriberLinkError("This confirmation link is not valid.")
    return payload, signed_at


def confirm(database: Database, secret: str, token: str) -> SubscriberView:
    """Confirm the subscription a link names; the address is then taken off the suppression
    list, since the person asked again and proved the address is theirs."""
    payload, signed_at = read_confirmation(secret, token)
    email = payload["e"]
    topics = check_topics(t for t in payload.get("t", []) if isinstance(t, str))
    with database.session() as session:
        row = subscriber_by_email(session, email)
        # Erased since, or unsubscribed after the link was sent: the link no longer counts.
        # (The token's time has whole seconds: a second's grace keeps a link sent just after.)
        if row is None or (
            row.unsubscribed_at is not None
            and row.unsubscribed_at > signed_at + timedelta(seconds=1)
        ):
            raise SubscriberLinkError("This confirmation link is not valid.")
        now = datetime.now(UTC)
        if row.status != "confirmed":
            row.confirmed_at = now
        row.status = "confirmed"
        row.topics = list(topics)
        row.language = base_language(str(payload.get("l") or row.language))
        row.unsubscribed_at = None
        suppression.lift_in(session, email)
        audit.add(session, None, audit.Action.SUBSCRIBER_CONFIRMED, address_hash(email))
        session.flush()
        return to_view(row)


@dataclass(frozen=True)
class Unsubscribed:
    """Who an unsubscribe link was for, and from which list it came."""

    email: str
    list_id: str


def read_unsubscribe_link(secret: str, token: str) -> Unsubscribed:
    """What an unsubscribe link names, without acting (the GET page shows it)."""
    try:
        email, list_id = read_unsubscribe_token(secret, token)
    except PressroomError:
        raise SubscriberLinkError("This unsubscribe link is not valid.") from None
    return Unsubscribed(email, list_id)


def unsubscribe(database: Database, secret: str, token: str, source: str) -> Unsubscribed:
    """Act on an unsubscribe link: the address goes on the suppression list, a subscriber
    row becomes ``unsubscribed``. Doing it twice is harmless."""
    target = read_unsubscribe_link(secret, token)
    email = email_key(target.email)
    with database.session() as session:
        where = f"{source} ({target.list_id})" if target.list_id else source
        suppression.suppress_in(session, email, "unsubscribe", where)
        row = subscriber_by_email(session, email)
        if row is not None and row.status != "unsubscribed":
            row.status = "unsubscribed"
            row.unsubscribed_at = datetime.now(UTC)
        audit.add(
            session, None, audit.Action.SUBSCRIBER_UNSUBSCRIBED, address_hash(email), {"via": where}
        )
    return target


def find_subscriber(database: Database, address: str) -> SubscriberView | None:
    """The subscriber with this address, if any."""
    with database.session() as session:
        row = subscriber_by_email(session, email_key(address))
        return None if row is None else to_view(row)


@dataclass(frozen=True)
class SubscriberPage:
    """A page of subscribers for the back office, and how many match in all."""

    subscribers: tuple[SubscriberView, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def subscriber_list(
    database: Database,
    status: str | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = 50,
) -> SubscriberPage:
    """Subscribers, newest first, optionally of one status or containing ``search``."""
    if status and status not in ("pending", "confirmed", "unsubscribed"):
        raise SubscriberError("Unknown status: {status}.", field="status", status=status[:20])
    page = max(1, page)
    with database.session() as session:
        rows, total = subscribers_page(
            session, status or None, search.strip(), per_page, (page - 1) * per_page
        )
        views = tuple(to_view(row) for row in rows)
    return SubscriberPage(views, total, page, per_page)


@dataclass(frozen=True)
class Follower:
    """A confirmed subscriber as an audience sees them."""

    email: str
    language: str
    topics: tuple[str, ...]


def subscribers_for_topics(database: Database, topics: Iterable[str]) -> tuple[Follower, ...]:
    """Confirmed subscribers who follow one of ``topics`` ("all" for every one of them).

    A subscriber who chose no topic follows everything the newsroom publishes.
    """
    wanted = frozenset(topics)
    if not wanted:
        return ()
    with database.session() as session:
        rows = confirmed_subscribers(session)
    every = "all" in wanted
    return tuple(
        Follower(email, language, tuple(followed))
        for email, language, followed in rows
        if every or not followed or not wanted.isdisjoint(followed)
    )
