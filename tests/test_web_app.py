"""The app factory and the smallest public path: home, a release page, uploads."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.web import create_app

SEED_URL = "/espace-presse/numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech/"


def test_secret_key_is_generated_once_in_instance(demo_site: Site) -> None:
    first = create_app(demo_site).config["SECRET_KEY"]
    second = create_app(demo_site).config["SECRET_KEY"]
    assert first == second
    assert (demo_site.instance_dir / "secret_key").stat().st_mode & 0o077 == 0


def test_release_page_shows_parsed_data(client: FlaskClient) -> None:
    response = client.get(SEED_URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "300 postes lors de son forum" in page
    assert "18 novembre 2021" in page
    assert "floriane.beaudron@modernisation.gouv.fr" in page


def test_draft_is_not_found(make_site: Callable[..., Site]) -> None:
    site = make_site(
        {"brouillon.md": "---\ntitle: Brouillon\ndate: 2020-01-01\npublished: false\n---\nx\n"}
    )
    client = create_app(site, {"TESTING": True, "SECRET_KEY": "t"}).test_client()
    assert client.get("/espace-presse/brouillon/").status_code == 404


def test_upload_outside_uploads_is_not_served(client: FlaskClient) -> None:
    assert client.get("/uploads/../pressroom.toml").status_code == 404
    assert client.get("/uploads/%2e%2e/pressroom.toml").status_code == 404


def test_pages_declare_their_charset_once(client: FlaskClient) -> None:
    for url in ("/espace-presse/", SEED_URL, "/espace-presse/feed.xml", "/absent/"):
        content_type = client.get(url).headers["Content-Type"]
        assert content_type.count("charset") == 1, (url, content_type)


def test_newsroom_links_the_subscription_form(client: FlaskClient) -> None:
    page = client.get("/espace-presse/").get_data(as_text=True)
    assert 'href="/abonnement/"' in page
    assert client.get("/abonnement/").status_code == 200


def test_an_upload_no_public_release_uses_is_not_served(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(
        {"a.md": "---\ntitle: A\ndate: 2020-01-01\nfiles:\n- file: /uploads/used.pdf\n---\nx\n"}
    )
    (site.uploads_dir / "used.pdf").write_bytes(b"%PDF-1.4 used")
    (site.uploads_dir / "abandoned.pdf").write_bytes(b"%PDF-1.4 left by a form")
    client = create_app(site, {"TESTING": True, "SECRET_KEY": "t"}).test_client()
    with client.get("/uploads/used.pdf") as served:
        assert served.status_code == 200
    assert client.get("/uploads/abandoned.pdf").status_code == 404


def test_the_issuer_logo_is_served(make_site: Callable[..., Site]) -> None:
    site = make_site({}, settings='[issuer]\nlogo = "/uploads/logo.svg"\n')
    (site.uploads_dir / "logo.svg").write_text("<svg/>", encoding="utf-8")
    client = create_app(site, {"TESTING": True, "SECRET_KEY": "t"}).test_client()
    with client.get("/uploads/logo.svg") as served:
        assert served.status_code == 200
