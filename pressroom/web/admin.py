"""The back office under ``/admin/``: the releases, the accounts, the audit log.

Every route here needs a signed-in account (``security.require_login_for_admin`` checks every
``/admin`` URL of the app); accounts and the log need the admin role as well.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired

from pressroom import account_links, accounts, audit
from pressroom.accounts import Account, AccountError
from pressroom.paging import page_count
from pressroom.release import Release
from pressroom.revisions import last_authors
from pressroom.web import state
from pressroom.web.auth import REQUIRED, NewPasswordForm, SignedIn, form_errors
from pressroom.web.backoffice import current_account, database, language, render_page, t
from pressroom.web.security import add_backoffice_headers, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.after_request(add_backoffice_headers)

PER_PAGE = 50
STATUS_LABELS = {"draft": "Draft", "scheduled": "Scheduled", "published": "Published"}
ROLE_LABELS = {"editor": "Editor", "publisher": "Publisher", "admin": "Admin"}
# What the audit log calls each action (English msgids; French in admin.po and editor.po).
# Every ``audit.Action`` has one (tests/test_audit_labels.py); a row whose action is not one
# (a retired action) shows its raw value.
ACTION_LABELS: dict[audit.Action, str] = {
    audit.Action.ACCOUNT_ADDED: "Account created",
    audit.Action.ACCOUNT_INVITED: "Invitation sent",
    audit.Action.ACCOUNT_LOGIN: "Signed in",
    audit.Action.ACCOUNT_LOGIN_FAILED: "Failed sign-in",
    audit.Action.ACCOUNT_LOGOUT: "Signed out",
    audit.Action.ACCOUNT_PASSWORD_CHANGED: "Password changed",
    audit.Action.ACCOUNT_PASSWORD_RESET_REQUESTED: "Password reset requested",
    audit.Action.ACCOUNT_PASSWORD_RESET: "Password reset",
    audit.Action.ACCOUNT_ROLE_CHANGED: "Role changed",
    audit.Action.ACCOUNT_DEACTIVATED: "Account deactivated",
    audit.Action.ACCOUNT_REACTIVATED: "Account reactivated",
    audit.Action.RELEASE_CREATED: "Release created",
    audit.Action.RELEASE_SAVED: "Release saved",
    audit.Action.RELEASE_DUPLICATED: "Release duplicated",
    audit.Action.RELEASE_APPROVED: "Release approved",
    audit.Action.RELEASE_PUBLISHED: "Release published",
    audit.Action.RELEASE_SCHEDULED: "Release scheduled",
    audit.Action.RELEASE_UNPUBLISHED: "Release unpublished",
    audit.Action.RELEASE_DELETED: "Release moved to the trash",
    audit.Action.RELEASE_UNDELETED: "Release restored from the trash",
    audit.Action.RELEASE_REVISION_RESTORED: "Revision restored",
    audit.Action.CONTACTS_LIST_CREATED: "Contact list created",
    audit.Action.CONTACTS_CONTACT_ADDED: "Contact added",
    audit.Action.CONTACTS_CONTACT_UPDATED: "Contact updated",
    audit.Action.CONTACTS_CONTACT_REMOVED: "Contact removed",
    audit.Action.CONTACTS_CONTACT_MOVED: "Contact moved or copied to another list",
    audit.Action.CONTACTS_LIST_EXPORTED: "Contact list exported",
    audit.Action.CONTACTS_IMPORTED: "Contacts imported",
    audit.Action.CAMPAIGN_CREATE: "Campaign created",
    audit.Action.CAMPAIGN_PAUSE: "Campaign paused",
    audit.Action.CAMPAIGN_RESUME: "Campaign resumed",
    audit.Action.CAMPAIGN_CANCEL: "Campaign cancelled",
    audit.Action.CAMPAIGN_RESCHEDULE: "Campaign rescheduled",
    audit.Action.SUBSCRIBER_REQUESTED: "Subscription requested",
    audit.Action.SUBSCRIBER_CONFIRMED: "Subscription confirmed",
    audit.Action.SUBSCRIBER_UNSUBSCRIBED: "Subscription ended",
    audit.Action.SUPPRESSION_ADD: "Address suppressed from mailings",
    audit.Action.BOUNCE_RECORDED: "Bounce recorded",
    audit.Action.DATA_LINK_SENT: "Link to personal data sent",
    audit.Action.DATA_ERASED: "Personal data erased",
}


def _signed_in() -> Account:
    account = current_account()
    if account is None:  # require_login_for_admin has already answered
        abort(401)
    return account


# The list of releases.


@dataclass(frozen=True)
class ReleaseRow:
    """One line of the list: what a press officer scans for."""

    release: Release
    status: str
    date_text: str


def _folded(text: str) -> str:
    """Lower case without accents, so that « ecole » finds « École »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/")
