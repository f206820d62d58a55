"""The cheap paths of page rendering give what the generic ones gave: feeds sharing entries as
feedgen wrote them with an entry per feed, Babel's dates, and templates edited between builds."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from pressroom import feeds
from pressroom.build import build_site
from pressroom.config import Site, default_theme_dir
from pressroom.feeds import atom_feed
from pressroom.newsroom import newsroom_at
from pressroom.render.context import long_datetime
from pressroom.render.html import template_environment
from pressroom.store import load_catalog
from tests.newsroom_sites import small_site

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return small_site(tmp_path / "site")


def test_feeds_sharing_entries_are_the_feeds_made_with_an_entry_each(site: Site) -> None:
    newsroom = newsroom_at(load_catalog(site), NOW)
    specs = list(newsroom.feed_specs())
    assert len(specs) > 3
    shared = [atom_feed(site, newsroom, spec) for spec in specs]
    alone = []
    for spec in specs:
        feeds._entry.cache_clear()  # every entry made anew for this feed
        alone.append(atom_feed(site, newsroom, spec))
    assert shared == alone
    assert all(feed.count(b"<entry>") >= 1 for feed in shared)


def test_long_datetime_is_babels() -> None:
    rng = random.Random(7)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for name in ("Europe/Paris", "America/New_York", "UTC", "Pacific/Noumea"):
        zone = ZoneInfo(name)
        for _ in range(400):
            moment = (start + timedelta(minutes=rng.randrange(6_000_000))).astimezone(zone)
            for code in ("fr", "en"):
                expected = format_datetime(moment, "long", tzinfo=zone, locale=code)
                assert long_datetime(moment, zone, code) == expected


def test_fragment_inside_another_keeps_its_own_key(site: Site) -> None:
    template = template_environment(site).from_string(
        "{% cache store, 'outer', k %}[{% cache store, 'inner', k %}{{ k }}{% endcache %}]"
        "{% endcache %}"
    )
    store: dict[tuple[object, ...], str] = {}
    assert template.render(store=store, k=1) == "[1]"
    assert template.render(store=store, k=1) == "[1]"
    assert set(store) == {("outer", 1), ("inner", 1)}


def test_template_edited_between_two_builds_is_used(site: Site, tmp_path: Path) -> None:
    own = site.root / "templates" / "page" / "base.html"
    own.parent.mkdir(parents=True)
    shipped = (default_theme_dir() / "page" / "base.html").read_text(encoding="utf-8")
    own.write_text(shipped.replace("<body>", "<body><!-- first -->"), encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    page = out / "espace-presse" / "index.html"
    assert "<!-- first -->" in page.read_text(encoding="utf-8")
    own.write_text(shipped.replace("<body>", "<body><!-- second -->"), encoding="utf-8")
    stat = own.stat()  # a later mtime even on a coarse clock, without sleeping
    os.utime(own, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    build_site(site, out, pdf=False)
    assert "<!-- second -->" in page.read_text(encoding="utf-8")
