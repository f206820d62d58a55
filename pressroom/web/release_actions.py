"""Actions on a saved release under ``/admin/communiques/``: approve, publish, schedule,
unpublish, duplicate, delete, and the trash it can be restored from.

Each action calls one service (``publishing``, ``editing``, ``history``) and answers with a
message and the release's edit page; a refusal is said in the back office's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from pressroom import editing, history, publishing
from pressroom.errors import NotFoundError, PressroomError
from pressroom.web import state
from pressroom.web.backoffice import database, render_page, t
from pressroom.web.editor import acting_account, refusal_text, release_or_404, when_text
from pressroom.web.security import add_backoffice_headers, role_required

bp = Blueprint("release_actions", __name__, url_prefix="/admin/communiques")
bp.after_request(add_backoffice_headers)


def _back(slug: str) -> Response:
    return redirect(url_for("editor.edit", slug=slug))


def _act(slug: str, done: str, action: Any) -> Response:
    try:
        saved = action()
    except NotFoundError:
        abort(404)
    except PressroomError as exc:
        flash(refusal_text(exc), "error")
        return _back(slug)
    flash(t(done))
    new_slug = getattr(getattr(saved, "release", None), "slug", slug)
    return _back(new_slug)


@bp.post("/<slug>/approuver")
@role_required("publisher")
def approve(slug: str) -> Response:
    version = request.form.get("version", "")
    return _act(
        slug,
        "This version is approved.",
        lambda: publishing.approve(state.store(), database(), slug, version, acting_account()),
    )


@bp.post("/<slug>/publier")
@role_required("publisher")
def publish(slug: str) -> Response:
    version = request.form.get("version", "")
    return _act(
        slug,
        "The release is published.",
        lambda: publishing.publish_now(
            state.store(), database(), slug, version, acting_account(), state.now()
        ),
    )


@bp.post("/<slug>/programmer")
@role_required("publisher")
def schedule(slug: str) -> Response:
    version = request.form.get("version", "")
    try:
        at = datetime.fromisoformat(request.form.get("at", "").strip())
    except ValueError:
        flash(t("This date and time are not valid."), "error")
        return _back(slug)
    if at.tzinfo is None:
        at = at.replace(tzinfo=state.site().settings.zone)
    return _act(
        slug,
        "The release is scheduled: it will go public by itself at that moment.",
        lambda: publishing.schedule(
            state.store(), database(), slug, version, at, acting_account(), state.now()
        ),
    )


@bp.post("/<slug>/depublier")
@role_required("publisher")
def unpublish(slug: str) -> Response:
    return _act(
        slug,
        "The release is back to draft.",
        lambda: publishing.unpublish(state.store(), database(), slug, acting_account()),
    )


@bp.post("/<slug>/dupliquer")
def duplicate(slug: str) -> Response:
    release_or_404(slug)
    return _act(
        slug,
        "Here is the copy, saved as a draft.",
        lambda: editing.duplicate(state.store(), database(), slug, acting_account(), state.now()),
    )


@bp.post("/<slug>/supprimer")
def delete(slug: str) -> Response:
    release_or_404(slug)
    try:
        history.delete_release(state.store(), database(), slug, acting_account(), state.now())
    except PressroomError as exc:
        flash(refusal_text(exc), "error")
        return _back(slug)
    flash(t("The release is in the trash; it can be restored from there."))
    return redirect(url_for("release_actions.trash"))


@bp.get("/corbeille/")
def trash() -> str:
    items = history.trashed(state.site())
    return render_page("admin/editor/trash.html", items=items, when=when_text)


@bp.post("/corbeille/<name>/restaurer")
def untrash(name: str) -> Response:
    try:
        saved = history.restore_from_trash(state.store(), database(), name, acting_account())
    except NotFoundError:
        abort(404)
    except PressroomError as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("release_actions.trash"))
    flash(t("The release is restored."))
    return _back(saved.release.slug)
