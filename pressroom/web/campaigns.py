"""The back office's campaigns under ``/admin/campagnes/``: start, watch, stop, correct.

Publishers and admins only: a campaign sends a release to real people. Starting one goes
through ``pressroom.campaigns`` (as ``pressroom send`` does) and queues it on the site's Huey
queue; a worker (``pressroom worker`` or the one in ``pressroom serve``) sends it. The detail
page shows the delivery table as it is now; ``static/campaigns.js`` refreshes its counts from
``progress.json`` (the back office's CSP allows no inline script), and an "Actualiser" link does
the same without JavaScript.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from pressroom.campaigns import (
    Action,
    Actor,
    CampaignInfo,
    change_status,
    create_campaign,
    create_correction,
    create_test_send,
    get_campaign,
    list_campaigns,
    progress,
    report_csv,
    report_page,
)
from pressroom.contacts import list_names
from pressroom.contacts_edit import outlets_and_beats, read_lists
from pressroom.errors import NotFoundError, PressroomError
from pressroom.paging import page_count
from pressroom.web import state
from pressroom.web.backoffice import current_account, database, render_page, t
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
    """Campaigns, newest first, with their counts."""
    campaigns = list_campaigns(database(), limit=100)
    counts = {c.id: progress(database(), c.id) for c in campaigns}
    return render_page("admin/campaigns/index.html", campaigns=campaigns, counts=counts)


def _form_page(values: dict[str, Any], errors: list[str]) -> str:
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
    )


@bp.get("/nouvelle")
@role_required("publisher")
def new() -> str:
    """The form to start a campaign or a test send."""
    return _form_page({"slug": request.args.get("release", ""), "lists": [], "beats": []}, [])


@bp.post("/nouvelle")
@role_required("publisher")
def create() -> Any:
    """Make the campaign through the service, then queue it for a worker."""
    values: dict[str, Any] = {
        "slug": request.form.get("slug", ""),
        "lists": request.form.getlist("lists"),
        "beats": request.form.getlist("beats"),
        "test_to": request.form.get("test_to", "")[:2000],
    }
    addresses = [a for a in _ADDRESSES.split(values["test_to"]) if a]
    site, db = state.site(), database()
    try:
        if addresses:
            info = create_test_send(site, db, values["slug"], addresses, actor=_actor())
        else:
            made, _plan = create_campaign(
                site, db, values["slug"], values["lists"], values["beats"], actor=_actor()
            )
            if made is None:
                flash(t("0 new recipients: everyone on these lists already received it."))
                return redirect(url_for("campaigns_admin.index"))
            info = made
    except PressroomError as exc:
        return _form_page(values, [str(exc)]), 400
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id)
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
    return render_page(
        "admin/campaigns/detail.html",
        campaign=info,
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
        flash(str(exc), "error")
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
        flash(str(exc), "error")
        return redirect(url_for("campaigns_admin.detail", campaign_id=campaign_id))
    from pressroom.tasks import enqueue_campaign

    enqueue_campaign(site, info.id)
    flash(t("Campaign {id} queued.", id=str(info.id)))
    return redirect(url_for("campaigns_admin.detail", campaign_id=info.id))
