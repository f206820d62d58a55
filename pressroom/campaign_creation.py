"""Making campaigns: to an audience, to test addresses, or a correction; and who may send.

Making a campaign writes one ``pending`` delivery per recipient; sending is the engine's job
(``pressroom.sending``). Publishers and admins send; an editor's campaign needs a publisher's
approval of the release's version (``check_may_send``); a draft goes only to test addresses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pressroom import audit
from pressroom.campaign_audience import AudiencePlan, Planned, plan_audience
from pressroom.campaigns import (
    TERMINAL,
    Actor,
    ApprovalRequiredError,
    CampaignError,
    CampaignInfo,
    CampaignNotFoundError,
    Kind,
)
from pressroom.config import Site
from pressroom.contacts import InvalidEmailError, email_key, normalize_email
from pressroom.db import Database
from pressroom.errors import NotFoundError
from pressroom.models.campaigns import Campaign, add_deliveries, sent_recipients
from pressroom.release import Release
from pressroom.send_time import check_future
from pressroom.store import load_catalog


def check_may_send(
    site: Site, database: Database, actor: Actor, release: Release, kind: Kind
) -> None:
    """Refuse drafts (except test sends), editors, and versions awaiting a publisher's approval.

    Editors draft; publishers and admins send, and a version an editor wrote (or one edited
    outside the back office) goes out only once a publisher approved it in the release form.
    The terminal's operator acts as an admin: sending from the terminal is their approval.
    """
    check_published(release, kind)
    if kind == "test":
        return
    if actor.role not in ("publisher", "admin"):
        raise ApprovalRequiredError(
            "{slug}: only publishers and admins send to lists; ask one to send it.",
            slug=release.slug,
        )
    if actor is TERMINAL:
        return
    from pressroom.publishing import ApprovalError, require_approval

    try:
        require_approval(database, site, release)
    except ApprovalError as exc:
        raise ApprovalRequiredError(
            "{slug}: {reason}", slug=release.slug, reason=exc.message, terms=("reason",)
        ) from None


def check_published(release: Release, kind: Kind) -> None:
    """Refuse a draft except for a test send (a dry run checks this much without a database)."""
    if kind != "test" and not release.published:
        raise CampaignError(
            "{slug}: this release is a draft; send it to test addresses only "
            "(publish it first to send it to a list).",
            field="slug",
            slug=release.slug,
        )


def find_release(site: Site, slug: str) -> Release:
    """The release with this slug, drafts included."""
    try:
        return load_catalog(site).get(slug)
    except NotFoundError:
        raise CampaignNotFoundError(
            "No release has the slug {slug}.", field="slug", slug=slug
        ) from None


def _create(
    database: Database,
    release: Release,
    kind: Kind,
    recipients: Iterable[Planned],
    actor: Actor,
    audience: dict[str, object],
    *,
    list_id: str,
    scheduled_at: datetime | None = None,
    corrects_id: int | None = None,
    link_pdf: bool = False,
) -> CampaignInfo:
    now = datetime.now(UTC)
    with database.session() as session:
        row = Campaign(
            release_path=release.path,
            release_slug=release.slug,
            title=release.title[:1000],
            audience=audience,
            list_id=list_id,
            link_pdf=link_pdf,
            kind=kind,
            corrects_id=corrects_id,
            status="scheduled",
            scheduled_at=scheduled_at or now,
            created_by=actor.email,
            created_at=now,
        )
        session.add(row)
        session.flush()
        count = add_deliveries(
            session, row.id, ((p.address, p.name, p.source) for p in recipients), now
        )
        audit.add(
            session,
            actor.email,
            audit.Action.CAMPAIGN_CREATE,
            f"campaign {row.id}",
            {"release": release.slug, "kind": kind, "recipients": count},
        )
        return CampaignInfo.of(row)


def _list_id(lists: tuple[str, ...]) -> str:
    return lists[0] if lists else "presse"


def create_campaign(
    site: Site,
    database: Database,
    slug: str,
    lists: Iterable[str],
    beats: Iterable[str] = (),
    *,
    actor: Actor,
    extra: Iterable[Planned] = (),
    scheduled_at: datetime | None = None,
    link_pdf: bool = False,
) -> tuple[CampaignInfo | None, AudiencePlan]:
    """Make a campaign for the release and audience; none when nobody new is left to reach.

    A release sent before goes only to those it never reached (kind ``new-recipients``).
    With ``scheduled_at`` (a moment to come) it leaves then; until then it can be cancelled.
    """
    if scheduled_at is not None:
        check_future(scheduled_at, datetime.now(UTC))
    release = find_release(site, slug)
    names, wanted = tuple(lists), tuple(beats)
    if not names and not extra:
        raise CampaignError("Choose at least one contact list.", field="lists")
    plan = plan_audience(site, database, release, names, wanted, extra)
    kind: Kind = "new-recipients" if plan.already_reached else "normal"
    check_may_send(site, database, actor, release, kind)
    if not plan.recipients:
        return None, plan
    audience: dict[str, object] = {"lists": list(names), "beats": list(wanted)}
    info = _create(
        database,
        release,
        kind,
        plan.recipients,
        actor,
        audience,
        list_id=_list_id(names),
        scheduled_at=scheduled_at,
        link_pdf=link_pdf,
    )
    return info, plan


def create_test_send(
    site: Site, database: Database, slug: str, addresses: Iterable[str], *, actor: Actor
) -> CampaignInfo:
    """A campaign to test addresses only (drafts allowed; no unsubscribe link)."""
    release = find_release(site, slug)
    check_may_send(site, database, actor, release, "test")
    planned: dict[str, Planned] = {}
    for address in addresses:
        try:
            key = email_key(normalize_email(address))
        except InvalidEmailError:
            raise CampaignError(
                "{address} is not a valid email address.", field="test_to", address=address
            ) from None
        planned.setdefault(key, Planned(key, "", "test"))
    if not planned:
        raise CampaignError("Give at least one test address.", field="test_to")
    audience: dict[str, object] = {"test_to": list(planned)}
    return _create(database, release, "test", planned.values(), actor, audience, list_id="test")


def create_correction(
    site: Site,
    database: Database,
    original_id: int,
    *,
    actor: Actor,
    slug: str | None = None,
) -> CampaignInfo:
    """A correction ("rectificatif") to exactly those the original campaign reached.

    The release is the original's (edited since, presumably) unless ``slug`` names another.
    """
    with database.session() as session:
        original = session.get(Campaign, original_id)
        if original is None:
            raise CampaignNotFoundError.of_campaign(original_id)
        if original.kind == "test":
            raise CampaignError(
                "Campaign {id} is a test send: there is nothing to correct.", id=str(original_id)
            )
        release_slug, list_id = original.release_slug, original.list_id
        recipients = [Planned(a, n, s) for a, n, s in sent_recipients(session, original_id)]
    release = find_release(site, slug or release_slug)
    check_may_send(site, database, actor, release, "correction")
    if not recipients:
        raise CampaignError(
            "Campaign {id} has reached nobody yet: there is nothing to correct.",
            id=str(original_id),
        )
    audience: dict[str, object] = {"corrects": original_id}
    return _create(
        database,
        release,
        "correction",
        recipients,
        actor,
        audience,
        list_id=list_id,
        corrects_id=original_id,
    )
