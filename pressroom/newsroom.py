"""The public newsroom at one moment: which releases a visitor may see, and at which URLs.

Pure logic, no Flask: the server and the static export both ask a ``Newsroom`` what a path
shows, so both publish the very same URL space. Release URLs always win: a communiqué keeps the
address Jekyll gave it, even if that address looks like a listing (``/espace-presse/2021/``);
the listing then moves to its ``page/1/`` form instead of being lost.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Literal
from urllib.parse import quote

from pressroom.paging import page_count, page_window
from pressroom.release import NEWSROOM_PREFIX, Release, upload_name
from pressroom.slug import ascii_slug
from pressroom.store import Catalog

ListingKind = Literal["all", "category", "tag", "year"]
FEED_LENGTH = 20

_LISTING_RE = re.compile(
    r"^/espace-presse/(?:(?P<kind>categorie|tag)/(?P<slug>[^/]+)/|(?P<year>\d{4})/)?"
    r"(?:page/(?P<page>[1-9]\d{0,5})/)?$"
)
_FEED_RE = re.compile(r"^/espace-presse/(?:(?P<kind>categorie|tag)/(?P<slug>[^/]+)/)?feed\.xml$")
_PATH_KIND: dict[str, ListingKind] = {"categorie": "category", "tag": "tag"}
# The server's search page, and the export's (a folder: a static server serves its index).
SEARCH_URL = "/espace-presse/recherche"
STATIC_SEARCH_URL = "/espace-presse/recherche/"
# What a URL may hold unescaped; everything else (accents, spaces, ’) is percent-encoded.
_URL_SAFE = "/!$&'()*+,;=:@-._~"


@lru_cache(maxsize=16384)  # pure, and every page links the same few thousand paths
def href(url: str) -> str:
    """A site path as it goes into a link, a feed or the sitemap: percent-encoded UTF-8."""
    return quote(url, safe=_URL_SAFE)


def lookup_key(path: str) -> str:
    """Paths compare in NFC (a typed URL is NFC, some file names are NFD), case kept."""
    return unicodedata.normalize("NFC", path)


@lru_cache(maxsize=16384)
def term_slug(name: str) -> str:
    """A category or tag name in a URL: ``Communiqué de presse`` → ``communique-de-presse``."""
    return ascii_slug(name) or "sans-nom"


@dataclass(frozen=True)
class Term:
    """A category or tag that at least one public release carries."""

    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class ListingSpec:
    """Which releases a listing shows: all of them, or one category, tag or year's."""

    kind: ListingKind = "all"
    key: str = ""
    name: str = ""

    @property
    def base_url(self) -> str:
        if self.kind == "category":
            return f"{NEWSROOM_PREFIX}categorie/{self.key}/"
        if self.kind == "tag":
            return f"{NEWSROOM_PREFIX}tag/{self.key}/"
        if self.kind == "year":
            return f"{NEWSROOM_PREFIX}{self.key}/"
        return NEWSROOM_PREFIX

    @property
    def feed_url(self) -> str | None:
        """Years have no feed of their own; the site, categories and tags do."""
        return None if self.kind == "year" else self.base_url + "feed.xml"


ALL = ListingSpec()


@dataclass(frozen=True)
class ListingPage:
    """One page of a listing."""

    spec: ListingSpec
    number: int
    count: int
    releases: tuple[Release, ...]
    url: str
    canonical: str
    previous_url: str | None
    next_url: str | None
    total: int

    @property
    def window(self) -> list[int | None]:
        """The page numbers its pager links, ``None`` for a gap."""
        return page_window(self.number, self.count)


@dataclass(frozen=True)
class Redirect:
    """An old URL of a release (``redirect_from``): answered by a permanent redirect."""

    location: str


@dataclass(frozen=True)
class FeedTarget:
    """An Atom feed of a listing."""

    spec: ListingSpec


Target = Release | ListingPage | Redirect | FeedTarget


def _group(
    releases: tuple[Release, ...],
) -> tuple[dict[tuple[ListingKind, str], list[Release]], dict[tuple[ListingKind, str], str]]:
    """Releases by (kind, key) of each listing they belong to, and each term's spelling."""
    groups: dict[tuple[ListingKind, str], list[Release]] = {}
    names: dict[tuple[ListingKind, str], str] = {}
    for release in releases:
        keys: dict[tuple[ListingKind, str], str] = {("year", str(release.date.year)): ""}
        keys.setdefault(("category", term_slug(release.category)), release.category)
        for tag in release.tags:
            keys.setdefault(("tag", term_slug(tag)), tag)
        for key, name in keys.items():
            groups.setdefault(key, []).append(release)
            names.setdefault(key, name)  # the newest release's spelling wins
    return groups, names


