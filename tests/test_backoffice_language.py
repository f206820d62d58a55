"""The back office's language switch: kept in the session, followed by every page, flash and
error, and never a way to send someone to another site."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pressroom.accounts import Account
from tests.conftest import AuthActions, csrf_token_in


def _text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined, no-any-return]


def _choose(client: FlaskClient, lang: str, next_path: str, page: str = "/connexion") -> object:
    token = csrf_token_in(_text(client.get(page)))
    return client.post("/langue", data={"lang": lang, "next": next_path, "csrf_token": token})


@pytest.fixture
def signed_in(auth: AuthActions, make_account: Callable[..., Account]) -> FlaskClient:
    make_account("editor")
    assert auth.login("editor@example.org").status_code == 302
    return auth.client


def test_login_page_offers_english_in_english(client: FlaskClient) -> None:
    html = _text(client.get("/connexion"))
    assert '<button type="submit" class="link" lang="en">English</button>' in html
    assert 'action="/langue"' in html


def test_choosing_english_on_login_page_speaks_english(client: FlaskClient) -> None:
    response = _choose(client, "en", "/connexion")
    assert response.headers["Location"] == "/connexion"  # type: ignore[attr-defined]
    html = _text(client.get("/connexion"))
    assert '<html lang="en">' in html
    assert "Email address" in html and "Forgotten password?" in html
    assert 'lang="fr">Français</button>' in html


def test_refused_sign_in_is_english_after_choosing_english(auth: AuthActions) -> None:
    _choose(auth.client, "en", "/connexion")
    html = _text(auth.login("nobody@example.org", "not the password"))
    assert "Wrong email address or password." in html


def test_english_is_kept_when_signing_in(signed_in: FlaskClient) -> None:
    _choose(signed_in, "en", "/admin/", page="/admin/")
    html = _text(signed_in.get("/admin/"))
    assert '<html lang="en">' in html
    assert "<h1>Releases</h1>" in html and "Sign out" in html


def test_choice_before_signing_in_survives_the_sign_in(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    _choose(auth.client, "en", "/connexion")
    auth.login("editor@example.org")
    assert '<html lang="en">' in _text(auth.client.get("/admin/"))


def test_form_error_is_english_after_choosing_english(signed_in: FlaskClient) -> None:
    _choose(signed_in, "en", "/admin/mot-de-passe", page="/admin/mot-de-passe")
    token = csrf_token_in(_text(signed_in.get("/admin/mot-de-passe")))
    data = {"current": "x", "password": "short", "confirm": "short", "csrf_token": token}
    html = _text(signed_in.post("/admin/mot-de-passe", data=data))
    assert "The password is too short." in html
    assert "Le mot de passe est trop court." not in html


def test_flash_is_english_after_choosing_english(auth: AuthActions, signed_in: FlaskClient) -> None:
    _choose(signed_in, "en", "/admin/", page="/admin/")
    response = auth.logout()
    assert response.headers["Location"] == "/connexion"
    html = _text(signed_in.get("/connexion"))
    assert "You are signed out." in html and '<html lang="en">' in html


def test_choosing_french_goes_back_to_french(signed_in: FlaskClient) -> None:
    _choose(signed_in, "en", "/admin/", page="/admin/")
    _choose(signed_in, "fr", "/admin/", page="/admin/")
    html = _text(signed_in.get("/admin/"))
    assert '<html lang="fr">' in html
    assert "<h1>Communiqués</h1>" in html
    assert 'lang="en">English</button>' in html


def test_switch_goes_back_to_the_page_with_its_query(signed_in: FlaskClient) -> None:
    response = _choose(signed_in, "en", "/admin/journal/?page=2", page="/admin/")
    assert response.headers["Location"] == "/admin/journal/?page=2"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_switch_never_redirects_to_another_site(client: FlaskClient, target: str) -> None:
    response = _choose(client, "en", target)
    location = response.headers["Location"]  # type: ignore[attr-defined]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location


def test_switch_without_csrf_token_changes_nothing(client: FlaskClient) -> None:
    response = client.post("/langue", data={"lang": "en", "next": "/connexion"})
    assert response.status_code == 400
    assert '<html lang="fr">' in _text(client.get("/connexion"))


def test_switch_to_unknown_language_is_refused(client: FlaskClient) -> None:
    assert _choose(client, "de", "/connexion").status_code == 400  # type: ignore[attr-defined]
    assert '<html lang="fr">' in _text(client.get("/connexion"))


def test_back_office_error_page_follows_the_choice(signed_in: FlaskClient) -> None:
    _choose(signed_in, "en", "/admin/", page="/admin/")
    response = signed_in.get("/admin/communiques/no-such-release/")
    assert response.status_code == 404
    assert '<html lang="en"' in _text(response)


def test_public_error_page_keeps_the_public_language(signed_in: FlaskClient) -> None:
    _choose(signed_in, "en", "/admin/", page="/admin/")
    response = signed_in.get("/espace-presse/no-such-release/")
    assert response.status_code == 404
    assert '<html lang="fr"' in _text(response)
