"""Every public page as HTML: the server and the static export both render through here.

What differs between the two is carried by ``Chrome`` (search form target, language switch,
whether PDFs exist), never by a second template.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from babel import Locale

from pressroom.config import Site
from pressroom.i18n import base_language, gettext, translations
from pressroom.legal import LegalPage
from pressroom.markdown import Rendered, render_markdown
from pressroom.newsroom import SEARCH_URL, STATIC_SEARCH_URL, ListingPage, Newsroom, href
from pressroom.phones import load_numbering_plan
from pressroom.release import Release, upload_name
from pressroom.render.context import (
    Link,
    ReleaseView,
    long_date,
    release_view,
    upload_links,
    uploads_folder,
)
from pressroom.render.html import compile_templates, render_release, render_template
from pressroom.search import Found
from pressroom.search_static import shortened


@dataclass(frozen=True)
class Chrome:
    """What surrounds every page: interface language, search target, footer links."""

    ui_lang: str
    search_url: str = SEARCH_URL
    legal: tuple[LegalPage, ...] = ()
    fonts_css: bool = False
    # The other interface language and the link to it (server only: the export is monolingual).
    switch: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The subscription form (server only: a static export has no form to post to).
    subscribe_url: str | None = None
    # Fragments the pages of one static build share (``{% cache %}``); the server caches
    # whole pages instead, so its pages render every fragment. A store belongs to one chrome
    # and one site: fragments may show them (header, footer) without naming them in their key.
    # Its presence also marks a static build's renders (templates checked once per build).
    fragments: dict[tuple[Any, ...], str] | None = None


@dataclass(frozen=True)
class Entry:
    """A release as a listing shows it."""

    release: Release
    url: str
    title: str
    date_text: str
    category: str
    summary: str


@dataclass(frozen=True)
class Download:
    """The generated PDF of a release, linked only when it exists (or will, in an export)."""

    url: str
    label: str
    size: int | None = None


def absolute(site: Site, url: str) -> str:
    """An absolute URL from the site's ``base_url``, for feeds, sitemap and metadata."""
    return site.settings.base_url.rstrip("/") + href(url)


@lru_cache(maxsize=4096)
def _view(
    site: Site, release: Release, images: tuple[Link, ...], files: tuple[Link, ...]
) -> ReleaseView:
    return release_view(site, release, (images, files))


def view_for(site: Site, release: Release) -> ReleaseView:
    """``release_view``, computed once per release value and state of the uploads it names.

    The links to uploads (whether each exists, its size) are resolved at every call, so that
    a server notices a new or replaced file; the rest is computed once.
    """
    return _view(site, release, *upload_links(site, release))


def summary_source(release: Release) -> str:
    """What a release's summary is made of when its chapeau is empty: the body's start
    (rendering all of a long body would be waste)."""
    return release.body[:3000]


@lru_cache(maxsize=8192)
def summary(release: Release) -> str:
    """The chapeau as plain text (else the start of the body), for listings and metadata."""
    text = render_markdown(release.chapeau, lang=release.language).text
    if not text:
        text = shortened(render_markdown(summary_source(release), lang=release.language).text)
    return text


Rendering = tuple[str, str, Rendered]


# Kept per text: a long-lived build (``--watch``) renders again only the texts that changed.
@lru_cache(maxsize=4096)
def render_ahead(text: str, lang: str, with_text: bool) -> Rendering:
    """(text, lang, result) of one text a static build's pages will show, rendered ahead.

    A static build renders each distinct text once, spread over worker processes, then
    renders its pages inside ``rendered_ahead`` of the results (a release shows on its page,
    in listings and in feeds). ``with_text``: its plain text is worked out here too, where
    summaries are made of it.
    """
    rendered = render_markdown(text, lang=lang)
    if with_text:
        rendered.text  # noqa: B018 - a cached property, computed in the worker
    return text, lang, rendered


