"""What every back-office request shares: the database, the signed-in account, page rendering.

Back-office pages render through the theme's Jinja2 environment like every other page; this
adds what a form page needs (the CSRF token, flashed messages, the account, ``url_for``).

The interface language is decided here, once, for every page, flash and error of the back
office: the one the person chose with the header's switch (kept in the signed session), else
the site's.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, get_flashed_messages, has_request_context, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from pressroom.accounts import Account
from pressroom.db import Database, ensure_database
from pressroom.i18n import SUPPORTED_LANGUAGES, base_language, gettext
from pressroom.render.html import render_template
from pressroom.web import state

_database_lock = threading.Lock()

# The session key of the language chosen with the back office's switch.
LANGUAGE_KEY = "backoffice_lang"
# Each language named in itself: the switch must be readable by who needs it.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def database() -> Database:
    """The app's database, created and migrated on first use (not at start: public pages
    need none)."""
    extensions = current_app.extensions
    found: Database | None = extensions.get("pressroom.db")
    if found is None:
        with _database_lock:
            found = extensions.get("pressroom.db")
            if found is None:
                found = ensure_database(state.site(), current_app.config.get("DATABASE_URL"))
                extensions["pressroom.db"] = found
    return found


def current_account() -> Account | None:
    """The account of the signed-in person, or None for a visitor."""
    if not current_user.is_authenticated:
        return None
    account: Account = current_user.account
    return account


def language() -> str:
    """The interface language of the back office: the one chosen in this session, else the
    site's. Every back-office string goes through here, so nothing can speak another."""
    chosen = session.get(LANGUAGE_KEY) if has_request_context() else None
    if isinstance(chosen, str) and chosen in SUPPORTED_LANGUAGES:
        return chosen
    return state.site().settings.language


def choose_language(lang: str) -> bool:
    """Keep ``lang`` as this session's back-office language; False if it is not one we speak."""
    if lang not in SUPPORTED_LANGUAGES:
        return False
    session[LANGUAGE_KEY] = lang
    return True


def clear_session() -> None:
    """Empty the session (signing in or out) but keep the chosen language: it is a
    preference of the person at the keyboard, not a right, and the next page must not switch
    back to the site's language under them."""
    chosen = session.get(LANGUAGE_KEY)
    session.clear()
    if isinstance(chosen, str):
        choose_language(chosen)


def t(message: str, **params: Any) -> str:
    """Translate an English interface string, then fill in its ``{fields}``."""
    translated = gettext(language(), message)
    return translated.format(**params) if params else translated


def render_page(template_name: str, **context: Any) -> str:
    """Render a back-office template with the request's context."""
    lang = language()
    other = "en" if base_language(lang) == "fr" else "fr"
    return render_template(
        state.site(),
        template_name,
        lang,
        csrf_token=generate_csrf,
        url_for=url_for,
        account=current_account(),
        messages=get_flashed_messages(with_categories=True),
        request_path=request.path,
        language_switch=(other, LANGUAGE_NAMES[other], request.full_path.rstrip("?")),
        **context,
    )
