"""The public newsroom: what journalists and the public read.

Views only parse the request and ask the core: ``Newsroom.resolve`` says what a path shows (the
static export asks the same question), ``pressroom.pages`` renders it. Visibility is decided at
each request from the clock, so an embargo lifts without a restart. Pages are rendered once per
change of their inputs (``PageCache``) and answered with ETag / Last-Modified and 304s.

Interface language: the site's (French by default); ``?lang=en`` or ``?lang=fr`` switches and is
remembered in a cookie. A release page without a chosen language speaks the release's own.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import mimetypes
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, redirect, request, send_from_directory
from werkzeug.wrappers import Response

from pressroom.feeds import atom_feed, robots_txt, sitemap_xml
from pressroom.i18n import SUPPORTED_LANGUAGES, base_language
from pressroom.legal import LegalPage, LegalPages
from pressroom.newsroom import (
    FeedTarget,
    ListingPage,
    Newsroom,
    NewsroomCache,
    Redirect,
    href,
    lookup_key,
    uploads_used,
)
from pressroom.pages import (
    Chrome,
    Download,
    render_legal_page,
    render_listing_page,
    render_release_page,
    render_search_page,
)
from pressroom.pdfsupport import (
    pdf_cache_stamp,
    pdf_file_name,
    pdf_label,
    rendered_pdf_size,
)
from pressroom.release import Release, upload_name
from pressroom.search import Found, SearchIndexCache
from pressroom.store import Catalog
from pressroom.web import state
from pressroom.web.pagecache import (
    CachedPage,
    PageCache,
    newest,
    release_mtime,
    theme_version,
    uploads_version,
)

logger = logging.getLogger(__name__)
bp = Blueprint("public", __name__)
LANG_COOKIE = "pressroom_lang"
HTML = "text/html; charset=utf-8"
MAX_QUERY = 200


@dataclass
class NewsroomServices:
    """What the public site keeps between requests, one per app."""

    newsrooms: NewsroomCache = field(default_factory=NewsroomCache)
    search: SearchIndexCache = field(default_factory=SearchIndexCache)
    pages: PageCache = field(default_factory=PageCache)
    legal: LegalPages | None = None
    uploads: tuple[Newsroom, UploadRule] | None = None


@dataclass(frozen=True)
class UploadRule:
    """Uploads a visitor may fetch: those a public release shows or links, and the logo.

    Nothing else, as in the static export: not the files of drafts and embargoed releases,
    nor a file uploaded with a form that was then abandoned.
    """

    served: frozenset[str]

    def __contains__(self, name: object) -> bool:
        return name in self.served


def services(app: Flask | None = None) -> NewsroomServices:
    app = app or current_app
    found = app.extensions.get("pressroom.newsroom")
    if found is None:
        found = app.extensions["pressroom.newsroom"] = NewsroomServices()
    assert isinstance(found, NewsroomServices)
    if found.legal is None:
        found.legal = LegalPages(state.site())
    return found


def warm_up(app: Flask) -> tuple[int, float] | None:
    """Read the releases and index them for search now, so that the first visitors do not
    wait for it (about 2 s at 5,000 releases when a build or an earlier start left them parsed in
    ``instance/``, several seconds more otherwise). Run in a thread by ``pressroom serve`` and
    by each gunicorn worker (``pressroom.web.gunicorn_conf``), which say it is done: gives
    (releases, seconds). A problem is logged (None), and the first request meets it again."""
    started = time.perf_counter()
    try:
        with app.app_context():
            catalog = state.catalog()
            services(app).search.get(catalog, state.store().words_of)
            current_newsroom(catalog)
    except Exception:  # a warm-up never stops the server
        logger.exception("warm-up failed; the first request will read the releases")
        return None
    return len(catalog.releases), time.perf_counter() - started


# A server keeps its releases, search index and templates for its whole life: a few hundred
# thousand objects that every full garbage collection walks again, though they only ever die
# by reference counting. At 5,000 releases that walking averaged 120-180 ms a request over
# saves and searches, a few requests paying half a second each; 42-48 ms once frozen.
SERVING_GC_THRESHOLD = (50_000, 20, 20)


def settle_memory() -> None:
    """Once a server process has warmed up: leave what it loaded out of the cyclic garbage
    collector (``gc.freeze``) and collect less often (a request makes thousands of objects,
    nearly all freed by reference counting). Called by ``pressroom serve`` and by pressroom's
    gunicorn settings, never by an app made for tests or scripts."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLD)


