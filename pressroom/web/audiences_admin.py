"""The back office's people pages under ``/admin/contacts/``: audiences, subscribers, the
suppression list, and one person's data (export, erasure).

Counting an audience is open to everyone signed in, since it shows only figures; the lists of
subscribers and suppressions, a person's data and erasure are for admins. Refusals are shown
in the back office's language.
"""

from __future__ import annotations

import json
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from pressroom import data_rights, suppression
from pressroom.audience_db import ALL_SUBSCRIBERS, AudienceChoice, build_audience
from pressroom.contacts import list_names
from pressroom.contacts_edit import outlets_and_beats, read_lists
from pressroom.errors import PressroomError
from pressroom.subscribers import SubscriberError, subscriber_email, subscriber_list
from pressroom.suppression import REASONS
from pressroom.web import state
from pressroom.web.backoffice import current_account, database, language, render_page, t
from pressroom.web.public import current_newsroom
from pressroom.web.security import add_backoffice_headers, role_required

bp = Blueprint("audiences_admin", __name__, url_prefix="/admin/contacts")
bp.after_request(add_backoffice_headers)

PER_PAGE = 50
REASON_LABELS = {
    "unsubscribe": "Unsubscribed",
    "hard-bounce": "Hard bounce",
    "complaint": "Complaint",
    "erasure": "Erasure",
    "manual": "Added by hand",
}
STATUS_LABELS = {"pending": "Pending", "confirmed": "Confirmed", "unsubscribed": "Unsubscribed"}


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def format_when(value: Any) -> str:
    """A date and time in the site's zone and the interface's language."""
    if value is None:
        return "–"
    zone = state.site().settings.zone
    return format_datetime(value, "d MMM y, HH:mm", tzinfo=zone, locale=language())


def _topic_choices() -> list[tuple[str, str]]:
    """Every topic a subscriber can follow, as (value, label)."""
    newsroom = current_newsroom()
    choices = [(ALL_SUBSCRIBERS, t("All confirmed subscribers"))]
    choices += [(f"category:{term.slug}", term.name) for term in newsroom.categories.values()]
    choices += [(f"tag:{term.slug}", "#" + term.name) for term in newsroom.tags.values()]
    return choices


@bp.get("/audience")
def audience() -> str:
    """Choose lists, beats and subscriber topics; see how many addresses that makes, after
    duplicates and suppressions, before anything is sent."""
    site = state.site()
    loaded, unreadable = read_lists(site)
    problems = [exc.localized(language()) for exc in unreadable]
    names = {c.name for c in loaded}
    choice = AudienceChoice(
        lists=tuple(n for n in request.args.getlist("lists") if n in names),
        beats=tuple(b for b in request.args.getlist("beats") if b.strip()),
        topics=tuple(request.args.getlist("topics")),
    )
    result = None
    if not choice.empty:
        try:
            result = build_audience(site, database(), choice)
        except PressroomError as exc:
            problems.append(exc.localized(language()))
    _outlets, beats = outlets_and_beats(loaded)
    return render_page(
        "admin/contacts/audience.html",
        lists=loaded,
        beats=beats,
        topics=_topic_choices(),
        choice=choice,
        result=result,
        problems=problems,
    )


@bp.get("/abonnes/")
@role_required("admin")
def subscribers() -> Any:
    status = request.args.get("status", "")
    search = request.args.get("q", "").strip()[:200]
    try:
        page = subscriber_list(database(), status or None, search, _page_number(), PER_PAGE)
    except SubscriberError:
        abort(400)
    return render_page(
        "admin/contacts/subscribers.html",
        page=page,
        status=status,
        search=search,
        status_labels=STATUS_LABELS,
        format_when=format_when,
    )


def _suppressions_page(reason: str, page: int, **extra: Any) -> str:
    return render_page(
        "admin/contacts/suppressions.html",
        page=suppression.suppression_list(database(), reason or None, page, PER_PAGE),
        reason=reason,
        reasons=REASONS,
        reason_labels=REASON_LABELS,
        format_when=format_when,
        **extra,
    )


@bp.get("/exclusions/")
@role_required("admin")
def suppressions() -> Any:
    reason = request.args.get("reason", "")
    if reason and reason not in REASONS:
        abort(400)
    return _suppressions_page(reason, _page_number(), checked="")


@bp.post("/exclusions/")
@role_required("admin")
def suppression_add() -> Response:
    """Add an address by hand (a journalist who asked by phone, a known bad address)."""
    address = request.form.get("email", "")
    try:
        email = subscriber_email(address)
        suppression.suppress(database(), email, "manual", "back office", current_account())
    except SubscriberError as exc:
        flash(exc.localized(language()), "error")
    else:
        flash(t("{email} will never be mailed again.", email=email))
    return redirect(url_for("audiences_admin.suppressions"))


@bp.get("/exclusions/verifier")
@role_required("admin")
def suppression_check() -> Any:
    """Whether one address is suppressed, and why: the list shows only hashes."""
    address = request.args.get("email", "").strip()[:320]
    entry = suppression.find_suppression(database(), address) if address else None
    return _suppressions_page("", 1, checked=address, checked_entry=entry)


@bp.get("/personne")
@role_required("admin")
def person() -> Any:
    """Everything held about one address (subscriber, list entries, suppression)."""
    address = request.args.get("email", "").strip()[:320]
    data = None
    if address:
        try:
            data = data_rights.person_data(state.site(), database(), address)
        except PressroomError as exc:
            flash(exc.localized(language()), "error")
    return render_page(
        "admin/contacts/person.html",
        address=address,
        data=data,
        lists=list_names(state.site()),
        format_when=format_when,
    )


@bp.get("/personne/donnees.json")
@role_required("admin")
def person_download() -> Response:
    address = request.args.get("email", "").strip()[:320]
    if not address:
        abort(400)
    data = data_rights.person_data(state.site(), database(), address)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="donnees.json"'
    return response


@bp.post("/personne/effacer")
@role_required("admin")
def person_erase() -> Response:
    """Erase an address everywhere at the person's request; only its hash stays."""
    address = request.form.get("email", "").strip()[:320]
    if not request.form.get("confirm"):
        flash(t("Tick the box to confirm the erasure."), "error")
        return redirect(url_for("audiences_admin.person", email=address))
    try:
        erased = data_rights.erase_person(
            state.site(), database(), subscriber_email(address), current_account()
        )
    except PressroomError as exc:
        flash(exc.localized(language()), "error")
        return redirect(url_for("audiences_admin.person", email=address))
    lists = ", ".join(erased.lists) or t("none")
    flash(t("Erased. Lists changed: {lists}. Only the address's hash is kept.", lists=lists))
    flash(
        t(
            "Campaign deliveries anonymised: {deliveries}. Outbox messages deleted: {messages}.",
            deliveries=erased.deliveries,
            messages=erased.outbox_messages,
        )
    )
    if erased.git_commits:
        flash(
            t(
                "Past git revisions of contacts/ still hold the address (commits {commits}): "
                "it stays there until you rewrite that history, e.g. with git filter-repo.",
                commits=", ".join(erased.git_commits),
            ),
            "info",
        )
    return redirect(url_for("audiences_admin.person"))
