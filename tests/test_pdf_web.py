"""``/espace-presse/<slug>/<NAME>.pdf``: served from the cache, named, never for drafts."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask.testing import FlaskClient

from pressroom import pdfcache
from pressroom.config import Site
from pressroom.pages import file_size
from pressroom.pdfsupport import pdf_cache_dir
from pressroom.release import Release
from pressroom.store import load_catalog
from pressroom.web import create_app
from tests.newsroom_sites import save_as_an_editor

PUBLIC = """\
---
title: 'Numérique : l’État recrute 300 postes'
date: 2021-11-18 10:00:00 +01:00
categories:
- Communiqué de presse
---

Le forum de l’emploi tech.
"""
DRAFT = PUBLIC.replace("date:", "published: false\ndate:")
EMBARGOED = PUBLIC.replace("2021-11-18", "2999-01-01")
URL = "/espace-presse/public/CP_NUMERIQUE_L_ETAT_RECRUTE_300_POSTES.pdf"


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site({"public.md": PUBLIC, "draft.md": DRAFT, "embargoed.md": EMBARGOED})


@pytest.fixture
def pdf_client(site: Site) -> FlaskClient:
    return create_app(site, {"TESTING": True, "SECRET_KEY": "test"}).test_client()


def test_pdf_is_served_with_its_file_name(pdf_client: FlaskClient) -> None:
    response = pdf_client.get(URL, buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition == "inline; filename=CP_NUMERIQUE_L_ETAT_RECRUTE_300_POSTES.pdf"


def test_unchanged_pdf_answers_not_modified(pdf_client: FlaskClient) -> None:
    etag = pdf_client.get(URL, buffered=True).headers["ETag"]
    again = pdf_client.get(URL, headers={"If-None-Match": etag}, buffered=True)
    assert again.status_code == 304


def test_edited_release_gets_a_new_pdf(pdf_client: FlaskClient, site: Site) -> None:
    first = pdf_client.get(URL, buffered=True).headers["ETag"]
    path = site.releases_dir / "public.md"
    save_as_an_editor(path, PUBLIC.replace("forum", "salon"))
    second = pdf_client.get(URL, buffered=True)
    assert second.status_code == 200
    assert second.headers["ETag"] != first
    assert len(list(pdf_cache_dir(site).glob("*.pdf"))) == 1


def test_wrong_name_redirects_to_the_right_one(pdf_client: FlaskClient) -> None:
    response = pdf_client.get("/espace-presse/public/CP_OLD_TITLE.pdf", buffered=True)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(URL)


@pytest.mark.parametrize(
    "url",
    [
        "/espace-presse/draft/CP_NUMERIQUE_L_ETAT_RECRUTE_300_POSTES.pdf",
        "/espace-presse/embargoed/CP_NUMERIQUE_L_ETAT_RECRUTE_300_POSTES.pdf",
        "/espace-presse/unknown/CP_NUMERIQUE_L_ETAT_RECRUTE_300_POSTES.pdf",
    ],
)
def test_no_pdf_for_drafts_embargoed_or_unknown_releases(pdf_client: FlaskClient, url: str) -> None:
    assert pdf_client.get(url, buffered=True).status_code == 404


def test_pdf_is_rendered_once_then_served_from_the_cache(
    pdf_client: FlaskClient, site: Site
) -> None:
    pdf_client.get(URL, buffered=True)
    cached = list(pdf_cache_dir(site).glob("*.pdf"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    assert pdf_client.get(URL, buffered=True).status_code == 200
    assert cached[0].stat().st_mtime_ns == stamp


def test_simultaneous_first_requests_render_once(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[str] = []
    started = threading.Barrier(2)
    real_render = pdfcache.render_pdf

    def counting_render(site: Site, release: Release, **options: str) -> bytes:
        renders.append(release.slug)
        return real_render(site, release, **options)

    monkeypatch.setattr(pdfcache, "render_pdf", counting_render)
    release = load_catalog(site).get("public")

    def first_request() -> pdfcache.CachedPdf:
        started.wait()
        return pdfcache.pdf_for(site, release)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: first_request(), range(2)))
    assert renders == ["public"]
    assert results[0] == results[1]


def test_prerender_fills_the_cache(site: Site) -> None:
    release = load_catalog(site).get("public")
    assert pdfcache.cached_pdf(site, release) is None
    made = pdfcache.prerender(site, release)
    assert pdfcache.cached_pdf(site, release) == made


def _pdf_download(html: str) -> str:
    """The downloads list's PDF item, tags removed: what a reader sees of it."""
    item = re.search(r'<li><a href="[^"]*\.pdf" download>.*?</li>', html, re.DOTALL)
    assert item is not None, "no PDF link on the page"
    return re.sub(r"<[^>]+>", "", item[0])


def test_page_names_the_pdf_once_with_its_size_when_rendered(site: Site) -> None:
    release = load_catalog(site).get("public")
    made = pdfcache.prerender(site, release)
    client = create_app(site, {"TESTING": True, "SECRET_KEY": "test"}).test_client()
    html = client.get("/espace-presse/public/").get_data(as_text=True)
    size = file_size(made.path.stat().st_size, "fr")
    assert _pdf_download(html) == f"Le communiqué de presse (PDF, {size})"


def test_page_gives_the_pdf_size_once_the_pdf_is_rendered(
    pdf_client: FlaskClient, site: Site
) -> None:
    page = "/espace-presse/public/"
    assert _pdf_download(pdf_client.get(page).get_data(as_text=True)) == (
        "Le communiqué de presse (PDF)"
    )
    assert pdf_client.get(URL, buffered=True).status_code == 200
    (made,) = pdf_cache_dir(site).glob("*.pdf")
    size = file_size(made.stat().st_size, "fr")
    html = pdf_client.get(page).get_data(as_text=True)
    assert _pdf_download(html) == f"Le communiqué de presse (PDF, {size})"