@lru_cache(maxsize=8192)  # every listing holding a release shows the same entry
def entry(site: Site, release: Release, ui_lang: str) -> Entry:
    """A release as listings, search results and the search index show it."""
    local = release.date.astimezone(site.settings.zone)
    return Entry(
        release=release,
        url=href(release.url),
        title=release.title,
        date_text=long_date(local, ui_lang),
        category=release.category,
        summary=shortened(summary(release)),
    )


# Listing pages ask for twenty entries each: the memo above hashes the whole site and release
# values every time, this one looks a release up by identity (kept alive, so never reused).
_ENTRIES: dict[tuple[int, str], tuple[Release, Site, Entry]] = {}


def entry_of(site: Site, release: Release, ui_lang: str) -> Entry:
    """``entry``, looked up by the release's identity."""
    known = _ENTRIES.get((id(release), ui_lang))
    if known is not None and known[0] is release and known[1] is site:
        return known[2]
    made = entry(site, release, ui_lang)
    if len(_ENTRIES) >= 8192:
        _ENTRIES.clear()
    _ENTRIES[id(release), ui_lang] = (release, site, made)
    return made


def _page(site: Site, template: str, chrome: Chrome, **context: Any) -> str:
    return render_template(site, template, chrome.ui_lang, chrome=chrome, href=href, **context)


def json_ld(site: Site, view: ReleaseView, images: list[str]) -> str:
    """Schema.org ``NewsArticle`` for search engines, safe inside a ``<script>`` element."""
    release = view.release
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": release.title[:110],
        "datePublished": release.date.isoformat(),
        "inLanguage": view.lang,
        "url": absolute(site, release.url),
        "mainEntityOfPage": absolute(site, release.url),
        "articleSection": release.category,
        "keywords": list(release.tags),
        "publisher": {"@type": "Organization", "name": site.settings.issuer_name},
        "author": {"@type": "Organization", "name": site.settings.issuer_name},
    }
    if view.summary:
        data["description"] = view.summary
    if images:
        data["image"] = images
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_UPLOAD_IMG = re.compile(r'<img\b[^>]*?\bsrc="(/uploads/[^"]*)"[^>]*>')
_UPLOAD_LINK = re.compile(r'<a\b[^>]*?\bhref="(/uploads/[^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_ALT = re.compile(r'\balt="([^"]*)"')


def _has_upload(site: Site, url: str) -> bool:
    name = upload_name(html_lib.unescape(url))
    return name is not None and os.path.isfile(os.path.join(uploads_folder(site), name))


def without_missing_uploads(site: Site, html: str, unavailable: str) -> str:
    """Release HTML whose links and images to uploads the site lacks become plain text.

    A page links only files that exist: a broken link or image helps nobody.
    """
    if "/uploads/" not in html:
        return html

    def image(match: re.Match[str]) -> str:
        if _has_upload(site, match[1]):
            return match[0]
        alt = _ALT.search(match[0])
        label = f"{unavailable} : {alt[1]}" if alt and alt[1] else unavailable
        return f'<span class="upload-missing">[{label}]</span>'

    def link(match: re.Match[str]) -> str:
        return match[0] if _has_upload(site, match[1]) else match[2]

    return _UPLOAD_LINK.sub(link, _UPLOAD_IMG.sub(image, html))


# Every template the public pages use, includes and layouts too.
PAGE_TEMPLATES = (
    "page/base.html",
    "page/entries.html",
    "page/error.html",
    "page/legal.html",
    "page/listing.html",
    "page/release.html",
    "page/search.html",
    "partials/release_content.html",
)