def dashboard() -> str:
    site, now = state.site(), state.now()
    releases = state.catalog().releases
    query = request.args.get("q", "").strip()
    status = request.args.get("statut", "")
    category = request.args.get("categorie", "")
    needle = _folded(query)
    chosen = [
        r
        for r in releases
        if (not needle or needle in _folded(r.title))
        and (status not in STATUS_LABELS or r.status(now) == status)
        and (not category or r.category == category)
    ]
    page = _page_number()
    pages = page_count(len(chosen), PER_PAGE)
    shown = chosen[(page - 1) * PER_PAGE : page * PER_PAGE]
    zone = site.settings.zone
    rows = [
        ReleaseRow(
            r,
            r.status(now),
            format_datetime(r.date, "d MMM y, HH:mm", tzinfo=zone, locale=language()),
        )
        for r in shown
    ]
    return render_page(
        "admin/dashboard.html",
        rows=rows,
        authors=last_authors(database(), [row.release.path for row in rows]),
        total=len(chosen),
        page=page,
        pages=pages,
        query=query,
        status=status if status in STATUS_LABELS else "",
        category=category,
        categories=sorted({r.category for r in releases if r.category}),
        status_labels=STATUS_LABELS,
        problems=len(state.catalog().errors),
    )


# Accounts.


class AddAccountForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(validators=[DataRequired(REQUIRED)])
    role = SelectField(choices=list(accounts.ROLES), validators=[DataRequired(REQUIRED)])


class RoleForm(FlaskForm):  # type: ignore[misc]
    role = SelectField(choices=list(accounts.ROLES))


def _invitation_link(token: str) -> str:
    base = state.site().settings.base_url.rstrip("/")
    return base + url_for("auth.reset_password", token=token)


def _accounts_page(form: AddAccountForm, errors: dict[str, list[str]], status: int = 200) -> Any:
    html = render_page(
        "admin/accounts.html",
        accounts=accounts.list_accounts(database()),
        form=form,
        errors=errors,
        roles=accounts.ROLES,
        role_labels=ROLE_LABELS,
        format_when=_format_when,
    )
    return html, status


@bp.get("/comptes/")
@role_required("admin")
def accounts_list() -> Any:
    return _accounts_page(AddAccountForm(), {})


@bp.post("/comptes/")
@role_required("admin")
def account_add() -> Any:
    form = AddAccountForm()
    if not form.validate():
        return _accounts_page(form, form_errors(form), 400)
    actor = _signed_in()
    try:
        account = accounts.add_user(database(), form.email.data or "", form.role.data, None, actor)
    except AccountError as exc:
        return _accounts_page(form, form_errors(form, exc), 400)
    account_links.send_invitation(
        database(),
        state.site(),
        str(current_app.config["SECRET_KEY"]),
        account,
        _invitation_link,
        actor,
    )
    flash(t("Account created for {email}; an invitation is on its way.", email=account.email))
    return redirect(url_for("admin.accounts_list"))


@bp.post("/comptes/<int:account_id>/role")
@role_required("admin")
def account_role(account_id: int) -> Response:
    form = RoleForm()
    if not form.validate():
        flash(t("Choose a role from the list."), "error")
    else:
        try:
            account = accounts.set_role(database(), account_id, form.role.data, _signed_in())
        except AccountError as exc:
            flash(exc.localized(language()), "error")
        else:
            flash(
                t(
                    "{email} is now {role}.",
                    email=account.email,
                    role=t(ROLE_LABELS[account.role]).lower(),
                )
            )
    return redirect(url_for("admin.accounts_list"))


@bp.post("/comptes/<int:account_id>/etat")
@role_required("admin")
def account_state(account_id: int) -> Response:
    active = request.form.get("active") == "1"
    try:
        account = accounts.set_active(database(), account_id, active, _signed_in())
    except AccountError as exc:
        flash(exc.localized(language()), "error")
    else:
        message = "{email} can sign in again." if active else "{email} can no longer sign in."
        flash(t(message, email=account.email))
    return redirect(url_for("admin.accounts_list"))


# One's own password.


class OwnPasswordForm(NewPasswordForm):
    """The new password twice, as in a reset, plus the current one to prove it is you."""

    current = PasswordField(validators=[DataRequired(REQUIRED)])


@bp.route("/mot-de-passe", methods=["GET", "POST"])
def own_password() -> Any:
    form = OwnPasswordForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if form.validate():
            try:
                account = accounts.change_own_password(
                    database(), _signed_in().id, form.current.data or "", form.password.data or ""
                )
            except AccountError as exc:
                errors = form_errors(form, exc)
            else:
                # The session is bound to the old password: renew it for the new one.
                login_user(SignedIn(account))
                flash(t("Your password is changed."))
                return redirect(url_for("admin.dashboard"))
        else:
            errors = form_errors(form)
    status = 400 if errors else 200
    return render_page("admin/own_password.html", form=form, errors=errors), status


# The audit log.


def _format_when(value: Any) -> str:
    if value is None:
        return "–"
    zone = state.site().settings.zone
    return format_datetime(value, "d MMM y, HH:mm:ss", tzinfo=zone, locale=language())


@bp.get("/journal/")
@role_required("admin")
def audit_log() -> str:
    log = audit.log_page(database(), _page_number(), PER_PAGE)
    return render_page(
        "admin/audit_log.html",
        log=log,
        action_labels=ACTION_LABELS,
        format_when=_format_when,
    )