@dataclass(frozen=True)
class Newsroom:
    """The public releases of a catalog at one moment, with their listings and URLs."""

    releases: tuple[Release, ...]
    per_page: int = 12
    categories: dict[str, Term] = field(default_factory=dict)
    tags: dict[str, Term] = field(default_factory=dict)
    years: tuple[int, ...] = ()
    by_url: dict[str, Release] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    groups: dict[tuple[ListingKind, str], tuple[Release, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, releases: tuple[Release, ...], per_page: int = 12) -> Newsroom:
        """Index public releases (newest first, as the catalog holds them)."""
        by_url = {lookup_key(r.url): r for r in releases}
        redirects: dict[str, str] = {}
        for release in releases:
            for old in release.redirect_from:
                path = old if old.startswith("/") else NEWSROOM_PREFIX + old
                key = lookup_key(path)
                if key not in by_url:
                    redirects.setdefault(key, release.url)
        groups, names = _group(releases)

        def terms(kind: ListingKind) -> dict[str, Term]:
            slugs = sorted(k for (g, k) in groups if g == kind)
            return {s: Term(s, names[kind, s], len(groups[kind, s])) for s in slugs}

        return cls(
            releases=releases,
            per_page=max(1, per_page),
            categories=terms("category"),
            tags=terms("tag"),
            years=tuple(sorted({r.date.year for r in releases}, reverse=True)),
            by_url=by_url,
            redirects=redirects,
            groups={key: tuple(members) for key, members in groups.items()},
        )

    # -- what a listing holds -------------------------------------------------------------

    def spec(self, kind: ListingKind, key: str = "") -> ListingSpec | None:
        """The listing of a category/tag slug or a year, if any public release is in it."""
        if kind == "all":
            return ALL
        if kind == "year":
            known = key.isdigit() and int(key) in self.years
            return ListingSpec("year", key, key) if known else None
        terms = self.categories if kind == "category" else self.tags
        term = terms.get(key)
        return ListingSpec(kind, term.slug, term.name) if term else None

    def specs(self) -> Iterator[ListingSpec]:
        """Every listing the newsroom has: all, each category, each tag, each year."""
        yield ALL
        for term in self.categories.values():
            yield ListingSpec("category", term.slug, term.name)
        for term in self.tags.values():
            yield ListingSpec("tag", term.slug, term.name)
        for year in self.years:
            yield ListingSpec("year", str(year), str(year))

    def members(self, spec: ListingSpec) -> tuple[Release, ...]:
        """The releases a listing shows, newest first."""
        if spec.kind == "all":
            return self.releases
        return self.groups.get((spec.kind, spec.key), ())

    def page_count(self, spec: ListingSpec) -> int:
        return page_count(len(self.members(spec)), self.per_page)

    def listing_url(self, spec: ListingSpec, number: int = 1) -> str:
        """A listing page's URL; page 1 is the bare one unless a release owns that address."""
        base = spec.base_url
        if number == 1 and lookup_key(base) not in self.by_url:
            return base
        return f"{base}page/{number}/"

    def listing_page(self, spec: ListingSpec, number: int = 1) -> ListingPage | None:
        """One page of a listing, or None past its last page."""
        members = self.members(spec)
        count = page_count(len(members), self.per_page)
        if not 1 <= number <= count:
            return None
        start = (number - 1) * self.per_page
        url = self.listing_url(spec, number)
        return ListingPage(
            spec=spec,
            number=number,
            count=count,
            releases=members[start : start + self.per_page],
            url=url,
            canonical=url,
            previous_url=self.listing_url(spec, number - 1) if number > 1 else None,
            next_url=self.listing_url(spec, number + 1) if number < count else None,
            total=len(members),
        )

    def listing_pages(self) -> Iterator[ListingPage]:
        """Every page of every listing, as the static export writes them."""
        for spec in self.specs():
            for number in range(1, self.page_count(spec) + 1):
                page = self.listing_page(spec, number)
                if page is not None:
                    yield page

    @cached_property
    def filters(self) -> dict[str, tuple[tuple[str, str, str, int], ...]]:
        """The listings a visitor can filter by: (key, name, link, count) by kind, computed once."""
        out: dict[str, tuple[tuple[str, str, str, int], ...]] = {}
        groups: tuple[tuple[ListingKind, dict[str, Term]], ...] = (
            ("category", self.categories),
            ("tag", self.tags),
        )
        for kind, terms in groups:
            out[kind] = tuple(
                (t.slug, t.name, href(self.listing_url(ListingSpec(kind, t.slug, t.name))), t.count)
                for t in terms.values()
            )
        out["year"] = tuple(
            (str(y), str(y), href(self.listing_url(ListingSpec("year", str(y), str(y)))), 0)
            for y in self.years
        )
        return out

    def feed_releases(self, spec: ListingSpec) -> tuple[Release, ...]:
        return self.members(spec)[:FEED_LENGTH]

    def feed_specs(self) -> Iterator[ListingSpec]:
        return (s for s in self.specs() if s.feed_url is not None)

    # -- what a path shows ----------------------------------------------------------------

    def resolve(self, path: str) -> Target | None:
        """What the public site shows at ``path`` (decoded, without query), or None for 404."""
        key = lookup_key(path)
        release = self.by_url.get(key)
        if release is not None:
            return release
        if key in self.redirects:
            return Redirect(self.redirects[key])
        match = _LISTING_RE.match(key)
        if match:
            return self._listing(match)
        match = _FEED_RE.match(key)
        if match:
            kind = _PATH_KIND.get(match["kind"] or "", "all")
            spec = self.spec(kind, match["slug"] or "")
            return FeedTarget(spec) if spec else None
        return None

    def _listing(self, match: re.Match[str]) -> ListingPage | Redirect | None:
        if match["year"]:
            spec = self.spec("year", match["year"])
        else:
            spec = self.spec(_PATH_KIND.get(match["kind"] or "", "all"), match["slug"] or "")
        if spec is None:
            return None
        number = int(match["page"] or 1)
        page = self.listing_page(spec, number)
        if page is None:
            return None
        # ``page/1/`` names the bare listing URL's page a second time (the export writes no
        # such file): one address per page, as a link checker and a search engine want.
        return page if page.url == match.string else Redirect(page.url)

    def release_terms(self, release: Release) -> tuple[tuple[Term, ...], tuple[Term, ...]]:
        """The category and tags of a release, as links to their listings."""
        category = self.categories.get(term_slug(release.category))
        slugs = dict.fromkeys(term_slug(t) for t in release.tags)
        tags = tuple(self.tags[s] for s in slugs if s in self.tags)
        return ((category,) if category else ()), tags


_UPLOAD_LINK_TAIL = re.compile(r"""/uploads/[^)"'\s<>]+""")
_UPLOAD_LINK_HEAD = frozenset("(\"'=")


def _upload_links(text: str) -> list[str]:
    """Uploads linked from a text (Markdown or HTML): each ``/uploads/…`` path opened by one
    of ``( " ' =`` or a space, up to a closing one of ``) " '`` ``< >`` or a space.

    A regex would try its first character at every position of a communiqué (a fifth of a cold
    parse's time on a thousand of them); ``str.find`` skips to the few places it can match.
    """
    found: list[str] = []
    end = 0  # where the last match ended: the next one's opening character cannot be before
    at = text.find("/uploads/", 1)
    while at > 0:
        head = text[at - 1]
        if at > end and (head in _UPLOAD_LINK_HEAD or head.isspace()):
            match = _UPLOAD_LINK_TAIL.match(text, at)
            if match:
                found.append(match.group())
                end = match.end()
        at = text.find("/uploads/", at + 1)
    return found


@lru_cache(maxsize=16384)
def uploads_used(release: Release) -> frozenset[str]:
    """Names under ``uploads/`` a release shows or links (images, files, links in its text)."""
    names: set[str] = set()
    candidates = [i.src for i in release.images] + [f.url for f in release.files]
    candidates += _upload_links(release.body) + _upload_links(release.chapeau)
    for url in candidates:
        name = upload_name(url)
        if name is not None:
            names.add(name)
    return frozenset(names)


class NewsroomCache:
    """One ``Newsroom`` per (catalog, moment), rebuilt only when what is public changes.

    For a given catalog, what is public changes only when the next embargo lifts: until that
    moment a request reuses the newsroom without looking at every release again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Catalog, int] | None = None
        self._valid: tuple[datetime, datetime] | None = None  # [made at, next embargo lift)
        self._newsroom: Newsroom | None = None

    def get(self, catalog: Catalog, now: datetime, per_page: int) -> Newsroom:
        with self._lock:
            key, valid = self._key, self._valid
            if (
                self._newsroom is not None
                and key is not None
                and key[0] is catalog
                and key[1] == per_page
                and valid is not None
                and valid[0] <= now < valid[1]
            ):
                return self._newsroom
        newsroom = Newsroom.of(tuple(catalog.public(now)), per_page)
        later = (r.date for r in catalog.releases if r.published and r.date > now)
        lift = min(later, default=_NEVER)
        with self._lock:
            self._key, self._valid, self._newsroom = (catalog, per_page), (now, lift), newsroom
        return newsroom


_NEVER = datetime.max.replace(tzinfo=UTC)


def newsroom_at(catalog: Catalog, now: datetime, per_page: int = 12) -> Newsroom:
    """The public newsroom of a catalog at ``now`` (the static export's way: no cache)."""
    return Newsroom.of(tuple(catalog.public(now)), per_page)
