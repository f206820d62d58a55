"""A release's revisions: the list, what one changed (a diff), and restoring it (refusals in
the back office's language)."""

from __future__ import annotations

from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from pressroom import history, revisions
from pressroom.editing import file_version, release_path
from pressroom.errors import ConflictError, NotFoundError, PressroomError
from pressroom.release import Release
from pressroom.web import state
from pressroom.web.backoffice import current_account, database, language, render_page, t
from pressroom.web.security import add_backoffice_headers

bp = Blueprint("revisions", __name__, url_prefix="/admin/communiques")
bp.after_request(add_backoffice_headers)


def _release(slug: str) -> Release:
    try:
        return state.catalog().get(slug)
    except NotFoundError:
        abort(404)


def _when(value: Any) -> str:
    zone = state.site().settings.zone
    return format_datetime(value, "d MMM y, HH:mm:ss", tzinfo=zone, locale=language())


@bp.get("/<slug>/revisions/")
def revision_list(slug: str) -> str:
    release = _release(slug)
    found = revisions.history(database(), state.site(), release_path(state.site(), release))
    return render_page("admin/editor/revisions.html", release=release, items=found, when=_when)


@bp.get("/<slug>/revisions/<revision_id>/")
def revision_diff(slug: str, revision_id: str) -> str:
    """What the file would become if this revision were restored, as a diff."""
    site = state.site()
    release = _release(slug)
    path = release_path(site, release)
    try:
        old = revisions.revision_text(database(), site, path, revision_id)
    except NotFoundError:
        abort(404)
    current = path.read_text(encoding="utf-8", errors="replace")
    lines = revisions.diff(current, old, t("Current version"), t("This revision"))
    return render_page(
        "admin/editor/revision.html",
        release=release,
        revision_id=revision_id,
        lines=lines,
        text=old,
        version=file_version(site, release).sha256,
    )


@bp.post("/<slug>/revisions/<revision_id>/restaurer")
def revision_restore(slug: str, revision_id: str) -> Response:
    _release(slug)
    account = current_account()
    if account is None:
        abort(401)
    try:
        saved = history.restore_revision(
            state.store(),
            database(),
            slug,
            revision_id,
            request.form.get("version", ""),
            account,
        )
    except NotFoundError:
        abort(404)
    except ConflictError:
        flash(
            t("Someone else changed this release since you opened it. Reload it to see."), "error"
        )
        return redirect(url_for("revisions.revision_diff", slug=slug, revision_id=revision_id))
    except PressroomError as exc:
        flash(exc.localized(language()), "error")
        return redirect(url_for("revisions.revision_diff", slug=slug, revision_id=revision_id))
    flash(t("This revision is restored as the current version."))
    return redirect(url_for("editor.edit", slug=saved.release.slug))
