"""Atom feeds, ``sitemap.xml`` and ``robots.txt``: what machines read of the newsroom.

Every link is absolute, from the site's ``base_url``: a feed reader or a crawler has no page to
resolve a relative link against.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from feedgen.version import version_str as FEEDGEN_VERSION
from lxml import etree  # type: ignore[import-untyped]  # no stubs shipped

from pressroom.config import Site
from pressroom.legal import LegalPage
from pressroom.markdown import render_markdown
from pressroom.newsroom import ALL, ListingSpec, Newsroom, href
from pressroom.pages import absolute, summary
from pressroom.release import Release


def feed_title(site: Site, spec: ListingSpec) -> str:
    if spec.kind == "all":
        return site.settings.name
    return f"{site.settings.name} – {spec.name}"


# The element feedgen's ``FeedEntry.atom_entry`` makes of these fields, built without its
# per-field checks and bookkeeping (RSS twins of every field), which cost more than the XML.
def _entry_element(base_url: str, release: Release) -> etree._Element:
    url = base_url.rstrip("/") + href(release.url)
    date = release.date.isoformat()  # a release's date always has its zone
    entry = etree.Element("entry")
    etree.SubElement(entry, "id").text = url
    etree.SubElement(entry, "title").text = release.title
    etree.SubElement(entry, "updated").text = date
    # The release's own HTML, as its page shows it before missing uploads are taken out.
    lang = release.language
    html = render_markdown(release.chapeau, lang=lang).html
    html += render_markdown(release.body, lang=lang).html
    content = etree.SubElement(entry, "content")
    if html:
        content.text = html
    content.attrib["type"] = "html"
    # No ``rel``: feedgen 1.0 drops it from entries (and "alternate" is a link's default).
    etree.SubElement(entry, "link", href=url)
    text = summary(release)
    if text:
        etree.SubElement(entry, "summary").text = text
    for term in (release.category, *release.tags):
        etree.SubElement(entry, "category", term=term)
    etree.SubElement(entry, "published").text = date
    return entry


_ATOM = "http://www.w3.org/2005/Atom"
_FEED_END = b"</feed>\n"


def _feed_element() -> etree._Element:
    # feedgen's root: Atom's namespace as a plain attribute, which its children do not repeat.
    return etree.Element("feed", xmlns=_ATOM, nsmap={})


# Every feed holding a release shows the same entry, at the same depth: it is serialized once
# per release value (and base URL), inside a feed of its own whose first and last lines are
# cut off, then joined into each feed as bytes.
@lru_cache(maxsize=2048)
def _entry_xml(base_url: str, release: Release) -> bytes:
    feed = _feed_element()
    feed.append(_entry_element(base_url, release))
    text: bytes = etree.tostring(feed, pretty_print=True, encoding="UTF-8")
    return text[text.index(b"\n") + 1 : -len(_FEED_END)]


def atom_feed(site: Site, newsroom: Newsroom, spec: ListingSpec = ALL) -> bytes:
    """The Atom feed of a listing: its newest releases with their full text.

    The document is the one feedgen 1.0 writes (its generator element included), built with
    lxml directly: feedgen's import and per-field bookkeeping cost more than the XML itself.
    The head is serialized per feed, each entry once per build (``_entry_xml``).
    """
    releases = newsroom.feed_releases(spec)
    feed_url = spec.feed_url or ALL.feed_url or ""
    title = feed_title(site, spec)
    updated = max((r.date for r in releases), default=datetime(2000, 1, 1).astimezone())
    if not title:  # as feedgen refuses it
        raise ValueError("Required fields not set (title)")
    feed = _feed_element()
    if site.settings.language:
        feed.attrib["{http://www.w3.org/XML/1998/namespace}lang"] = site.settings.language
    etree.SubElement(feed, "id").text = absolute(site, feed_url)
    etree.SubElement(feed, "title").text = title
    etree.SubElement(feed, "updated").text = updated.isoformat()
    if site.settings.issuer_name:
        author = etree.SubElement(feed, "author")
        etree.SubElement(author, "name").text = site.settings.issuer_name
    alternate = absolute(site, newsroom.listing_url(spec))
    etree.SubElement(feed, "link", href=alternate).attrib["rel"] = "alternate"
    etree.SubElement(feed, "link", href=absolute(site, feed_url)).attrib["rel"] = "self"
    generator = etree.SubElement(feed, "generator")
    generator.text = "python-feedgen"
    generator.attrib["uri"] = "https://lkiesow.github.io/python-feedgen"
    generator.attrib["version"] = FEEDGEN_VERSION
    head: bytes = etree.tostring(
        etree.ElementTree(feed), pretty_print=True, encoding="UTF-8", xml_declaration=True
    )
    base_url = site.settings.base_url
    entries = b"".join(_entry_xml(base_url, release) for release in releases)  # newest first
    return head[: -len(_FEED_END)] + entries + _FEED_END


def _escape(text: str) -> str:
    """``xml.sax.saxutils.escape``, whose import pulls in ``urllib.request`` and HTTP."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


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
        lines.append(f"  <url><loc>{_escape(absolute(site, url))}</loc>{mod}</url>")
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
