"""The back office's contact lists under ``/admin/contacts/``: browse, search, edit, import, export.

Everyone signed in may read the lists; changing them, importing and exporting (a list of
people's addresses leaving the building) needs the publisher role. Every change goes through
``pressroom.contacts_edit`` or ``contacts_import``, which write the list file atomically and
refuse to overwrite a version the person did not see. Their refusals, a list's problems and
an import's notes are shown in the back office's language (``localized``).
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from pressroom import audit
from pressroom.contacts import COLUMNS, ContactError, ContactList, list_names, list_path, read_list
from pressroom.contacts_edit import (
    ContactFormError,
    contact_from_form,
    outlets_and_beats,
    read_lists,
    search_contacts,
)
from pressroom.contacts_edit import add_contact as add_contact_to_list
from pressroom.contacts_edit import create_list as create_contact_list
from pressroom.contacts_edit import move_contact as move_contact_to_list
from pressroom.contacts_edit import remove_contact as remove_contact_from_list
from pressroom.contacts_edit import update_contact as update_contact_in_list
from pressroom.contacts_export import export_csv
from pressroom.contacts_import import apply_import, preview_import
from pressroom.errors import ConflictError, NotFoundError, PressroomError
from pressroom.suppression import suppressed_hashes
from pressroom.web import state
from pressroom.web.backoffice import current_account, database, language, render_page, t
from pressroom.web.security import add_backoffice_headers, role_required

bp = Blueprint("contacts_admin", __name__, url_prefix="/admin/contacts")
bp.after_request(add_backoffice_headers)

MAX_RESULTS = 500
UPLOADS = "imports"
UPLOAD_AGE_SECONDS = 24 * 3600
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
FIELD_LABELS = {
    "email": "Email address",
    "first_name": "First name",
    "last_name": "Last name",
    "outlet": "Outlet",
    "role": "Position",
    "beats": "Beats",
    "phone": "Phone",
    "language": "Language",
    "consent_source": "Consent source",
    "consent_date": "Consent date",
    "notes": "Notes",
}


def _actor() -> Any:
    account = current_account()
    if account is None:  # require_login_for_admin has already answered
        abort(401)
    return account


def _list_or_404(name: str) -> ContactList:
    """The list, else a 404 (no such list) or back to the lists with the reason (unreadable)."""
    try:
        return read_list(state.site(), name)
    except NotFoundError:
        abort(404)
    except ContactError as exc:
        if not list_path_exists(name):
            abort(404)
        flash(exc.localized(language()), "error")
        abort(redirect(url_for("contacts_admin.lists")))


def list_path_exists(name: str) -> bool:
    try:
        return list_path(state.site(), name).is_file()
    except ContactError:  # not a valid list name
        return False


def _filters() -> dict[str, str]:
    return {key: request.args.get(key, "").strip()[:200] for key in ("q", "outlet", "beat")}


@bp.get("/")
def lists() -> str:
    """Every list with its size, and a search across them."""
    loaded, problems = read_lists(state.site())
    filters = _filters()
    searched = any(filters.values())
    found = search_contacts(loaded, filters["q"], filters["outlet"], filters["beat"])
    outlets, beats = outlets_and_beats(loaded)
    return render_page(
        "admin/contacts/index.html",
        lists=loaded,
        problems=[p.localized(language()) for p in problems],
        filters=filters,
        searched=searched,
        found=found[:MAX_RESULTS],
        found_total=len(found),
        outlets=outlets,
        beats=beats,
    )


@bp.post("/")
@role_required("publisher")
def list_create() -> Response:
    name = request.form.get("name", "").strip()
    try:
        create_contact_list(state.site(), name)
    except PressroomError as exc:
        flash(exc.localized(language()), "error")
        return redirect(url_for("contacts_admin.lists"))
    audit.record(database(), _actor(), audit.Action.CONTACTS_LIST_CREATED, name)
    flash(t("List {name} created.", name=name))
    return redirect(url_for("contacts_admin.list_page", name=name))


@bp.get("/listes/<name>/")
def list_page(name: str) -> str:
    """One list's contacts, filtered by words, outlet and beat."""
    contact_list = _list_or_404(name)
    filters = _filters()
    found = search_contacts([contact_list], filters["q"], filters["outlet"], filters["beat"])
    outlets, beats = outlets_and_beats([contact_list])
    shown = [f.contact for f in found[:MAX_RESULTS]]
    # Who on this page will receive nothing: the press officer sees why, not just a gap.
    blocked = suppressed_hashes(database())
    return render_page(
        "admin/contacts/list.html",
        contact_list=contact_list,
        problems=[p.localized(language()) for p in contact_list.problems],
        contacts=shown,
        suppressed={c.email for c in shown if c.key in blocked},
        found_total=len(found),
        filters=filters,
        outlets=outlets,
        beats=beats,
        other_lists=[n for n in list_names(state.site()) if n != name],
        version=contact_list.version.sha256 if contact_list.version else "",
    )


