"""Campaigns: a release sent to an audience, a test send, new recipients only, a correction.

The service the CLI, the back office and the tasks share. Making a campaign writes one
``pending`` delivery per recipient; sending is the engine's job (``pressroom.sending``), run
by a worker or by ``pressroom send --wait``. Who may send: publishers and admins; an editor's
campaign needs a publisher's approval of the release's version (``check_may_send``); a draft
goes only to test addresses. A campaign may wait for a given time (``scheduled_at``): until
then it can be cancelled or rescheduled.

Refusals are ``CampaignError``s whose ``message`` is an English msgid: the CLI and the back
office show them in their interface language (``localized``), the core importing no Flask.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from pressroom import audit
from pressroom.audience import Suppressions, compute_audience
from pressroom.config import Site
from pressroom.contacts import (
    InvalidEmailError,
    email_key,
    list_names,
    normalize_email,
    read_list,
)
from pressroom.contacts_export import neutralise
from pressroom.db import Database
from pressroom.errors import NotFoundError, PressroomError
from pressroom.i18n import gettext
from pressroom.models.campaigns import (
    Campaign,
    add_deliveries,
    campaigns_page,
    deliveries_page,
    iter_deliveries,
    reached_addresses,
    sent_recipients,
)
from pressroom.models.deliveries import sent_since, status_counts
from pressroom.release import Release
from pressroom.send_time import check_future
from pressroom.store import load_catalog
from pressroom.suppression import suppressed_hashes

Kind = Literal["normal", "test", "new-recipients", "correction"]
Action = Literal["pause", "resume", "cancel"]
# The window over which the sending rate (and so the time left) is measured.
RATE_WINDOW = timedelta(minutes=2)


class CampaignError(PressroomError):
    """A campaign cannot be made or changed as asked.

    ``message`` is an English msgid with ``{}`` fields, so the terminal and the back office say
    it in their language; the fields named in ``terms`` are msgids too (a status, a reason);
    ``field`` names the form input at fault, if one is.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        terms: tuple[str, ...] = (),
        **params: str,
    ) -> None:
        super().__init__(message.format(**params))
        self.message = message
        self.params = params
        self.terms = terms
        self.field = field

    def localized(self, lang: str) -> str:
        """The message in an interface language."""
        values = {
            name: gettext(lang, value) if name in self.terms else value
            for name, value in self.params.items()
        }
        return gettext(lang, self.message).format(**values)


class ApprovalRequiredError(CampaignError):
    """The campaign needs a publisher's approval before it can go to real recipients."""


class CampaignNotFoundError(CampaignError, NotFoundError):
    """A campaign, release or list named by a person does not exist."""


@dataclass(frozen=True)
class Actor:
    """Who acts: an address for the audit log and a role (the terminal's operator is admin)."""

    email: str
    role: str  # editor | publisher | admin


TERMINAL = Actor("terminal", "admin")


@dataclass(frozen=True)
class Planned:
    """One recipient of a campaign in the making: address, name, and the list it came from."""

    address: str
    name: str = ""
    source: str = ""


@dataclass(frozen=True)
class AudiencePlan:
    """Who a campaign would reach, and why the others are left out."""

    recipients: tuple[Planned, ...]
    already_reached: int = 0
    suppressed: int = 0
    duplicates: int = 0
    filtered_out: int = 0


