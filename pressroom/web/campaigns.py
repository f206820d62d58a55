"""The back office's campaigns under ``/admin/campagnes/``: start, watch, stop, correct.

Publishers and admins only: a campaign sends a release to real people. Starting one goes through
``pressroom.campaign_creation`` (as ``pressroom send`` does) and queues it on the site's Huey
queue; a worker (``pressroom worker`` or the one in ``pressroom serve``) sends it. The detail
page shows the delivery table as it is now; ``static/campaigns.js`` refreshes its counts from
``progress.json`` (the back office's CSP allows no inline script), and an "Actualiser" link does
the same without JavaScript. A campaign may be given a time to leave (a ``datetime-local`` in
the site's time zone); until then its page can cancel or reschedule it. The services' refusals
are shown in the back office's language (``localized_error``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from pressroom.campaign_control import Action, change_status, reschedule
from pressroom.campaign_creation import create_campaign, create_correction, create_test_send
from pressroom.campaign_report import progress, report_csv, report_page
from pressroom.campaigns import Actor, CampaignInfo, get_campaign, list_campaigns
from pressroom.contacts import list_names
from pressroom.contacts_edit import outlets_and_beats, read_lists
from pressroom.errors import NotFoundError, PressroomError
from pressroom.i18n import localized_error
from pressroom.paging import page_count
from pressroom.release_form import local_input
from pressroom.send_time import SendTimeError, parse_send_time, send_time_text
from pressroom.web import state
from pressroom.web.backoffice import current_account, database, language, render_page, t
from pressroom.web.security import add_backoffice_headers, role_required

bp = Blueprint("campaigns_admin", __name__, url_prefix="/admin/campagnes")
bp.after_request(add_backoffice_headers)

PAGE_SIZE = 100
STATUSES = ("pending", "sending", "sent", "failed", "suppressed")
ACTIONS: tuple[Action, ...] = ("pause", "resume", "cancel")
_ADDRESSES = re.compile(r"[\s,;]+")


def _actor() -> Actor:
    account = current_account()
    if account is None:  # require_login_for_admin has already answered
        abort(401)
    return Actor(account.email, str(account.role))


def _campaign_or_404(campaign_id: int) -> CampaignInfo:
    try:
        return get_campaign(database(), campaign_id)
    except NotFoundError:
        abort(404)


def _when(moment: datetime) -> str:
    """``1er décembre 2026 à 09:30``: the site's zone, the back office's language."""
    return send_time_text(moment, state.site().settings.zone, language())


def _leaves_text(info: CampaignInfo, now: datetime) -> str:
    """When a campaign waiting for its time leaves, else empty."""
    leaves = info.leaves_at(now)
    return "" if leaves is None else _when(leaves)


def _refusal(exc: PressroomError) -> str:
    return localized_error(exc, language())


def _progress_data(campaign_id: int) -> dict[str, Any]:
    """The counts the page and the JSON share."""
    now = progress(database(), campaign_id)
    return {
        "pending": now.pending,
        "sending": now.sending,
        "sent": now.sent,
        "failed": now.failed,
        "suppressed": now.suppressed,
        "total": now.total,
        "rate_per_minute": round(now.rate_per_minute, 1),
        "seconds_left": None if now.seconds_left is None else round(now.seconds_left),
        "status": get_campaign(database(), campaign_id).status,
    }


@bp.get("/")
@role_required("publisher")
def index() -> str:
    """Campaigns, newest first, with their counts and when the scheduled ones leave."""
    campaigns = list_campaigns(database(), limit=100)
    counts = {c.id: progress(database(), c.id) for c in campaigns}
    now = datetime.now(UTC)
    leaves = {c.id: _leaves_text(c, now) for c in campaigns}
    return render_page(
        "admin/campaigns/index.html", campaigns=campaigns, counts=counts, leaves=leaves
    )


def _form_page(values: dict[str, Any], errors: dict[str, list[str]]) -> str:
    site = state.site()
    loaded, _problems = read_lists(site)
    _outlets, beats = outlets_and_beats(loaded)
    releases = sorted(state.catalog().releases, key=lambda r: r.date, reverse=True)
    return render_page(
        "admin/campaigns/new.html",
        releases=releases,
        lists=list_names(site),
        beats=beats,
        values=values,
        errors=errors,
        zone=site.settings.timezone,
    )


@bp.get("/nouvelle")
@role_required("publisher")
def new() -> str:
    """The form to start a campaign or a test send."""
    return _form_page({"slug": request.args.get("release", ""), "lists": [], "beats": []}, {})


def _send_at(text: str, test_send: bool) -> datetime | None:
    """The form's optional time to leave (``datetime-local``, the site's zone); empty: now."""
    if not text.strip():
        return None
    if test_send:
        raise SendTimeError("A test send leaves at once: leave the time empty.")
    return parse_send_time(text, state.site().settings.zone)


@bp.post("/nouvelle")
@role_required("publisher")
def create() -> Any:
    """Make the campaign through the service, then queue it for a worker (now or at its time)."""
    values: dict[str, Any] = {
        "slug": request.form.get("slug", ""),
        "lists": request.form.getlist("lists"),
        "beats": request.form.getlist("beats"),
        "test_to": request.form.get("test_to", "")[:2000],
        "send_at": request.form.get("send_at", "")[:64],
    }
    addresses = [a for a in _ADDRESSES.split(values["test_to"]) if a]
    site, db = state.site(), database()
    try:
        when = _send_at(values["send_at"], bool(addresses))
        if addresses:
            info = create_test_send(site, db, values["slug"], addresses, actor=_actor())
        else:
            made, _plan = create_campaign(
                site,
                db,
                values["slug"],
                values["lists"],
                values["beats"],
                actor=_actor(),
                scheduled_at=when,
            )
            if made is None:
                flash(t("0 new recipients: everyone on these lists already received it."))
                return redirect(url_for("campaigns_admin.index"))
            info = made
    except PressroomError as exc:
        field = getattr(exc, "field", None) or ""
        return _form_page(values, {field: [_refusal(exc)]}), 400
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id, at=when)
    if when is not None:
        flash(t("Campaign {id} scheduled for {when}.", id=str(info.id), when=_when(when)))
    else:
        flash(t("Campaign {id} queued.", id=str(info.id)))
    return redirect(url_for("campaigns_admin.detail", campaign_id=info.id))


@bp.get("/<int:campaign_id>/")
@role_required("publisher")
def detail(campaign_id: int) -> str:
    """One campaign: progress, actions, and a page of the per-recipient report."""
    info = _campaign_or_404(campaign_id)
    status = request.args.get("statut", "")
    status = status if status in STATUSES else ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    data = _progress_data(campaign_id)
    total = data[status] if status else data["total"]
    rows = report_page(database(), campaign_id, status or None, page, PAGE_SIZE)
    leaves = info.leaves_at(datetime.now(UTC))
    return render_page(
        "admin/campaigns/detail.html",
        campaign=info,
        leaves=_leaves_text(info, datetime.now(UTC)),
        leaves_value="" if leaves is None else local_input(leaves, state.site()),
        zone=state.site().settings.timezone,
        progress=data,
        rows=rows,
        status=status,
        statuses=STATUSES,
        pages={"page": page, "pages": page_count(total, PAGE_SIZE)},
    )


@bp.get("/<int:campaign_id>/progress.json")
@role_required("publisher")
def progress_json(campaign_id: int) -> Response:
    """The counts for ``campaigns.js``."""
    _campaign_or_404(campaign_id)
    return jsonify(_progress_data(campaign_id))


@bp.get("/<int:campaign_id>/rapport.csv")
@role_required("publisher")
def report(campaign_id: int) -> Response:
    """The per-recipient report for a spreadsheet (formulas neutralised), streamed."""
    _campaign_or_404(campaign_id)
    response = Response(report_csv(database(), campaign_id), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="campagne-{campaign_id}.csv"'
    return response


@bp.post("/<int:campaign_id>/<action>")
@role_required("publisher")
def act(campaign_id: int, action: str) -> Response:
    """Pause, resume or cancel; resuming queues the campaign again."""
    if action not in ACTIONS:
        abort(404)
    _campaign_or_404(campaign_id)
    chosen: Action = action  # narrowed by the check above
    try:
        change_status(database(), campaign_id, chosen, actor=_actor())
    except PressroomError as exc:
        flash(_refusal(exc), "error")
    else:
        if chosen == "resume":
            from pressroom.tasks import enqueue_campaign

            enqueue_campaign(state.site(), campaign_id)
        done = {
            "pause": "Campaign paused.",
            "resume": "Campaign resumed.",
            "cancel": "Campaign cancelled.",
        }
        flash(t(done[chosen]))
    return redirect(url_for("campaigns_admin.detail", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/rectificatif")
@role_required("publisher")
def correct(campaign_id: int) -> Response:
    """A correction of the release (edited since) to exactly those the campaign reached."""
    _campaign_or_404(campaign_id)
    site = state.site()
    try:
        info = create_correction(site, database(), campaign_id, actor=_actor())
    except PressroomError as exc:
        flash(_refusal(exc), "error")
        return redirect(url_for("campaigns_admin.detail", campaign_id=campaign_id))
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id)
    flash(t("Campaign {id} queued.", id=str(info.id)))
    return redirect(url_for("campaigns_admin.detail", campaign_id=info.id))


@bp.post("/<int:campaign_id>/programmer")
@role_required("publisher")
def move(campaign_id: int) -> Response:
    """Give a scheduled campaign another time to leave, while its time has not come."""
    _campaign_or_404(campaign_id)
    site = state.site()
    try:
        when = parse_send_time(request.form.get("send_at", "")[:64], site.settings.zone)
        info = reschedule(database(), campaign_id, when, actor=_actor())
    except PressroomError as exc:
        flash(_refusal(exc), "error")
        return redirect(url_for("campaigns_admin.detail", campaign_id=campaign_id))
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, campaign_id, at=info.scheduled_at)
    flash(t("Campaign {id} scheduled for {when}.", id=str(campaign_id), when=_when(when)))
    return redirect(url_for("campaigns_admin.detail", campaign_id=campaign_id))
