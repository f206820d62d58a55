"""The web app: built by ``create_app`` per site (no module-level app), as Flask's tutorial does."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from pressroom.config import Site, load_site
from pressroom.store import ReleaseStore


def _secret_key(site: Site) -> str:
    """``PRESSROOM_SECRET_KEY``, else one generated once and kept in ``instance/``."""
    from_env = os.environ.get("PRESSROOM_SECRET_KEY")
    if from_env:
        return from_env
    path = site.ensure_instance() / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(
    site: Site | str | Path | None = None, test_config: dict[str, Any] | None = None
) -> Flask:
    """Build the app for a site; ``test_config`` overrides settings in tests."""
    if not isinstance(site, Site):
        site = load_site(site)
    app = Flask(__name__, static_folder=None, instance_path=str(site.instance_dir))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
    app.config.from_prefixed_env("PRESSROOM")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(site)
    app.extensions["pressroom.site"] = site
    app.extensions["pressroom.store"] = ReleaseStore(site, persist=True)

    from pressroom.web import errors, public

    app.register_blueprint(public.bp)
    from pressroom.web import pdf as pdf_views

    app.register_blueprint(pdf_views.bp)
    from pressroom.web import admin, auth, security

    security.init_app(app)
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    from pressroom.web import editor, previews, release_actions
    from pressroom.web import revisions as revision_views

    app.register_blueprint(editor.bp)
    app.register_blueprint(release_actions.bp)
    app.register_blueprint(previews.bp)
    app.register_blueprint(revision_views.bp)
    from pressroom.web import audiences_admin, contacts_admin, subscribe

    app.register_blueprint(subscribe.bp)
    app.register_blueprint(contacts_admin.bp)
    app.register_blueprint(audiences_admin.bp)
    from pressroom.web import campaigns as campaigns_admin

    app.register_blueprint(campaigns_admin.bp)
    errors.register(app)
    return app
