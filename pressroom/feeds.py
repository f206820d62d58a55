"""Atom feeds (feedgen), ``sitemap.xml`` and ``robots.txt``: what machines read of the newsroom.

Every link is absolute, from the site's ``base_url``: a feed reader or a crawler has no page to
resolve a relative link against.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from html import escape

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from pressroom.config import Site
from pressroom.legal import LegalPage
from pressroom.newsroom import ALL, ListingSpec, Newsroom
from pressroom.pages import absolute, summary, view_for
from pressroom.release import Release


def feed_title(site: Site, spec: ListingSpec) -> str:
    if spec.kind == "all":
        return site.settings.name
    return f"{site.settings.name} – {spec.name}"


# A release shows the same entry in every feed holding it (all, its category, each tag):
# feedgen's entry is filled once per release value and added to each of those feeds, its
# per-field checks and date parsing paid once instead of once per feed.
@lru_cache(maxsize=2048)
def _entry(site: Site, release: Release) -> FeedEntry:
    view = view_for(site, release)
    entry = FeedEntry()
    entry.id(absolute(site, release.url))
    entry.title(release.title)
    entry.link(href=absolute(site, release.url), rel="alternate")
    entry.published(release.date)
    entry.updated(release.date)
    entry.category(term=release.category)
    for tag in release.tags:
        entry.category(term=tag)
    text = summary(release)
    if text:
        entry.summary(text)
    entry.content(view.chapeau_html + view.body_html, type="html")
    return entry


def atom_feed(site: Site, newsroom: Newsroom, spec: ListingSpec = ALL) -> bytes:
    """The Atom feed of a listing: its newest releases with their full text."""
    releases = newsroom.feed_releases(spec)
    feed_url = spec.feed_url or ALL.feed_url or ""
    generator = FeedGenerator()
    generator.id(absolute(site, feed_url))
    generator.title(feed_title(site, spec))
    generator.author({"name": site.settings.issuer_name})
    generator.link(href=absolute(site, newsroom.listing_url(spec)), rel="alternate")
    generator.link(href=absolute(site, feed_url), rel="self")
    generator.language(site.settings.language)
    updated = max((r.date for r in releases), default=datetime(2000, 1, 1).astimezone())
    generator.updated(updated)
    for release in releases:
        generator.add_entry(_entry(site, release), order="append")  # newest first
    data: bytes = generator.atom_str(pretty=True)
    return data


def sitemap_xml(site: Site, newsroom: Newsroom, legal: tuple[LegalPage, ...] = ()) -> bytes:
    """Every public page worth indexing: the releases, the first page of each listing, legal."""
    rows: list[tuple[str, str | None]] = []
    for release in newsroom.releases:
        rows.append((release.url, release.date.date().isoformat()))
    for spec in newsroom.specs():
        members = newsroom.members(spec)
        lastmod = members[0].date.date().isoformat() if members else None
        rows.append((newsroom.listing_url(spec), lastmod))
    rows += [(page.url, None) for page in legal]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, lastmod in rows:
        mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(absolute(site, url), quote=False)}</loc>{mod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def robots_txt(site: Site) -> bytes:
    """Crawlers welcome on the public site, not in the back office; the sitemap's address."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /espace-presse/recherche",
        "",
        f"Sitemap: {absolute(site, '/sitemap.xml')}",
        "",
    ]
    return "\n".join(lines).encode("utf-8")
