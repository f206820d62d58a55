"""The PDF communiqué: the release's print HTML through WeasyPrint. The only WeasyPrint import.

The HTML comes from the one rendering path (``render_release(..., "print")``); this module adds
what paper needs: the issuer's logo when it is an upload of the site, a URL fetcher that reads
only the site's own files (``pressroom.render.fetcher``), tagging for accessibility (PDF/UA-1
by default, any WeasyPrint variant such as ``pdf/a-3b`` for archives) and the metadata.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.pdf import VARIANTS
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from pressroom.config import Site
from pressroom.errors import PressroomError
from pressroom.release import Release, upload_name
from pressroom.render.context import ReleaseView, release_view
from pressroom.render.fetcher import FetchLog, SiteFetcher
from pressroom.render.html import TemplateProblem, render_release

logger = logging.getLogger(__name__)

ENGINE = f"WeasyPrint {weasyprint.__version__}"
DEFAULT_VARIANT = "pdf/ua-1"
VARIANT_ENV = "PRESSROOM_PDF_VARIANT"
NO_VARIANT = ("", "none")
_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")


class PdfError(PressroomError):
    """A PDF could not be made (a broken theme template, an unknown PDF variant...)."""


def pdf_variant(value: str | None = None) -> str:
    """The PDF variant to produce: ``value``, else ``PRESSROOM_PDF_VARIANT``, else PDF/UA-1.

    ``none`` gives a plain PDF (still tagged); the PDF/A variants (``pdf/a-3b``...) suit archives.
    """
    chosen = (value if value is not None else os.environ.get(VARIANT_ENV, DEFAULT_VARIANT)).strip()
    chosen = chosen.lower()
    if chosen in NO_VARIANT:
        return ""
    if chosen not in VARIANTS:
        known = ", ".join(sorted(VARIANTS))
        raise PdfError(
            "unknown PDF variant {variant!r} ({setting}); use one of: {known}",
            variant=chosen,
            setting=VARIANT_ENV,
            known=known,
        )
    return chosen


def site_variant(site: Site) -> str:
    """The variant for a site: the operator's ``PRESSROOM_PDF_VARIANT``, else ``[pdf] variant``."""
    return pdf_variant(os.environ.get(VARIANT_ENV) or site.settings.pdf_variant)


def site_origin(site: Site) -> str:
    """The address the print HTML is rendered at: links in the PDF point to the public site."""
    return site.settings.base_url.rstrip("/") or "http://localhost"


def issuer_logo_url(site: Site) -> str:
    """The issuer's logo as the print template shows it: only an existing upload of the site."""
    name = upload_name(site.settings.issuer_logo)
    if name is None or not (site.uploads_dir / name).is_file():
        if site.settings.issuer_logo:
            logger.warning("PDF: issuer logo %r is not an upload of the site; left out", name)
        return ""
    return "/uploads/" + name


@dataclass(frozen=True)
class PrintDocument:
    """A release's print HTML and the base URL it is rendered at."""

    view: ReleaseView
    html: str
    base_url: str


def print_document(site: Site, release: Release) -> PrintDocument:
    """The HTML WeasyPrint will render, from the one rendering path."""
    view = release_view(site, release)
    try:
        html = render_release(site, view, "print", issuer_logo=issuer_logo_url(site))
    except TemplateProblem as exc:
        raise PdfError("the print template cannot be rendered: {reason}", reason=str(exc)) from exc
    return PrintDocument(view, html, site_origin(site) + release.url)


class _WeasyFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """WeasyPrint's side of ``SiteFetcher``: no network handler is ever used."""

    def __init__(self, policy: SiteFetcher) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.policy = policy

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        got = self.policy.fetch(url)
        return URLFetcherResponse(got.url, got.data, {"Content-Type": got.mime})


def url_fetcher(site: Site, log: FetchLog | None = None) -> weasyprint.URLFetcher:
    """A WeasyPrint URL fetcher that reads only this site's uploads, theme and ``data:`` URLs."""
    return _WeasyFetcher(SiteFetcher(site, site_origin(site), log))


# One FontConfiguration per theme and process: loading the fonts is a good part of a cold
# render. It is rebuilt when a font file of the theme changes.
_FONTS: dict[tuple[Path, ...], tuple[tuple[tuple[str, int, int], ...], FontConfiguration]] = {}
# WeasyPrint documents share that configuration (and Pango's font map): one render at a time
# per process. Pages are served from the cache, so this only orders cold renders.
_RENDER_LOCK = threading.Lock()


def _font_files(site: Site) -> tuple[tuple[str, int, int], ...]:
    found = []
    for root in site.theme_dirs:
        for path in root.rglob("*"):
            if path.suffix.lower() in _FONT_SUFFIXES and path.is_file():
                stat = path.stat()
                found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def _font_config(site: Site) -> FontConfiguration:
    signature = _font_files(site)
    cached = _FONTS.get(site.theme_dirs)
    if cached is None or cached[0] != signature:
        cached = (signature, FontConfiguration())
        _FONTS[site.theme_dirs] = cached
    return cached[1]


def render_pdf(
    site: Site,
    release: Release,
    *,
    variant: str | None = None,
    log: FetchLog | None = None,
) -> bytes:
    """Render one release to PDF bytes (drafts too: visibility is the caller's business)."""
    chosen = pdf_variant(variant) if variant is not None else site_variant(site)
    document = print_document(site, release)
    fetcher = url_fetcher(site, log)
    try:
        with _RENDER_LOCK:
            html = weasyprint.HTML(
                string=document.html, base_url=document.base_url, url_fetcher=fetcher
            )
            pdf: bytes = html.write_pdf(
                font_config=_font_config(site),
                pdf_variant=chosen or None,
                pdf_tags=True,
                pdf_identifier=release.url.encode("utf-8"),
            )
    except (ValueError, OSError, AssertionError) as exc:
        raise PdfError("the PDF could not be made: {reason}", reason=str(exc)) from exc
    return pdf
