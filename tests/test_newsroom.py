"""The public newsroom on the small cases of tests/data/newsroom: pages, listings, visibility."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.newsroom import href
from pressroom.pdfsupport import pdf_available
from pressroom.web import create_app
from tests.newsroom_sites import small_site

PREMIER = "/espace-presse/premier-communique/"
NFD_URL = "/espace-presse/Lancement-de-l-expe\u0301rimentation-(phase-1)/"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return small_site(tmp_path / "site")


@pytest.fixture
def newsroom_app(site: Site) -> Flask:
    return create_app(site, {"TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def web(newsroom_app: Flask) -> FlaskClient:
    return newsroom_app.test_client()


def status_of(web: FlaskClient, url: str) -> int:
    with web.get(url) as response:
        return response.status_code


def text_of(web: FlaskClient, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_release_page_shows_title_chapeau_and_category_date_line(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert "Premier communiqué : l’État ouvre son espace presse</h1>" in html
    assert "<strong>en texte et en PDF</strong>" in html
    assert "Communiqué de presse</span> | <time" in html
    assert "1er mars 2021" in html


def test_release_page_reads_chapeau_before_category_line(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert html.index("release-chapeau") < html.index("release-meta") < html.index("release-body")


def test_release_page_links_tags_to_their_listing(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert '<a href="/espace-presse/tag/etat/">État</a>' in html
    assert "État" in text_of(web, "/espace-presse/tag/etat/")


def test_available_banner_has_its_alternative_text(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert '<img src="/uploads/2021/03/banniere.png" alt="Une salle de presse vide">' in html


def test_missing_image_is_shown_unavailable_not_linked(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert "absente.png" not in html
    assert "Image indisponible" in html


def test_attachment_shows_type_and_french_size(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert "Le dossier complet</a>" in html
    assert "(PDF, 1,2\u00a0Mo)" in html


def test_missing_attachment_is_not_linked(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert "manquant.pdf" not in html
    assert "Une annexe perdue" in html


def test_press_contact_box_has_mailto(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert "Contact presse" in html
    assert 'href="mailto:camille.martin@example.org"' in html


def test_press_contact_phone_links_dial_from_abroad(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert '<a href="tel:+33123456789">01 23 45 67 89</a>' in html


def test_release_page_has_canonical_opengraph_and_json_ld(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert f'<link rel="canonical" href="https://presse.example.org{PREMIER}">' in html
    assert '<meta property="og:title"' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '"@type": "NewsArticle"' in html


def test_html_lang_comes_from_the_release(web: FlaskClient) -> None:
    html = text_of(web, "/espace-presse/english-release/")
    assert html.startswith('<!doctype html>\n<html lang="en">')


def test_listing_is_newest_first_and_paginated(web: FlaskClient) -> None:
    first = text_of(web, "/espace-presse/")
    assert first.index("Tchap security flaw") < first.index("Deuxième communiqué")
    assert 'href="/espace-presse/page/2/"' in first
    assert "Bilan de l’année 2021" in text_of(web, "/espace-presse/page/2/")


def test_page_past_the_last_is_404(web: FlaskClient) -> None:
    assert web.get("/espace-presse/page/99/").status_code == 404


def test_category_listing_holds_only_its_releases(web: FlaskClient) -> None:
    html = text_of(web, "/espace-presse/categorie/dossier-de-presse/")
    assert "Deuxième communiqué" in html
    assert "Premier communiqué" not in html


def test_release_whose_slug_is_a_year_keeps_its_url(web: FlaskClient) -> None:
    assert "Bilan de l’année 2021</h1>" in text_of(web, "/espace-presse/2021/")


def test_year_listing_shadowed_by_a_release_moves_to_page_one(web: FlaskClient) -> None:
    listing = text_of(web, "/espace-presse/")
    assert 'href="/espace-presse/2021/page/1/"' in listing
    assert "Premier communiqué" in text_of(web, "/espace-presse/2021/page/1/")


def test_year_listing_without_release_conflict(web: FlaskClient) -> None:
    assert "Deuxième communiqué" in text_of(web, "/espace-presse/2022/")


def test_nfd_slug_with_apostrophe_and_parentheses_answers(web: FlaskClient) -> None:
    assert "phase 1" in text_of(web, href(NFD_URL))


def test_nfc_spelling_of_an_nfd_slug_answers_too(web: FlaskClient) -> None:
    assert "phase 1" in text_of(web, href(NFD_URL.replace("e\u0301", "é")))


def test_slugs_compare_case_sensitively(web: FlaskClient) -> None:
    assert web.get("/espace-presse/PREMIER-COMMUNIQUE/").status_code == 404


def test_redirect_from_answers_permanent_redirect(web: FlaskClient) -> None:
    response = web.get("/espace-presse/ancienne-adresse/")
    assert response.status_code == 301
    assert response.headers["Location"] == PREMIER


def test_draft_page_is_404(web: FlaskClient) -> None:
    assert web.get("/espace-presse/brouillon/").status_code == 404


def test_draft_is_not_in_listing(web: FlaskClient) -> None:
    assert "zanzibar" not in text_of(web, "/espace-presse/").lower()


def test_draft_tag_has_no_listing(web: FlaskClient) -> None:
    assert web.get("/espace-presse/tag/secret/").status_code == 404


def test_upload_used_only_by_a_draft_is_404(web: FlaskClient) -> None:
    assert status_of(web, "/uploads/brouillon.png") == 404


def test_upload_of_a_public_release_is_served(web: FlaskClient) -> None:
    assert status_of(web, "/uploads/2021/03/banniere.png") == 200


def test_upload_no_release_uses_is_not_served(web: FlaskClient) -> None:
    # As in the static export: an orphan may be a file left by an abandoned form.
    assert status_of(web, "/uploads/logo.svg") == 404


def test_embargoed_release_is_404_before_its_time(web: FlaskClient) -> None:
    with time_machine.travel("2030-01-15 06:59:00+00:00", tick=False):
        assert web.get("/espace-presse/embargo/").status_code == 404
        assert "kilimandjaro" not in text_of(web, "/espace-presse/")


def test_embargoed_release_appears_when_its_time_comes_without_restart(web: FlaskClient) -> None:
    with time_machine.travel("2030-01-15 06:59:00+00:00", tick=False) as clock:
        assert web.get("/espace-presse/embargo/").status_code == 404
        clock.move_to("2030-01-15 07:00:00+00:00")
        assert "kilimandjaro" in text_of(web, "/espace-presse/embargo/")
        assert "kilimandjaro" in text_of(web, "/espace-presse/")
        assert "kilimandjaro" in text_of(web, "/espace-presse/feed.xml")


def test_unknown_page_is_themed_404(web: FlaskClient) -> None:
    response = web.get("/espace-presse/nulle-part/")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page introuvable" in html
    assert 'class="skip-link"' in html


def test_footer_links_the_legal_pages(web: FlaskClient) -> None:
    html = text_of(web, "/espace-presse/")
    for url in ("/mentions-legales/", "/donnees-personnelles/", "/accessibilite/"):
        assert f'href="{url}"' in html
        assert web.get(url).status_code == 200


def test_legal_page_is_rendered_from_markdown(web: FlaskClient) -> None:
    html = text_of(web, "/mentions-legales/")
    assert "<h1>Mentions légales</h1>" in html
    assert "<h2>Éditeur du site</h2>" in html


def test_interface_is_french_by_default(web: FlaskClient) -> None:
    assert "Aller au contenu" in text_of(web, "/espace-presse/")


def test_lang_en_switches_the_interface_and_is_remembered(web: FlaskClient) -> None:
    assert "Skip to main content" in text_of(web, "/espace-presse/?lang=en")
    assert "Skip to main content" in text_of(web, "/espace-presse/page/2/")


def test_home_redirects_to_the_newsroom(web: FlaskClient) -> None:
    assert web.get("/").headers["Location"] == "/espace-presse/"


def test_theme_css_is_served(web: FlaskClient) -> None:
    assert status_of(web, "/static/newsroom.css") == 200


def test_site_static_file_overrides_the_theme(site: Site, web: FlaskClient) -> None:
    (site.templates_dir / "static").mkdir(parents=True)
    (site.templates_dir / "static" / "newsroom.css").write_text("body{}")
    with web.get("/static/newsroom.css") as response:
        assert response.data == b"body{}"


@pytest.mark.skipif(not pdf_available(), reason="PDF renderer not installed")
def test_release_page_links_its_generated_pdf(web: FlaskClient) -> None:
    html = text_of(web, PREMIER)
    assert f'href="{PREMIER}CP_PREMIER_COMMUNIQUE_L_ETAT_OUVRE_SON_ESPACE_PRESSE.pdf"' in html


@pytest.mark.parametrize(
    ("url", "location"),
    [
        (PREMIER.rstrip("/"), PREMIER),
        (PREMIER + "index.html", PREMIER),
        ("/espace-presse/page/2", "/espace-presse/page/2/"),
        ("/espace-presse/page/1/", "/espace-presse/"),
        ("/espace-presse/tag/etat/page/1/", "/espace-presse/tag/etat/"),
        ("/espace-presse/index.html", "/espace-presse/"),
        ("/mentions-legales", "/mentions-legales/"),
        (PREMIER.rstrip("/") + "?lang=en", PREMIER + "?lang=en"),
        ("/espace-presse/page/1/?lang=en", "/espace-presse/?lang=en"),
        ("/espace-presse/ancienne-adresse/?lang=en", PREMIER + "?lang=en"),
    ],
)
def test_other_addresses_of_a_page_redirect_to_it(
    web: FlaskClient, url: str, location: str
) -> None:
    response = web.get(url)
    assert (response.status_code, response.headers["Location"]) == (301, location)


@pytest.mark.parametrize(
    "url", ["/espace-presse/brouillon", "/espace-presse/nulle-part", "/espace-presse/feed.xml/"]
)
def test_only_public_pages_are_reached_without_their_slash(web: FlaskClient, url: str) -> None:
    assert web.get(url).status_code == 404


def test_embargoed_page_without_its_slash_is_404_before_its_time(web: FlaskClient) -> None:
    with time_machine.travel("2030-01-15 06:59:00+00:00", tick=False):
        assert web.get("/espace-presse/embargo").status_code == 404


def test_listing_cuts_a_long_summary_at_a_word_with_an_ellipsis(
    site: Site, web: FlaskClient
) -> None:
    words = " ".join(f"mot{n}" for n in range(200))
    path = site.releases_dir / "2022-05-10-deuxieme-communique.md"
    chapeau = "Un dossier sur le cloud de l’administration."
    path.write_text(path.read_text(encoding="utf-8").replace(chapeau, words), encoding="utf-8")
    html = text_of(web, "/espace-presse/")
    start = html.index('<p class="entry-summary">mot0 ') + len('<p class="entry-summary">')
    summary = html[start : html.index("</p>", start)]
    assert len(summary) <= 320
    assert summary.endswith("…")
    assert summary[:-1].split(" ")[-1] in words.split(" ")
