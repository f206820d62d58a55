"""The release form under ``/admin/communiques/``: write, save, autosave.

Views read the request, call one service (``pressroom.editing``) and turn its
``PressroomError`` into a message next to the field or at the top of the page. Everything works
without JavaScript; ``static/editor.js`` adds the 30-second autosave. The actions on a saved
release (approve, publish, schedule, duplicate, trash) are in ``release_actions``, which shares
this module's request helpers (``acting_account``, ``release_or_404``, ``refusal_text``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from pressroom import editing, publishing
from pressroom.accounts import Account
from pressroom.config import PressContact
from pressroom.contacts import ContactError
from pressroom.errors import ConflictError, NotFoundError, PressroomError
from pressroom.press_officers import read_press_officers
from pressroom.release import Release
from pressroom.release_form import (
    FormError,
    blank_values,
    form_values,
    legacy_images,
    many,
    one,
    parse_form,
)
from pressroom.release_front_matter import release_text
from pressroom.revisions import diff
from pressroom.uploads import UploadError, store_upload
from pressroom.web import state
from pressroom.web.backoffice import current_account, database, language, render_page, t
from pressroom.web.security import add_backoffice_headers

bp = Blueprint("editor", __name__, url_prefix="/admin/communiques")
bp.after_request(add_backoffice_headers)

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
EXTRA_TAG_INPUTS = 3


def acting_account() -> Account:
    """The signed-in account acting on a release (a 401 without one)."""
    account = current_account()
    if account is None:  # require_login_for_admin has already answered
        abort(401)
    return account


def _officers() -> tuple[PressContact, ...]:
    try:
        return read_press_officers(state.site())
    except ContactError as exc:
        flash(exc.localized(language()), "error")
        return ()


def release_or_404(slug: str) -> Release:
    """The release with this slug, drafts included, or a 404."""
    try:
        return state.catalog().get(slug)
    except NotFoundError:
        abort(404)


def _values() -> dict[str, Any]:
    """The form as sent, every field as a list (repeated fields keep their order)."""
    return {key: request.form.getlist(key) for key in request.form if key != "csrf_token"}


def when_text(value: datetime | None) -> str:
    """A moment as the back office shows it, in the site's time zone ('' for none)."""
    if value is None:
        return ""
    zone = state.site().settings.zone
    return format_datetime(value, "d MMM y, HH:mm", tzinfo=zone, locale=language())


