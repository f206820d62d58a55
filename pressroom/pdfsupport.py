"""The generated PDF of a release, seen from the newsroom: its file name and its bytes.

The PDF renderer (``pressroom.render.pdf``, WeasyPrint) and its naming rule (``pressroom.pdfname``)
are imported lazily: the newsroom and the static export work without them (a slim install, a
machine without WeasyPrint's libraries), and then leave the PDF link out rather than link a file
that cannot be made.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

from pressroom.config import Site
from pressroom.release import Release

logger = logging.getLogger(__name__)
# Where rendered PDFs are kept, under the site's ``instance/`` (see ``pressroom.pdfcache``).
PDF_CACHE_FOLDER = ("cache", "pdf")


@cache
def pdf_available() -> bool:
    """Whether this installation can make PDFs (the renderer and its naming rule import)."""
    try:
        import pressroom.pdfname
        import pressroom.render.pdf  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint's native libraries missing
        logger.warning("PDFs unavailable (%s): pages will not link them", exc)
        return False
    return True


def pdf_file_name(release: Release) -> str | None:
    """The PDF's file name (``CP_....pdf``), or None when PDFs cannot be made here."""
    if not pdf_available():
        return None
    from pressroom.pdfname import release_pdf_name

    return release_pdf_name(release)


def pdf_label(lang: str) -> str:
    """The PDF link's text; the page says beside it that it is a PDF, and its size."""
    from pressroom.i18n import gettext

    return gettext(lang, "The press release")


def pdf_cache_dir(site: Site) -> Path:
    """Where a site's rendered PDFs are kept."""
    return site.instance_dir.joinpath(*PDF_CACHE_FOLDER)


def pdf_cache_stamp(site: Site) -> int:
    """Changes whenever a PDF is rendered or pruned (the folder's own modification time): a
    page showing a PDF's size is made again then, for one ``stat`` per request."""
    try:
        return os.stat(pdf_cache_dir(site)).st_mtime_ns
    except OSError:
        return 0


def rendered_pdf_size(site: Site, release: Release) -> int | None:
    """The size of the release's PDF if its current version is already rendered (a publish
    renders it ahead), else None: a page never waits for a PDF to show its size."""
    if not pdf_available():
        return None
    from pressroom.pdfcache import cached_pdf

    try:
        found = cached_pdf(site, release)
        return found.path.stat().st_size if found is not None else None
    except OSError:  # pruned by a newer version since
        return None


def pdf_url(release: Release) -> str | None:
    """Where the PDF is published: ``/espace-presse/<slug>/<NAME>.pdf``."""
    name = pdf_file_name(release)
    return release.url + name if name else None


def render_pdf(site: Site, release: Release) -> bytes | None:
    """The PDF's bytes, or None when the renderer is missing; ``PdfError`` if it fails."""
    if not pdf_available():
        return None
    from pressroom.render.pdf import render_pdf as render

    return render(site, release)