def current_newsroom(catalog: Catalog | None = None) -> Newsroom:
    """The public newsroom at this request's moment (of ``catalog`` if the request already
    holds one: a request reads one state of the releases, and checks it once)."""
    site = state.site()
    releases = catalog if catalog is not None else state.catalog()
    return services().newsrooms.get(releases, state.now(), site.settings.per_page)


def chosen_language() -> str | None:
    """The interface language the visitor asked for (``?lang=``, then the cookie), if any."""
    for value in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value and base_language(value) == value.lower() and value.lower() in SUPPORTED_LANGUAGES:
            return value.lower()
    return None


def legal_pages() -> tuple[LegalPage, ...]:
    legal = services().legal
    return legal.load() if legal is not None else ()


def chrome(ui_lang: str | None = None) -> Chrome:
    """The frame of a page for this request: language, footer links, language switch."""
    site = state.site()
    lang = ui_lang or chosen_language() or site.settings.language
    other = "en" if base_language(lang) == "fr" else "fr"
    args = {k: v for k, v in request.args.items() if k in ("q",)}
    args["lang"] = other
    fonts = any((root / "fonts" / "fonts.css").is_file() for root in site.theme_dirs)
    return Chrome(
        ui_lang=lang,
        legal=legal_pages(),
        fonts_css=fonts,
        switch=(other, href(request.path) + "?" + urlencode(args)),
        subscribe_url="/abonnement/" if "subscribe" in current_app.blueprints else None,
    )


def _respond(page: CachedPage, mimetype: str = HTML) -> Response:
    response = Response(page.body, content_type=mimetype)
    response.set_etag(page.etag)
    response.last_modified = page.last_modified
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.add("Cookie")
    lang = request.args.get("lang", "").lower()
    if lang in SUPPORTED_LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax")
    return response.make_conditional(request)


def _cached(
    key: Hashable, last_modified: datetime, render: Callable[[], str | bytes], mimetype: str = HTML
) -> Response:
    return _respond(services().pages.get(key, last_modified, render), mimetype)


def _frame_key(frame: Chrome) -> Hashable:
    site = state.site()
    legal = tuple((p.url, p.version) for p in frame.legal)
    return (theme_version(site), legal, frame.ui_lang, frame.fonts_css, frame.switch)


@bp.get("/")
def home() -> Response:
    return redirect("/espace-presse/")


@bp.get("/espace-presse/recherche")
def search() -> Response:
    site = state.site()
    query = request.args.get("q", "")[:MAX_QUERY].strip()
    catalog = state.catalog()
    newsroom = current_newsroom(catalog)
    index = services().search.get(catalog, state.store().words_of) if query else None
    found = index.search(query, state.now()) if index is not None else None
    frame = chrome()
    html = render_search_page(site, newsroom, frame, query, found or Found([], 0))
    body = html.encode("utf-8")
    etag = hashlib.blake2b(body, digest_size=16).hexdigest()
    return _respond(CachedPage(body, etag, datetime.now(UTC)))


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    site = state.site()
    newsroom = current_newsroom()
    legal = legal_pages()
    key = ("sitemap", _newsroom_key(newsroom), tuple(p.url for p in legal))
    changed = newest(*(r.date for r in newsroom.releases[:1]))
    return _cached(
        key, changed, lambda: sitemap_xml(site, newsroom, legal), "application/xml; charset=utf-8"
    )


@bp.get("/robots.txt")
def robots() -> Response:
    site = state.site()
    return _cached(
        ("robots", site.settings.base_url),
        datetime(2000, 1, 1, tzinfo=UTC),
        lambda: robots_txt(site),
        "text/plain; charset=utf-8",
    )


@bp.get("/uploads/<path:name>")
def upload(name: str) -> Response:
    """A site's upload, if a public release uses it (see ``UploadRule``)."""
    if upload_name("/uploads/" + name) is None or name not in _public_uploads():
        abort(404)
    return send_from_directory(state.site().uploads_dir, name)


def _public_uploads() -> UploadRule:
    newsroom = current_newsroom()
    kept = services()
    if kept.uploads is not None and kept.uploads[0] is newsroom:
        return kept.uploads[1]
    public = set().union(*(uploads_used(r) for r in newsroom.releases))
    logo = upload_name(state.site().settings.issuer_logo)
    rule = UploadRule(frozenset(public | ({logo} if logo else set())))
    kept.uploads = (newsroom, rule)
    return rule


