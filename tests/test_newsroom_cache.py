"""Public pages are rendered once per change of their inputs and answer conditional requests."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.newsroom import NewsroomCache
from pressroom.release import Release
from pressroom.store import Catalog, load_catalog
from pressroom.web import create_app
from pressroom.web.public import services
from tests.newsroom_sites import save_as_an_editor, small_site

PREMIER = "/espace-presse/premier-communique/"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return small_site(tmp_path / "site")


@pytest.fixture
def newsroom_app(site: Site) -> Flask:
    return create_app(site, {"TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def web(newsroom_app: Flask) -> FlaskClient:
    return newsroom_app.test_client()


def renders(app: Flask) -> int:
    return services(app).pages.renders


def touch_later(path: Path, text: str) -> None:
    """Save a file anew with a later mtime (tests must not sleep to get a new timestamp)."""
    stat = path.stat()
    save_as_an_editor(path, text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_page_has_etag_and_last_modified(web: FlaskClient) -> None:
    response = web.get(PREMIER)
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]


def test_matching_etag_answers_304(web: FlaskClient) -> None:
    etag = web.get(PREMIER).headers["ETag"]
    response = web.get(PREMIER, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""


def test_unchanged_since_last_modified_answers_304(web: FlaskClient) -> None:
    modified = web.get(PREMIER).headers["Last-Modified"]
    assert web.get(PREMIER, headers={"If-Modified-Since": modified}).status_code == 304


def test_page_is_rendered_once_for_many_requests(newsroom_app: Flask, web: FlaskClient) -> None:
    web.get(PREMIER)
    before = renders(newsroom_app)
    for _ in range(5):
        assert web.get(PREMIER).status_code == 200
    assert renders(newsroom_app) == before


def test_changed_file_is_rendered_again(site: Site, newsroom_app: Flask, web: FlaskClient) -> None:
    etag = web.get(PREMIER).headers["ETag"]
    path = site.releases_dir / "2021-03-01-premier-communique.md"
    touch_later(path, path.read_text(encoding="utf-8").replace("Le texte", "Le nouveau texte"))
    response = web.get(PREMIER, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Le nouveau texte" in response.get_data(as_text=True)


def test_changed_template_is_rendered_again(site: Site, web: FlaskClient) -> None:
    web.get(PREMIER)
    own = site.templates_dir / "page"
    own.mkdir(parents=True)
    (own / "release.html").write_text("Thème du site : {{ view.title }}", encoding="utf-8")
    assert web.get(PREMIER).get_data(as_text=True).startswith("Thème du site")


def test_listing_follows_a_new_release(site: Site, web: FlaskClient) -> None:
    web.get("/espace-presse/")
    (site.releases_dir / "2024-01-01-nouveau.md").write_text(
        "---\ntitle: Tout nouveau communiqué\ndate: 2024-01-01\n---\nTexte.\n", encoding="utf-8"
    )
    assert "Tout nouveau communiqué" in web.get("/espace-presse/").get_data(as_text=True)


def test_newsroom_is_reused_until_the_next_embargo_lifts(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request does not look at every release again while what is public cannot change."""
    catalog = load_catalog(site)
    cache = NewsroomCache()
    before = datetime(2030, 1, 15, 6, 59, tzinfo=UTC)  # the embargo lifts at 07:00 UTC
    first = cache.get(catalog, before, 12)
    looked: list[datetime] = []
    public = Catalog.public

    def counted(catalog: Catalog, now: datetime) -> list[Release]:
        looked.append(now)
        return public(catalog, now)

    monkeypatch.setattr(Catalog, "public", counted)
    assert cache.get(catalog, before + timedelta(seconds=59), 12) is first
    assert looked == []
    lifted = cache.get(catalog, datetime(2030, 1, 15, 7, 0, tzinfo=UTC), 12)
    assert lifted is not first
    assert "/espace-presse/embargo/" in [r.url for r in lifted.releases]
    assert "/espace-presse/embargo/" not in [r.url for r in first.releases]
    earlier = cache.get(catalog, before, 12)  # a clock set back (tests) is not served later
    assert "/espace-presse/embargo/" not in [r.url for r in earlier.releases]
    assert cache.get(load_catalog(site), before, 12) is not earlier  # a new catalog
