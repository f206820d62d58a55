"""A campaign's message, prepared once per run of the engine and personalised per delivery.

The release is read from its file when the engine runs, not when the campaign was made: a
correction made to the file before the campaign left goes out with it.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from pressroom.config import Site
from pressroom.db import Database
from pressroom.errors import NotFoundError
from pressroom.i18n import gettext
from pressroom.mail.message import (
    DEFAULT_SUBJECT,
    MailOptions,
    Recipient,
    Sendable,
    prepare_mail,
)
from pressroom.mail.template import MessageTemplate, message_template
from pressroom.mail.tokens import unsubscribe_token
from pressroom.models.campaigns import Campaign
from pressroom.models.deliveries import Claimed
from pressroom.pdfname import release_pdf_name
from pressroom.release import Release
from pressroom.render.context import release_view
from pressroom.store import read_release

SECRET_KEY_ENV = "PRESSROOM_SECRET_KEY"


@dataclass(frozen=True)
class CampaignMail:
    """What every message of one campaign shares, and how to sign its unsubscribe links."""

    campaign_id: int
    kind: str
    list_id: str
    template: MessageTemplate
    secret: str


def site_secret(site: Site) -> str:
    """``PRESSROOM_SECRET_KEY``, else the key kept in ``instance/secret_key`` (the web app's
    own, so that the links the engine signs are the ones the unsubscribe page accepts)."""
    from_env = os.environ.get(SECRET_KEY_ENV)
    if from_env:
        return from_env
    path = site.ensure_instance() / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: read theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def subject_pattern(kind: str, lang: str) -> str:
    """The subject: a correction says so first; a test send too."""
    if kind == "correction":
        return f"[{gettext(lang, 'Correction')}] {DEFAULT_SUBJECT}"
    if kind == "test":
        return f"[{gettext(lang, 'Test')}] {DEFAULT_SUBJECT}"
    return DEFAULT_SUBJECT


def release_at(site: Site, release_path: str) -> Release:
    """The release a campaign sends, read from its file now."""
    path = site.root / release_path
    if not path.is_file():
        raise NotFoundError(f"{release_path}: the release of this campaign no longer exists")
    release, _problems = read_release(site, path)
    return release


def pdf_for_mail(site: Site, release: Release, link: bool) -> tuple[str, bytes]:
    """The release's PDF for the message: only its name when it will be linked."""
    if link:
        return (release_pdf_name(release), b"")
    from pressroom.pdfcache import pdf_for

    cached = pdf_for(site, release)
    return (cached.name, cached.path.read_bytes())


def campaign_mail(site: Site, database: Database, campaign_id: int) -> CampaignMail:
    """Prepare the campaign's shared message (templates rendered once, PDF read once)."""
    from datetime import UTC, datetime

    with database.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFoundError(f"campaign {campaign_id} does not exist")
        path, kind, list_id, link = (
            campaign.release_path,
            campaign.kind,
            campaign.list_id,
            campaign.link_pdf,
        )
    release = release_at(site, path)
    view = release_view(site, release)
    # Under embargo the PDF is attached whatever the campaign says (its link answers 404).
    link = link and release.is_public(datetime.now(UTC))
    options = MailOptions(
        list_id=list_id,
        list_name=list_id,
        subject_pattern=subject_pattern(kind, view.lang),
        pdf=pdf_for_mail(site, release, link),
        link_pdf=link,
    )
    prepared = prepare_mail(site, view, options)
    secret = "" if kind == "test" else site_secret(site)
    template = message_template(prepared, unsubscribe=kind != "test")
    return CampaignMail(campaign_id, kind, list_id, template, secret)


def outgoing_for(mail: CampaignMail, claimed: Claimed) -> Sendable:
    """One delivery's message, filled in the campaign's template; test sends carry no
    unsubscribe link (nobody subscribed)."""
    token = None
    if mail.kind != "test":
        token = unsubscribe_token(mail.secret, claimed.address, claimed.source or mail.list_id)
    return mail.template.fill(
        Recipient(claimed.address, claimed.name),
        delivery_id=claimed.delivery_id,
        unsubscribe_token=token,
    )