@dataclass(frozen=True)
class Progress:
    """Where a campaign stands: counts per status, rate (per minute), seconds left."""

    pending: int
    sending: int
    sent: int
    failed: int
    suppressed: int
    rate_per_minute: float
    seconds_left: float | None

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed + self.suppressed

    @property
    def finished(self) -> int:
        return self.sent + self.failed + self.suppressed


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign as lists and pages show it."""

    id: int
    release_slug: str
    title: str
    kind: str
    status: str
    list_id: str
    audience: dict[str, object]
    scheduled_at: datetime
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    corrects_id: int | None

    def leaves_at(self, now: datetime) -> datetime | None:
        """When a campaign waiting for its time will leave; None once it has started or is
        due (a campaign sent "now" is due as soon as it is made)."""
        if self.status == "scheduled" and self.scheduled_at > now:
            return self.scheduled_at
        return None


def _info(row: Campaign) -> CampaignInfo:
    return CampaignInfo(
        row.id,
        row.release_slug,
        row.title,
        row.kind,
        row.status,
        row.list_id,
        dict(row.audience),
        row.scheduled_at,
        row.created_by,
        row.created_at,
        row.started_at,
        row.finished_at,
        row.corrects_id,
    )


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


def _check_lists(site: Site, names: Iterable[str]) -> None:
    """Name an unknown list (or a name no list can have) before reading any."""
    known = set(list_names(site))
    for name in names:
        if name not in known:
            raise CampaignNotFoundError(
                "There is no contact list named {name}.", field="lists", name=name
            )


def plan_audience(
    site: Site,
    database: Database | None,
    release: Release,
    lists: Iterable[str],
    beats: Iterable[str] = (),
    extra: Iterable[Planned] = (),
) -> AudiencePlan:
    """The recipients of a new campaign: the lists' contacts with one of ``beats``, then
    ``extra`` (subscribers), each address once, without suppressed addresses nor those the
    release already reached. ``database`` None: nothing sent yet, nothing suppressed."""
    lists = tuple(lists)
    _check_lists(site, lists)
    contact_lists = [read_list(site, name) for name in lists]
    suppressed = suppressed_hashes(database) if database is not None else Suppressions.of(())
    audience = compute_audience(contact_lists, beats, suppressed)
    source_of: dict[str, str] = {}
    for contact_list in reversed(contact_lists):  # the first list wins, as in the audience
        source_of.update(dict.fromkeys(contact_list.by_key, contact_list.name))
    reached: set[str] = set()
    if database is not None:
        with database.session() as session:
            reached = reached_addresses(session, release.path)
    seen: set[str] = set()
    recipients: list[Planned] = []
    already = 0
    suppressed_extra = duplicates = 0
    candidates = [
        Planned(c.key, c.display_name, source_of.get(c.key, "")) for c in audience.recipients
    ]
    for planned in candidates + list(extra):
        key = email_key(planned.address)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        if key in suppressed:
            suppressed_extra += 1
            continue
        if key in reached:
            already += 1
            continue
        recipients.append(Planned(key, planned.name, planned.source))
    return AudiencePlan(
        tuple(recipients),
        already_reached=already,
        suppressed=audience.suppressed + suppressed_extra,
        duplicates=audience.duplicates + duplicates,
        filtered_out=audience.filtered_out,
    )


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
        return _info(row)


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
            raise _no_campaign(original_id)
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


_TRANSITIONS: dict[Action, tuple[tuple[str, ...], str]] = {
    "pause": (("scheduled", "running"), "paused"),
    "resume": (("paused",), "running"),
    "cancel": (("scheduled", "running", "paused"), "cancelled"),
}
_AUDITED: dict[Action, audit.Action] = {
    "pause": audit.Action.CAMPAIGN_PAUSE,
    "resume": audit.Action.CAMPAIGN_RESUME,
    "cancel": audit.Action.CAMPAIGN_CANCEL,
}
_REFUSED: dict[Action, str] = {
    "pause": "Campaign {id} is {status}: it cannot be paused.",
    "resume": "Campaign {id} is {status}: it cannot be resumed.",
    "cancel": "Campaign {id} is {status}: it cannot be cancelled.",
}


def _no_campaign(campaign_id: int) -> CampaignNotFoundError:
    return CampaignNotFoundError("Campaign {id} does not exist.", id=str(campaign_id))


def change_status(database: Database, campaign_id: int, action: Action, *, actor: Actor) -> str:
    """Pause, resume or cancel; returns the new status. Workers stop at their next batch."""
    allowed, target = _TRANSITIONS[action]
    with database.session() as session:
        row = session.get(Campaign, campaign_id)
        if row is None:
            raise _no_campaign(campaign_id)
        if row.status not in allowed:
            raise CampaignError(
                _REFUSED[action], id=str(campaign_id), status=row.status, terms=("status",)
            )
        row.status = target
        if target == "cancelled":
            row.finished_at = datetime.now(UTC)
        audit.add(session, actor.email, _AUDITED[action], f"campaign {campaign_id}", {})
        return target


def reschedule(database: Database, campaign_id: int, at: datetime, *, actor: Actor) -> CampaignInfo:
    """Move the time a scheduled campaign leaves, while that time has not come.

    The row is read for update (PostgreSQL locks it; SQLite writes one at a time), and the
    engine starts a campaign only once its time has come, so a campaign is never moved while
    it is leaving. The caller queues it for the new time.
    """
    now = datetime.now(UTC)
    check_future(at, now)
    with database.session() as session:
        row = session.get(Campaign, campaign_id, with_for_update=True)
        if row is None:
            raise _no_campaign(campaign_id)
        if row.status != "scheduled" or row.scheduled_at <= now:
            raise CampaignError(
                "Campaign {id} has already left: it can no longer be rescheduled.",
                id=str(campaign_id),
            )
        row.scheduled_at = at
        audit.add(
            session,
            actor.email,
            audit.Action.CAMPAIGN_RESCHEDULE,
            f"campaign {campaign_id}",
            {"at": at.astimezone(UTC).isoformat()},
        )
        return _info(row)


def get_campaign(database: Database, campaign_id: int) -> CampaignInfo:
    """One campaign, or ``NotFoundError``."""
    with database.session() as session:
        row = session.get(Campaign, campaign_id)
        if row is None:
            raise _no_campaign(campaign_id)
        return _info(row)


def list_campaigns(database: Database, limit: int = 50, offset: int = 0) -> list[CampaignInfo]:
    """Campaigns, newest first."""
    with database.session() as session:
        return [_info(row) for row in campaigns_page(session, limit, offset)]


def progress(database: Database, campaign_id: int, now: datetime | None = None) -> Progress:
    """Counts per status, the rate over the last minutes, and the time left at that rate."""
    now = now or datetime.now(UTC)
    with database.session() as session:
        counts = status_counts(session, campaign_id)
        recent = sent_since(session, campaign_id, now - RATE_WINDOW)
    rate = recent / (RATE_WINDOW.total_seconds() / 60)
    waiting = counts.get("pending", 0) + counts.get("sending", 0)
    seconds_left = waiting / rate * 60 if rate and waiting else (0.0 if not waiting else None)
    return Progress(
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        suppressed=counts.get("suppressed", 0),
        rate_per_minute=rate,
        seconds_left=seconds_left,
    )


REPORT_COLUMNS = (
    "email",
    "name",
    "list",
    "status",
    "attempts",
    "smtp_code",
    "smtp_reply",
    "message_id",
    "sent_at",
)


def report_rows(database: Database, campaign_id: int) -> Iterator[list[str]]:
    """The per-recipient report, header first; every cell neutralised for spreadsheets."""
    yield list(REPORT_COLUMNS)
    with database.session() as session:
        for row in iter_deliveries(session, campaign_id):
            cells = [
                row.address,
                row.name,
                row.source,
                row.status,
                str(row.attempts),
                "" if row.last_code is None else str(row.last_code),
                row.last_reply,
                row.message_id,
                row.sent_at.isoformat() if row.sent_at else "",
            ]
            yield [neutralise(cell) for cell in cells]


def report_page(
    database: Database, campaign_id: int, status: str | None, page: int, per_page: int
) -> list[dict[str, object]]:
    """One page of the per-recipient report for the back office, in planning order."""
    with database.session() as session:
        return [
            {
                "address": row.address,
                "name": row.name,
                "source": row.source,
                "status": row.status,
                "attempts": row.attempts,
                "code": row.last_code,
                "reply": row.last_reply,
                "sent_at": row.sent_at,
            }
            for row in deliveries_page(
                session, campaign_id, status, per_page, (page - 1) * per_page
            )
        ]


def report_csv(database: Database, campaign_id: int, delimiter: str = ";") -> Iterator[bytes]:
    """The report as CSV chunks (UTF-8 with a BOM, CRLF), streamed row by row."""
    get_campaign(database, campaign_id)  # NotFoundError before the first byte
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    first = True
    for cells in report_rows(database, campaign_id):
        writer.writerow(cells)
        chunk = buffer.getvalue().encode("utf-8-sig" if first else "utf-8")
        first = False
        buffer.seek(0)
        buffer.truncate()
        yield chunk
