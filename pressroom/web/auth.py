"""Signing in and out, and resetting a forgotten password (Flask-Login).

Messages never tell whether an address has an account. Sessions last eight hours from the last
request; a session ends when its account's password changes or the account is deactivated.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from pressroom import account_links, accounts, audit
from pressroom.accounts import Account, AccountError
from pressroom.web import state
from pressroom.web.backoffice import (
    choose_language,
    clear_session,
    current_account,
    database,
    language,
    render_page,
    t,
)
from pressroom.web.security import (
    add_backoffice_headers,
    client_key,
    login_throttle,
    reset_throttle,
    safe_next,
)

bp = Blueprint("auth", __name__)
bp.after_request(add_backoffice_headers)

REQUIRED = "This field is required."


class SignedIn(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of an account. Its id carries the password stamp, so changing the
    password ends every other session."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{self.account.password_stamp}"

    @property
    def is_active(self) -> bool:
        return self.account.active


def _load_user(user_id: str) -> SignedIn | None:
    number, _, stamp = user_id.partition(":")
    if not number.isdigit():
        return None
    account = accounts.get_account(database(), int(number))
    if account is None or not account.active or account.password_stamp != stamp:
        return None
    return SignedIn(account)


def init_app(app: Flask) -> None:
    """Flask-Login for one app: where to sign in, and how to find the signed-in account."""
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = None  # set per request, in the site's language
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)


def _unauthorized() -> Response:
    flash(t("Please sign in to open this page."), "info")
    # Only a page can be come back to: after signing in, a form's POST would be lost anyway.
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


# Forms: English messages, translated when shown.


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(validators=[DataRequired(REQUIRED)])
    password = PasswordField(validators=[DataRequired(REQUIRED)])


class ResetRequestForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(validators=[DataRequired(REQUIRED)])


class NewPasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(
        validators=[
            DataRequired(REQUIRED),
            Length(min=accounts.MIN_PASSWORD_LENGTH, message="The password is too short."),
        ]
    )
    confirm = PasswordField(
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message="The two passwords differ."),
        ]
    )


def form_errors(form: FlaskForm, error: AccountError | None = None) -> dict[str, list[str]]:
    """Translated errors by field name ("" for the whole form); a service error goes to the
    field it names."""
    errors: dict[str, list[str]] = {
        name: [t(str(message)) for message in messages]
        for name, messages in form.errors.items()
        if name != "csrf_token"
    }
    if error is not None:
        errors.setdefault(error.field or "", []).append(error.localized(language()))
    return errors


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    if current_account() is not None:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        email = (form.email.data or "").strip().lower()
        keys = (client_key(), "email:" + email)
        if not login_throttle.allowed(*keys):
            errors = {"": [t("Too many sign-in attempts. Wait a minute, then try again.")]}
            return render_page("admin/login.html", form=form, errors=errors), 429
        if form.validate():
            try:
                account = accounts.authenticate(database(), email, form.password.data or "")
            except AccountError as exc:
                login_throttle.hit(*keys)
                errors = {"": [exc.localized(language())]}
            else:
                clear_session()
                login_user(SignedIn(account))
                session.permanent = True
                target = safe_next(request.args.get("next"))
                return redirect(target or url_for("admin.dashboard"))
        else:
            errors = form_errors(form)
    return render_page("admin/login.html", form=form, errors=errors), status


@bp.post("/deconnexion")
def logout() -> Response:
    account = current_account()
    if account is not None:
        audit.record(database(), account, audit.Action.ACCOUNT_LOGOUT, account.email)
    logout_user()
    clear_session()
    flash(t("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/langue")
def switch_language() -> Response:
    """The header's language switch, on every back-office page and the sign-in page (hence
    outside ``/admin``). A POST with the CSRF token, as every form: a cross-site link must
    not be able to change someone's interface. Back to the page it was on, if on this site."""
    if not choose_language(request.form.get("lang", "")):
        abort(400)
    return redirect(safe_next(request.form.get("next")) or url_for("admin.dashboard"))


def _reset_link(token: str) -> str:
    """Links in mail use the configured address, never the request's Host header."""
    base = state.site().settings.base_url.rstrip("/")
    return base + url_for("auth.reset_password", token=token)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ResetRequestForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not reset_throttle.allowed(client_key()):
            errors = {"": [t("Too many requests. Wait a while, then try again.")]}
            return render_page("admin/forgot_password.html", form=form, errors=errors), 429
        if form.validate():
            reset_throttle.hit(client_key())
            email = (form.email.data or "").strip()
            if reset_throttle.allowed("email:" + email.lower()):
                reset_throttle.hit("email:" + email.lower())
                account_links.request_password_reset(
                    database(), state.site(), _secret(), email, _reset_link
                )
            # The same answer whether or not the address has an account.
            flash(
                t(
                    "If this address has an account, a message with a link to choose a new "
                    "password is on its way. The link is valid for one hour."
                ),
                "info",
            )
            return redirect(url_for("auth.login"))
        errors = form_errors(form)
    return render_page("admin/forgot_password.html", form=form, errors=errors)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    try:
        account = account_links.check_link(database(), _secret(), token)
    except AccountError as exc:
        return render_page("admin/link_invalid.html", message=exc.localized(language())), 400
    form = NewPasswordForm()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if form.validate():
            try:
                account_links.reset_password(database(), _secret(), token, form.password.data or "")
            except AccountError as exc:
                errors = form_errors(form, exc)
            else:
                flash(t("Your password is set. You can sign in."), "info")
                return redirect(url_for("auth.login"))
        else:
            errors = form_errors(form)
    return render_page("admin/reset_password.html", form=form, errors=errors, email=account.email)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])