def load_page_templates(site: Site, languages: Iterable[str], feeds: bool = False) -> None:
    """Compile the page templates, load the languages' catalogues and date formats, the
    site's numbering plan (phone links) and, with ``feeds``, the feed generator, now, once.

    A static build calls this before forking its workers, which then inherit them instead of
    each compiling every template again and loading the CLDR data of each language (25 ms
    for French), phonenumbers (12–14 ms) and feedgen with lxml (13–17 ms). Calling it again costs
    next to nothing.
    """
    compile_templates(site, PAGE_TEMPLATES)
    for lang in languages:
        translations(lang)
        Locale.parse(base_language(lang)).date_formats  # noqa: B018 - loads the locale's data
    load_numbering_plan(site.settings.timezone)
    if feeds:
        import pressroom.feeds  # noqa: F401 - imported for the workers to inherit


def render_release_page(
    site: Site,
    newsroom: Newsroom,
    release: Release,
    chrome: Chrome,
    pdf: Download | None = None,
) -> str:
    """The communiqué page: through ``render_release`` like the PDF and the email."""
    view = view_for(site, release)
    missing = gettext(view.lang, "Image unavailable")
    chapeau_html = without_missing_uploads(site, view.chapeau_html, missing)
    body_html = without_missing_uploads(site, view.body_html, missing)
    if chapeau_html is not view.chapeau_html or body_html is not view.body_html:
        view = replace(view, chapeau_html=chapeau_html, body_html=body_html)
    categories, tags = newsroom.release_terms(release)
    images = [absolute(site, i.url) for i in view.images if i.available]
    extra = {
        "chrome": chrome,
        "href": href,
        "category_term": categories[0] if categories else None,
        "tag_terms": tags,
        "pdf": pdf,
        "canonical": absolute(site, release.url),
        "og_images": images,
        "json_ld": json_ld(site, view, images),
        "file_size": file_size,
        "chapeau_first": True,
    }
    if base_language(chrome.ui_lang) == base_language(view.lang):
        return render_release(site, view, "page", **extra)
    # An interface language chosen by the visitor: the same template, another catalogue.
    return render_template(site, "page/release.html", chrome.ui_lang, view=view, **extra)


def render_listing_page(site: Site, newsroom: Newsroom, page: ListingPage, chrome: Chrome) -> str:
    """One page of the listing of all releases, a category, a tag or a year."""
    return _page(
        site,
        "page/listing.html",
        chrome,
        page=page,
        entries=[entry_of(site, r, chrome.ui_lang) for r in page.releases],
        newsroom=newsroom,
        canonical=absolute(site, page.canonical),
    )


def render_search_page(
    site: Site,
    newsroom: Newsroom,
    chrome: Chrome,
    query: str,
    found: Found | None,
) -> str:
    """Search results (server), or the empty page the export's script fills in (``None``)."""
    return _page(
        site,
        "page/search.html",
        chrome,
        query=query,
        entries=None if found is None else [entry(site, r, chrome.ui_lang) for r in found.releases],
        total=0 if found is None else found.total,
        newsroom=newsroom,
        canonical=absolute(site, STATIC_SEARCH_URL),
    )


def render_error_page(site: Site, chrome: Chrome, code: int, name: str) -> str:
    return _page(site, "page/error.html", chrome, code=code, name=name)


def render_legal_page(site: Site, chrome: Chrome, page: LegalPage) -> str:
    return _page(site, "page/legal.html", chrome, page=page, canonical=absolute(site, page.url))


def file_size(size: int | None, lang: str) -> str:
    """A file size as people read it: ``1,2 Mo`` in French, ``1.2 MB`` in English."""
    from babel.numbers import format_decimal

    if size is None:
        return ""
    code = base_language(lang)
    units = ("o", "ko", "Mo", "Go") if code == "fr" else ("B", "kB", "MB", "GB")
    value = float(size)
    for unit in units:
        if value < 1000 or unit == units[-1]:
            pattern = "#,##0" if unit == units[0] else "#,##0.#"
            return f"{format_decimal(value, format=pattern, locale=code)}\u00a0{unit}"
        value /= 1000
    return ""  # pragma: no cover - the loop always returns


def available_files(view: ReleaseView) -> list[Link]:
    return [f for f in view.files if f.available]
