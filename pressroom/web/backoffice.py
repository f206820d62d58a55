"""What every back-office request shares: the database, the signed-in account, page rendering.

Back-office pages render through the theme's Jinja2 environment like every other page; this
adds what a form page needs (the CSRF token, flashed messages, the account, ``url_for``).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, get_flashed_messages, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from pressroom.accounts import Account
from pressroom.db import Database, ensure_database
from pressroom.i18n import gettext
from pressroom.render.html import render_template
from pressroom.web import state

_database_lock = threading.Lock()


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
    """The interface language of the back office: the site's."""
    return state.site().settings.language


def t(message: str, **params: Any) -> str:
    """Translate an English interface string, then fill in its ``{fields}``."""
    translated = gettext(language(), message)
    return translated.format(**params) if params else translated


def render_page(template_name: str, **context: Any) -> str:
    """Render a back-office template with the request's context."""
    return render_template(
        state.site(),
        template_name,
        language(),
        csrf_token=generate_csrf,
        url_for=url_for,
        account=current_account(),
        messages=get_flashed_messages(with_categories=True),
        request_path=request.path,
        **context,
    )
