"""Atom feeds, sitemap and robots.txt: absolute links, newest first, public releases only."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from flask.testing import FlaskClient

from pressroom.web import create_app
from tests.newsroom_sites import small_site

BASE = "https://presse.example.org"


@pytest.fixture
def web(tmp_path: Path) -> FlaskClient:
    site = small_site(tmp_path / "site")
    return create_app(site, {"TESTING": True, "SECRET_KEY": "test"}).test_client()


def parsed(web: FlaskClient, url: str) -> feedparser.FeedParserDict:
    response = web.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return feedparser.parse(response.data)


def test_feed_parses_and_lists_newest_first(web: FlaskClient) -> None:
    feed = parsed(web, "/espace-presse/feed.xml")
    assert not feed.bozo
    titles = [e.title for e in feed.entries]
    assert titles[0] == "Tchap security flaw resolved"
    assert titles.index("Deuxième communiqué sur la souveraineté numérique") < titles.index(
        "Premier communiqué : l’État ouvre son espace presse"
    )


def test_feed_links_are_absolute(web: FlaskClient) -> None:
    feed = parsed(web, "/espace-presse/feed.xml")
    assert all(e.link.startswith(BASE + "/espace-presse/") for e in feed.entries)


def test_draft_is_not_in_feed(web: FlaskClient) -> None:
    assert "zanzibar" not in web.get("/espace-presse/feed.xml").get_data(as_text=True)


def test_embargoed_release_is_not_in_feed(web: FlaskClient) -> None:
    assert "kilimandjaro" not in web.get("/espace-presse/feed.xml").get_data(as_text=True)


def test_tag_feed_holds_only_its_releases(web: FlaskClient) -> None:
    feed = parsed(web, "/espace-presse/tag/cloud/feed.xml")
    assert [e.title for e in feed.entries] == ["Deuxième communiqué sur la souveraineté numérique"]


def test_category_feed_exists(web: FlaskClient) -> None:
    feed = parsed(web, "/espace-presse/categorie/dossier-de-presse/feed.xml")
    assert len(feed.entries) == 1


def test_feed_of_unknown_tag_is_404(web: FlaskClient) -> None:
    assert web.get("/espace-presse/tag/inconnu/feed.xml").status_code == 404


def test_sitemap_lists_public_releases_with_absolute_urls(web: FlaskClient) -> None:
    xml = web.get("/sitemap.xml").get_data(as_text=True)
    assert f"<loc>{BASE}/espace-presse/premier-communique/</loc>" in xml
    assert "brouillon" not in xml
    assert "embargo" not in xml


def test_robots_names_the_sitemap(web: FlaskClient) -> None:
    text = web.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {BASE}/sitemap.xml" in text
