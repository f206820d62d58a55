"""The communiqué's PDF at ``/espace-presse/<slug>/<CP_NAME>.pdf``, served from the cache."""

from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, redirect, send_file, url_for
from werkzeug.wrappers import Response

from pressroom.errors import PressroomError
from pressroom.pdfname import release_pdf_name
from pressroom.release import Release
from pressroom.web import state

bp = Blueprint("pdf", __name__)

# Journalists re-download; the ETag (the version's hash) makes that a 304 once this expires.
MAX_AGE = 300


_MEMO = "pressroom.pdf.releases"


def _file_signature(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _find_release(slug: str) -> Release | None:
    """The release at this slug; re-read from the catalog only when its file changed.

    Listing the whole ``releases/`` folder costs more than sending a cached PDF, and a PDF
    link is requested far more often than releases are edited: one ``stat`` tells.
    """
    memo: dict[str, tuple[Release, str, tuple[int, int]]]
    memo = current_app.extensions.setdefault(_MEMO, {})
    known = memo.get(slug)
    if known is not None and _file_signature(known[1]) == known[2]:
        return known[0]
    catalog = state.catalog()
    release = catalog.find_url(f"/espace-presse/{slug}/") or catalog.find_slug(slug)
    if release is None:
        memo.pop(slug, None)
        return None
    source = os.path.join(state.site().root, release.path)
    signature = _file_signature(source)
    if signature is not None:
        memo[slug] = (release, source, signature)
    return release


@bp.get("/espace-presse/<path:slug>/<name>.pdf")
def release_pdf(slug: str, name: str) -> Response:
    """The PDF of a public release; an outdated or mistyped name redirects to the right one."""
    release = _find_release(slug)
    if release is None or not release.is_public(state.now()):
        abort(404)
    right = release_pdf_name(release)
    if f"{name}.pdf" != right:
        return redirect(url_for("pdf.release_pdf", slug=slug, name=right[: -len(".pdf")]))
    # Imported here: the newsroom works on a machine without WeasyPrint's native libraries.
    from pressroom.pdfcache import pdf_for

    try:
        cached = pdf_for(state.site(), release)
    except PressroomError as exc:
        current_app.logger.error("PDF of %s: %s", release.path, exc)
        abort(503)
    return send_file(
        cached.path,
        mimetype="application/pdf",
        download_name=cached.name,
        conditional=True,
        etag=cached.key,
        max_age=MAX_AGE,
    )