def _translated(errors: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {name: [t(m.message, **m.params) for m in found] for name, found in errors.items()}


def refusal_text(exc: PressroomError) -> str:
    """A refusal in the back office's language; a conflict says what to do about it."""
    if isinstance(exc, ConflictError):
        return t("Someone else changed this release since you opened it. Reload it to see.")
    return exc.localized(language())


def render_form(
    values: dict[str, Any],
    *,
    release: Release | None = None,
    version: str = "",
    errors: dict[str, list[str]] | None = None,
    notice: str = "",
    status: int = 200,
) -> tuple[str, int]:
    """The release form with its values, errors next to their fields, and the actions."""
    site, catalog = state.site(), state.catalog()
    account = acting_account()
    categories = sorted({r.category for r in catalog.releases} | {site.settings.default_category})
    tags = sorted({tag for r in catalog.releases for tag in r.tags}, key=str.casefold)
    context: dict[str, Any] = {}
    if release is not None:
        approval = publishing.approval_state(database(), site, release)
        context = {
            "status": release.status(state.now()),
            "approval": approval,
            "approved_at": when_text(approval.approved_at),
            "may_change": editing.may_change(account, release),
            "schedule_value": values.get("date", ""),
        }
    html = render_page(
        "admin/editor/form.html",
        values=values,
        release=release,
        version=version,
        errors=errors or {},
        notice=notice,
        categories=categories,
        tags=tags,
        officers=_officers(),
        languages=LANGUAGE_NAMES,
        extra_tags=EXTRA_TAG_INPUTS,
        one=one,
        many=many,
        **context,
    )
    return html, status


def _with_uploads(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Keep the uploaded image and attachments (checked by content) and name them in values."""
    site, errors = state.site(), {}
    image = request.files.get("image_upload")
    if isinstance(image, FileStorage) and image.filename:
        try:
            stored = store_upload(site, image.filename, image.read(), state.now(), image=True)
        except UploadError as exc:
            errors["image"] = [refusal_text(exc)]
        else:
            values["image_url"] = [stored.url]
            values.pop("image_remove", None)
    for upload in request.files.getlist("attachments"):
        if not upload.filename:
            continue
        try:
            stored = store_upload(site, upload.filename, upload.read(), state.now(), image=False)
        except UploadError as exc:
            errors.setdefault("attachments", []).append(f"{upload.filename} : {refusal_text(exc)}")
            continue
        values.setdefault("file_url", []).append(stored.url)
        values.setdefault("file_name", []).append(upload.filename.rsplit(".", 1)[0])
    return values, errors


@bp.get("/nouveau")
def new() -> Any:
    account = acting_account()
    values = blank_values(state.site(), state.now())
    kept = editing.pending(database(), editing.NEW_DRAFT, account)
    notice = ""
    if kept is not None:
        values.update(kept.values)
        notice = t("Your unsaved release of {when} is back.", when=when_text(kept.saved_at))
    return render_form(values, notice=notice)


@bp.post("/nouveau")
def create() -> Any:
    values, upload_errors = _with_uploads(_values())
    try:
        fields = parse_form(values, state.site(), _officers())
        if upload_errors:
            raise FormError({})
        saved = editing.create_release(state.store(), database(), fields, acting_account())
    except FormError as exc:
        return render_form(values, errors=_translated(exc.errors) | upload_errors, status=400)
    except PressroomError as exc:
        return render_form(values, errors={"": [refusal_text(exc)]}, status=400)
    flash(t("The release is saved as a draft."))
    return redirect(url_for("editor.edit", slug=saved.release.slug))


@bp.get("/<slug>/")
def edit(slug: str) -> Any:
    release = release_or_404(slug)
    site, account = state.site(), acting_account()
    version = editing.file_version(site, release).sha256
    values = form_values(release, site, _officers())
    kept = editing.pending(database(), release.path, account)
    notice = ""
    if kept is not None:
        values.update(kept.values)
        # Saving goes against the version they typed over: a change since then is a conflict.
        version = kept.base_version or version
        notice = t("Your unsaved changes of {when} are back.", when=when_text(kept.saved_at))
    return render_form(values, release=release, version=version, notice=notice)


@bp.post("/<slug>/")
def save(slug: str) -> Any:
    release = release_or_404(slug)
    values, upload_errors = _with_uploads(_values())
    version = request.form.get("version", "")
    try:
        fields = parse_form(values, state.site(), _officers(), legacy_images(release))
        if upload_errors:
            raise FormError({})
        saved = editing.update_release(
            state.store(), database(), slug, fields, version, acting_account()
        )
    except FormError as exc:
        errors = _translated(exc.errors) | upload_errors
        return render_form(values, release=release, version=version, errors=errors, status=400)
    except ConflictError:
        return _conflict(release, values, version)
    except PressroomError as exc:
        errors = {"": [refusal_text(exc)]}
        return render_form(values, release=release, version=version, errors=errors, status=403)
    flash(t("The release is saved."))
    return redirect(url_for("editor.edit", slug=saved.release.slug))


def _conflict(release: Release, values: dict[str, Any], version: str) -> tuple[str, int]:
    """Both versions side by side; nothing was written."""
    site = state.site()
    theirs = editing.release_path(site, release).read_text(encoding="utf-8", errors="replace")
    try:
        fields = parse_form(values, site, _officers(), legacy_images(release))
        mine = release_text(fields, site, release.published)
    except FormError:
        mine = str(values.get("body", [""])[-1])
    html = render_page(
        "admin/editor/conflict.html",
        release=release,
        theirs=theirs,
        mine=mine,
        lines=diff(theirs, mine, t("Current version"), t("Your version")),
        values=values,
        current_version=editing.file_version(site, release).sha256,
    )
    return html, 409


def _autosave(slug: str | None) -> Response:
    values = _values()
    try:
        kept = editing.autosave(
            state.store(),
            database(),
            slug,
            values,
            request.form.get("version", ""),
            acting_account(),
            state.now(),
            _officers(),
        )
    except ConflictError as exc:
        response = jsonify(error=refusal_text(exc))
        response.status_code = 409
        return response
    except PressroomError as exc:
        response = jsonify(error=refusal_text(exc))
        response.status_code = 400
        return response
    time = format_datetime(kept.at, "HH:mm", tzinfo=state.site().settings.zone, locale=language())
    return jsonify(
        where=kept.where, version=kept.version, message=t("Autosaved at {time}.", time=time)
    )


@bp.post("/autosave")
def autosave_new() -> Response:
    return _autosave(None)


@bp.post("/<slug>/autosave")
def autosave(slug: str) -> Response:
    release_or_404(slug)
    return _autosave(slug)


@bp.post("/abandonner")
@bp.post("/<slug>/abandonner")
def discard(slug: str | None = None) -> Response:
    path = release_or_404(slug).path if slug else editing.NEW_DRAFT
    editing.discard_pending(database(), path, acting_account())
    flash(t("Your unsaved changes are discarded."))
    return redirect(url_for("editor.edit", slug=slug) if slug else url_for("editor.new"))