def _contact_page(
    contact_list: ContactList, values: dict[str, str], errors: dict[str, list[str]], original: str
) -> str:
    return render_page(
        "admin/contacts/contact_form.html",
        contact_list=contact_list,
        values=values,
        errors=errors,
        original=original,
        columns=COLUMNS,
        labels=FIELD_LABELS,
        version=contact_list.version.sha256 if contact_list.version else "",
    )


def _values_of(contact_list: ContactList, address: str) -> dict[str, str]:
    contact = contact_list.find(address)
    if contact is None:
        abort(404)
    values = {name: str(getattr(contact, name)) for name in COLUMNS}
    values["beats"] = "; ".join(contact.beats)
    return values


@bp.get("/listes/<name>/contact")
@role_required("publisher")
def contact_form(name: str) -> str:
    """The form to add a contact (no ``email`` argument) or edit one."""
    contact_list = _list_or_404(name)
    address = request.args.get("email", "")
    values = _values_of(contact_list, address) if address else {}
    return _contact_page(contact_list, values, {}, address)


@bp.post("/listes/<name>/contact")
@role_required("publisher")
def contact_save(name: str) -> Any:
    contact_list = _list_or_404(name)
    values = {name: request.form.get(name, "") for name in COLUMNS}
    original = request.form.get("original", "")
    expected = request.form.get("version") or None
    site = state.site()
    try:
        contact = contact_from_form(values)
        if original:
            update_contact_in_list(site, name, original, contact, expected)
        else:
            add_contact_to_list(site, name, contact, expected)
    except ContactFormError as exc:
        errors = {exc.field: [exc.localized(language())]}
        return _contact_page(contact_list, values, errors, original), 400
    except PressroomError as exc:
        errors = {"": [exc.localized(language())]}
        return _contact_page(contact_list, values, errors, original), 409
    action = (
        audit.Action.CONTACTS_CONTACT_UPDATED if original else audit.Action.CONTACTS_CONTACT_ADDED
    )
    audit.record(database(), _actor(), action, name)
    flash(t("{email} saved in {name}.", email=contact.email, name=name))
    return redirect(url_for("contacts_admin.list_page", name=name))


@bp.post("/listes/<name>/retirer")
@role_required("publisher")
def contact_remove(name: str) -> Response:
    address = request.form.get("email", "")
    try:
        remove_contact_from_list(state.site(), name, address, request.form.get("version") or None)
    except PressroomError as exc:
        flash(exc.localized(language()), "error")
    else:
        audit.record(database(), _actor(), audit.Action.CONTACTS_CONTACT_REMOVED, name)
        flash(t("{email} removed from {name}.", email=address, name=name))
    return redirect(url_for("contacts_admin.list_page", name=name))


