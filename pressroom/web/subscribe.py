"""The public subscription pages: subscribe (double opt-in), confirm, unsubscribe, my data.

Every answer is the same whether or not an address is known, so these pages reveal nobody.
Forms carry a CSRF token and a honeypot field, and are throttled per client and per address.
The one exception is RFC 8058's one-click unsubscribe: mail clients POST to the link with no
cookie and no token, so that view is exempt from CSRF; the signed token in its URL is the proof.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from pressroom import data_rights, subscribers
from pressroom.errors import PressroomError
from pressroom.i18n import gettext
from pressroom.newsroom import href
from pressroom.pages import Chrome
from pressroom.render.html import render_template
from pressroom.subscribers import SubscriberError, SubscriptionRequest
from pressroom.web import state
from pressroom.web.backoffice import database
from pressroom.web.public import chrome, current_newsroom
from pressroom.web.security import Throttle, add_backoffice_headers, client_key, csrf

bp = Blueprint("subscribe", __name__)
bp.after_request(add_backoffice_headers)

HONEYPOT = "website"
subscribe_throttle = Throttle("SUBSCRIBE_RATE_LIMIT", "subscribe")
address_throttle = Throttle("SUBSCRIBE_ADDRESS_RATE_LIMIT", "subscribe-address")


@bp.record_once
def _defaults(setup: BlueprintSetupState) -> None:
    setup.app.config.setdefault("SUBSCRIBE_RATE_LIMIT", "10 per hour")
    # Per address: nobody can flood someone's inbox with confirmation requests.
    setup.app.config.setdefault("SUBSCRIBE_ADDRESS_RATE_LIMIT", "3 per hour")


def _page(template: str, frame: Chrome, status: int = 200, **context: Any) -> Response:
    html = render_template(
        state.site(),
        template,
        frame.ui_lang,
        chrome=frame,
        href=href,
        csrf_token=generate_csrf,
        url_for=url_for,
        **context,
    )
    response = Response(html, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(frame: Chrome, title: str, text: str, status: int = 200) -> Response:
    """A page that only says something: link refused, done, sent."""
    t = _translator(frame)
    return _page("page/subscribe_message.html", frame, status, title=t(title), text=t(text))


def _translator(frame: Chrome) -> Callable[..., str]:
    """``_`` for views: translate into the page's language, then fill in ``{fields}``."""

    def translate(text: str, **params: Any) -> str:
        return gettext(frame.ui_lang, text).format(**params)

    return translate


def _absolute(endpoint: str, **values: Any) -> str:
    """Links in mail use the configured address, never the request's Host header."""
    return state.site().settings.base_url.rstrip("/") + url_for(endpoint, **values)


def _topics() -> list[tuple[str, list[tuple[str, str]]]]:
    """The newsroom's categories and tags as (group title, [(value, label)]) for the form."""
    newsroom = current_newsroom()
    groups = []
    for title, kind, terms in (
        ("By category", "category", newsroom.categories),
        ("By tag", "tag", newsroom.tags),
    ):
        choices = [(f"{kind}:{t.slug}", t.name) for t in terms.values()]
        if choices:
            groups.append((title, sorted(choices, key=lambda c: c[1].casefold())))
    return groups


def _consent_text(frame: Chrome) -> str:
    return _translator(frame)(
        "I agree to receive the press releases of {site} by email at this address. "
        "I can unsubscribe at any time, from a link in every message.",
        site=state.site().settings.name,
    )


def _throttled(frame: Chrome, template: str, **context: Any) -> Response:
    t = _translator(frame)
    errors = {"": [t("Too many requests. Wait a while, then try again.")]}
    return _page(template, frame, 429, errors=errors, **context)