@bp.get("/static/<path:name>")
def static(name: str) -> Response:
    """The theme's CSS, scripts, icons (``static/``) and fonts (``fonts/``): the site's first.

    Read whole, not streamed: these files are small, and a browser dropping a half-read font
    would otherwise leave an open file behind.
    """
    for root in state.site().theme_dirs:
        fonts = name.startswith("fonts/")
        folder, rest = (root / "fonts", name[6:]) if fonts else (root / "static", name)
        path = folder / rest
        if rest and ".." not in Path(rest).parts and path.is_file():
            stat = path.stat()
            response = Response(path.read_bytes(), mimetype=_mimetype(path))
            response.set_etag(f"{stat.st_mtime_ns:x}-{stat.st_size:x}")
            response.last_modified = newest(stat.st_mtime_ns)
            response.cache_control.public = True
            response.cache_control.max_age = 3600
            return response.make_conditional(request)
    abort(404)


def _mimetype(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith("script") else "")


@bp.get("/<path:path>")
def page(path: str) -> Response:
    """Every other public path: a release, a listing, a feed, a redirect, a legal page.

    PDFs have their own, more specific route (``pressroom.web.pdf``).
    """
    site = state.site()
    full = "/" + path
    newsroom = current_newsroom()
    target = newsroom.resolve(full)
    if target is None:
        found = _legal_page(full)
        if found is not None:
            frame = chrome()
            return _cached(
                ("legal", found.url, found.version, _frame_key(frame)),
                newest(found.version[0]),
                lambda: render_legal_page(site, frame, found),
            )
        folder = _folder_url(full)
        if folder is not None and (newsroom.resolve(folder) or _legal_page(folder)):
            return _moved(folder)
        abort(404)
    if isinstance(target, Release):
        return _release(newsroom, target)
    if isinstance(target, Redirect):
        return _moved(target.location)
    if isinstance(target, FeedTarget):
        spec = target.spec
        members = newsroom.feed_releases(spec)
        return _cached(
            ("feed", spec, _newsroom_key(newsroom)),
            newest(*(r.date for r in members[:1])),
            lambda: atom_feed(site, newsroom, spec),
            "application/atom+xml; charset=utf-8",
        )
    return _listing(newsroom, target)


def _moved(location: str) -> Response:
    """A permanent redirect that keeps the query (``?lang=en``)."""
    query = urlencode(list(request.args.items(multi=True)))
    return redirect(href(location) + (f"?{query}" if query else ""), 301)


def _legal_page(path: str) -> LegalPage | None:
    legal = services().legal
    return legal.find(lookup_key(path)) if legal is not None else None


def _folder_url(path: str) -> str | None:
    """The page a path names as a static web server reads it: ``/a/b`` and ``/a/b/index.html``
    are the folder ``/a/b/``. A link copied without its last slash, or to the export's file,
    then leads to the page (one redirect) instead of a 404."""
    if path.endswith("/index.html"):
        return path[: -len("index.html")]
    return None if path.endswith("/") else path + "/"


def _newsroom_key(newsroom: Newsroom) -> Hashable:
    # The releases themselves: equal values, equal pages (a changed file is a new value).
    return newsroom.releases


def _release(newsroom: Newsroom, release: Release) -> Response:
    site = state.site()
    frame = chrome(chosen_language() or release.language)
    name = pdf_file_name(release)
    pdf = Download(release.url + name, pdf_label(frame.ui_lang)) if name else None
    key = (
        "release",
        release,
        newsroom.release_terms(release),
        uploads_version(site, release),
        _frame_key(frame),
        pdf,
        pdf_cache_stamp(site) if pdf else None,
    )
    changed = newest(release.date, release_mtime(site, release))

    def render() -> str:
        # The PDF's size once it is rendered: the key holds the PDF folder's stamp, not the
        # PDF's version, whose digest of the theme would cost more than the page at each request.
        sized = replace(pdf, size=rendered_pdf_size(site, release)) if pdf else None
        return render_release_page(site, newsroom, release, frame, sized)

    return _cached(key, changed, render)


def _listing(newsroom: Newsroom, page: ListingPage) -> Response:
    site = state.site()
    frame = chrome()
    key = ("listing", page.url, _newsroom_key(newsroom), _frame_key(frame))
    changed = newest(*(r.date for r in newsroom.releases[:1]))
    return _cached(key, changed, lambda: render_listing_page(site, newsroom, page, frame))