@bp.post("/listes/<name>/deplacer")
@role_required("publisher")
def contact_move(name: str) -> Response:
    address = request.form.get("email", "")
    target = request.form.get("target", "")
    copy = request.form.get("mode") == "copy"
    try:
        move_contact_to_list(
            state.site(), name, address, target, request.form.get("version") or None, copy=copy
        )
    except PressroomError as exc:
        flash(exc.localized(language()), "error")
    else:
        audit.record(
            database(), _actor(), audit.Action.CONTACTS_CONTACT_MOVED, name, {"to": target}
        )
        message = "{email} copied to {target}." if copy else "{email} moved to {target}."
        flash(t(message, email=address, target=target))
    return redirect(url_for("contacts_admin.list_page", name=name))


@bp.get("/listes/<name>/export.csv")
@role_required("publisher")
def list_export(name: str) -> Response:
    """The list for a spreadsheet: formulas neutralised, UTF-8 with BOM, ``;``-separated."""
    contact_list = _list_or_404(name)
    audit.record(database(), _actor(), audit.Action.CONTACTS_LIST_EXPORTED, name)
    response = Response(export_csv(contact_list), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# Import: upload, preview, confirm. The uploaded file waits in instance/imports/ between the
# preview and the confirmation, so the confirmation writes exactly what was previewed.


def _uploads_dir() -> Any:
    folder = state.site().ensure_instance() / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads() -> None:
    cutoff = time.time() - UPLOAD_AGE_SECONDS
    for path in _uploads_dir().glob("*.upload"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@bp.get("/listes/<name>/import")
@role_required("publisher")
def import_form(name: str) -> str:
    return render_page("admin/contacts/import.html", list_name=name, errors=[])


@bp.post("/listes/<name>/import")
@role_required("publisher")
def import_preview(name: str) -> Any:
    """Read the uploaded file and show what importing it would do; nothing is written yet."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors = [t("Choose a file to import.")]
        return render_page("admin/contacts/import.html", list_name=name, errors=errors), 400
    data = upload.read()
    source = upload.filename
    try:
        preview = preview_import(state.site(), name, data, source)
    except PressroomError as exc:
        errors = [exc.localized(language())]
        return render_page("admin/contacts/import.html", list_name=name, errors=errors), 400
    _forget_old_uploads()
    upload_id = secrets.token_hex(16)
    (_uploads_dir() / f"{upload_id}.upload").write_bytes(data)
    return render_page(
        "admin/contacts/import_preview.html",
        list_name=name,
        preview=preview,
        upload_id=upload_id,
        source=source,
        version=preview.base.version.sha256 if preview.base.version else "",
        labels=FIELD_LABELS,
        refused=[(note, note.localized(language())) for note in preview.refused],
        warnings=[(note, note.localized(language())) for note in preview.warnings],
    )


@bp.post("/listes/<name>/import/confirmer")
@role_required("publisher")
def import_confirm(name: str) -> Response:
    """Write what the preview showed, unless the list changed meanwhile."""
    upload_id = request.form.get("upload", "")
    if not _UPLOAD_ID.fullmatch(upload_id):
        abort(400)
    path = _uploads_dir() / f"{upload_id}.upload"
    if not path.is_file():
        flash(t("This import has expired; upload the file again."), "error")
        return redirect(url_for("contacts_admin.import_form", name=name))
    source = request.form.get("source", "")[:200] or "import"
    try:
        preview = preview_import(state.site(), name, path.read_bytes(), source)
        seen = request.form.get("version", "")
        if (preview.base.version.sha256 if preview.base.version else "") != seen:
            raise ConflictError(
                "The list changed since the preview: upload the file again to see what changes."
            )
        apply_import(state.site(), preview)
    except PressroomError as exc:
        flash(exc.localized(language()), "error")
        return redirect(url_for("contacts_admin.import_form", name=name))
    path.unlink(missing_ok=True)
    details = {"added": len(preview.added), "updated": len(preview.updated)}
    audit.record(database(), _actor(), audit.Action.CONTACTS_IMPORTED, name, details)
    flash(
        t(
            "Import done: {added} added, {updated} updated, {refused} refused.",
            added=str(len(preview.added)),
            updated=str(len(preview.updated)),
            refused=str(len(preview.refused)),
        )
    )
    return redirect(url_for("contacts_admin.list_page", name=name))