@bp.route("/abonnement/", methods=["GET", "POST"])
def subscribe() -> Response:
    frame = chrome()
    groups = _topics()
    consent = _consent_text(frame)
    form: dict[str, Any] = {"email": "", "topics": []}
    context: dict[str, Any] = {
        "groups": groups,
        "consent": consent,
        "form": form,
        "honeypot": HONEYPOT,
    }
    if request.method == "GET":
        return _page("page/subscribe.html", frame, errors={}, **context)
    form["email"] = request.form.get("email", "").strip()[:320]
    form["topics"] = request.form.getlist("topics")
    if request.form.get(HONEYPOT):  # a robot filled the field people never see
        return redirect(url_for("subscribe.sent"), 303)
    if not subscribe_throttle.allowed(client_key()):
        return _throttled(frame, "page/subscribe.html", **context)
    subscribe_throttle.hit(client_key())
    t = _translator(frame)
    errors: dict[str, list[str]] = {}
    if not form["email"]:
        errors["email"] = [t("Please give your email address.")]
    else:
        try:
            subscribers.subscriber_email(form["email"])
        except SubscriberError as exc:
            errors["email"] = [exc.localized(frame.ui_lang)]
    if not request.form.get("consent"):
        errors["consent"] = [t("Please tick the consent box to subscribe.")]
    if not errors:
        offered = [value for _title, choices in groups for value, _label in choices]
        asked = SubscriptionRequest(
            email=form["email"],
            topics=tuple(form["topics"]),
            language=frame.ui_lang,
            consent_text=consent,
            client_ip=request.remote_addr or "",
        )
        try:
            key = "email:" + subscribers.subscriber_email(asked.email)
            if address_throttle.allowed(key):
                address_throttle.hit(key)
                subscribers.subscribe(
                    database(), state.site(), current_app.config, asked, _confirm_link, offered
                )
        except SubscriberError as exc:
            errors.setdefault(exc.field or "", []).append(exc.localized(frame.ui_lang))
        else:
            return redirect(url_for("subscribe.sent"), 303)
    return _page("page/subscribe.html", frame, 400, errors=errors, **context)


def _confirm_link(token: str) -> str:
    return _absolute("subscribe.confirm", token=token)


@bp.get("/abonnement/envoye")
def sent() -> Response:
    return _message(
        chrome(),
        "Check your inbox",
        "If the address can receive our messages, a link to confirm your subscription is on "
        "its way. Open it within three days; until then you will receive nothing.",
    )


@bp.route("/abonnement/confirmation/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    """GET shows a button, POST confirms: mail scanners that open every link in a message
    must not be able to subscribe anyone."""
    frame = chrome()
    secret = str(current_app.config["SECRET_KEY"])
    try:
        if request.method == "GET":
            subscribers.read_confirmation(secret, token)
            return _page("page/subscribe_confirm.html", frame, token=token)
        subscribers.confirm(database(), secret, token)
    except SubscriberError as exc:
        return _page(
            "page/subscribe_message.html",
            frame,
            400,
            title=_translator(frame)("This link cannot be used"),
            text=exc.localized(frame.ui_lang),
            retry=True,
        )
    return _message(
        frame,
        "Your subscription is confirmed",
        "You will receive our press releases by email. Every message has a link to unsubscribe.",
    )


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Response:
    """GET shows the address and a button; POST (the button, or a mail client's RFC 8058
    one-click request, with no cookie and no CSRF token) unsubscribes and answers 200."""
    frame = chrome()
    secret = str(current_app.config["SECRET_KEY"])
    try:
        if request.method == "GET":
            target = subscribers.read_unsubscribe_link(secret, token)
            return _page("page/subscribe_unsubscribe.html", frame, token=token, email=target.email)
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        subscribers.unsubscribe(database(), secret, token, "one-click" if one_click else "link")
    except SubscriberError as exc:
        t = _translator(frame)
        return _page(
            "page/subscribe_message.html",
            frame,
            400,
            title=t("This link cannot be used"),
            text=exc.localized(frame.ui_lang),
        )
    return _message(
        frame,
        "You are unsubscribed",
        "Your address is on our do-not-mail list: you will receive no more messages from us.",
    )


# The app's one CSRF-exempt form (RFC 8058): called here rather than as a decorator, which
# mypy cannot see through.
csrf.exempt(unsubscribe)


@bp.route("/mes-donnees/", methods=["GET", "POST"])
def my_data() -> Response:
    """Ask for the link to one's data; the answer never says whether we hold any."""
    frame = chrome()
    form = {"email": request.form.get("email", "").strip()[:320]}
    if request.method == "GET":
        return _page("page/subscribe_data.html", frame, errors={}, form=form, honeypot=HONEYPOT)
    if request.form.get(HONEYPOT):
        return redirect(url_for("subscribe.data_sent"), 303)
    if not subscribe_throttle.allowed(client_key()):
        return _throttled(frame, "page/subscribe_data.html", form=form, honeypot=HONEYPOT)
    subscribe_throttle.hit(client_key())
    try:
        key = "email:" + subscribers.subscriber_email(form["email"])
        if address_throttle.allowed(key):
            address_throttle.hit(key)
            data_rights.request_data_link(
                database(),
                state.site(),
                current_app.config,
                form["email"],
                lambda token: _absolute("subscribe.data_page", token=token),
                frame.ui_lang,
            )
    except SubscriberError as exc:
        errors = {exc.field or "": [exc.localized(frame.ui_lang)]}
        return _page(
            "page/subscribe_data.html", frame, 400, errors=errors, form=form, honeypot=HONEYPOT
        )
    return redirect(url_for("subscribe.data_sent"), 303)


@bp.get("/mes-donnees/envoye")
def data_sent() -> Response:
    return _message(
        chrome(),
        "Check your inbox",
        "If we hold anything about this address, a link to see, download or erase it is on "
        "its way. It is valid for 24 hours.",
    )


def _data_address(token: str) -> str:
    return data_rights.read_data_link(str(current_app.config["SECRET_KEY"]), token)


def _refused(frame: Chrome, exc: PressroomError) -> Response:
    text = exc.localized(frame.ui_lang) if isinstance(exc, SubscriberError) else str(exc)
    title = _translator(frame)("This link cannot be used")
    return _page("page/subscribe_message.html", frame, 400, title=title, text=text)


@bp.get("/mes-donnees/<token>")
def data_page(token: str) -> Response:
    frame = chrome()
    try:
        email = _data_address(token)
        data = data_rights.person_data(state.site(), database(), email)
    except PressroomError as exc:
        return _refused(frame, exc)
    return _page("page/subscribe_mydata.html", frame, token=token, email=email, data=data)


@bp.get("/mes-donnees/<token>/donnees.json")
def data_download(token: str) -> Response:
    frame = chrome()
    try:
        data = data_rights.person_data(state.site(), database(), _data_address(token))
    except PressroomError as exc:
        return _refused(frame, exc)
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/mes-donnees/<token>/effacer")
def data_erase(token: str) -> Response:
    frame = chrome()
    t = _translator(frame)
    try:
        email = _data_address(token)
        if not request.form.get("confirm"):
            data = data_rights.person_data(state.site(), database(), email)
            errors = [t("Tick the box to confirm the erasure.")]
            return _page(
                "page/subscribe_mydata.html",
                frame,
                400,
                token=token,
                email=email,
                data=data,
                errors=errors,
            )
        erased = data_rights.erase_person(state.site(), database(), email, "data rights page")
    except PressroomError as exc:
        return _refused(frame, exc)
    if erased.git_commits:
        return _message(frame, "Your data is erased", _ERASED_BUT_IN_HISTORY)
    return _message(
        frame,
        "Your data is erased",
        "We keep only a fingerprint of your address, which cannot be read back, so that we "
        "never write to it again.",
    )


# Erasure never rewrites git history: the person is told what is left and who removes it.
_ERASED_BUT_IN_HISTORY = (
    "We keep only a fingerprint of your address, which cannot be read back, so that we never "
    "write to it again. Past versions of our contact files, kept in their history, still hold "
    "your address until the press office rewrites that history."
)
