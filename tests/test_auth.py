"""Signing in and out, sessions, login throttling and password resets, through the real forms."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from pressroom import account_links, accounts
from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.db import Database
from pressroom.web import create_app
from tests.conftest import TEST_PASSWORD, AuthActions, csrf_token_in

NEW_PASSWORD = "a brand new passphrase"
WRONG_ANSWER = "Adresse électronique ou mot de passe incorrect."


def _text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined, no-any-return]


def _outbox(site: Site) -> list[EmailMessage]:
    folder = site.instance_dir / "outbox"
    files = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in files
    ]


def _link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/mot-de-passe/\S+", body.get_content())
    assert found, body.get_content()
    return found.group(0)


def _request_reset(client: FlaskClient, address: str) -> None:
    token = csrf_token_in(_text(client.get("/mot-de-passe-oublie")))
    response = client.post("/mot-de-passe-oublie", data={"email": address, "csrf_token": token})
    assert response.status_code == 302


def _set_password(client: FlaskClient, path: str, password: str) -> object:
    token = csrf_token_in(_text(client.get(path)))
    data = {"password": password, "confirm": password, "csrf_token": token}
    return client.post(path, data=data)


# Signing in and out.


def test_login_page_speaks_french(client: FlaskClient) -> None:
    html = _text(client.get("/connexion"))
    assert '<html lang="fr">' in html
    assert "Adresse électronique" in html and "Mot de passe oublié ?" in html


def test_right_password_opens_the_back_office(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    response = auth.login("editor@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert auth.client.get("/admin/").status_code == 200


def test_wrong_password_and_unknown_address_get_one_french_message(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    wrong_password = _text(auth.login("editor@example.org", "not the password"))
    unknown_address = _text(auth.login("nobody@example.org"))
    assert WRONG_ANSWER in wrong_password
    assert WRONG_ANSWER in unknown_address
    assert "nobody@example.org" not in unknown_address.replace('value="nobody@example.org"', "")


def test_empty_fields_get_errors_next_to_them(auth: AuthActions) -> None:
    html = _text(auth.client.post("/connexion", data={"csrf_token": auth.token()}))
    assert 'id="email-error">Ce champ est obligatoire.' in html
    assert 'aria-describedby="email-error"' in html


def test_login_goes_back_to_the_page_asked_for(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("admin")
    first = auth.client.get("/admin/journal/")
    assert first.headers["Location"] == "/connexion?next=/admin/journal/"
    data = {"email": "admin@example.org", "password": TEST_PASSWORD, "csrf_token": auth.token()}
    response = auth.client.post("/connexion?next=/admin/journal/", data=data)
    assert response.headers["Location"] == "/admin/journal/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_login_never_redirects_to_another_site(
    auth: AuthActions, make_account: Callable[..., Account], target: str
) -> None:
    make_account("editor")
    data = {"email": "editor@example.org", "password": TEST_PASSWORD, "csrf_token": auth.token()}
    response = auth.client.post("/connexion", query_string={"next": target}, data=data)
    assert response.headers["Location"] == "/admin/"


def test_logout_ends_the_session(auth: AuthActions, make_account: Callable[..., Account]) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    assert auth.logout().headers["Location"] == "/connexion"
    assert auth.client.get("/admin/").status_code == 302


def test_session_cookie_is_httponly_and_same_site_lax(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    cookie = auth.login("editor@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the demo site is served over plain http


def test_session_cookie_is_secure_when_the_site_is_https(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(settings='[site]\nbase_url = "https://presse.example.org"\n')
    app = create_app(site, {"TESTING": True, "SECRET_KEY": "test"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-pressroom"


def test_session_expires_after_eight_idle_hours(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        auth.login("editor@example.org")
        traveller.shift(timedelta(hours=8, minutes=1))
        assert auth.client.get("/admin/").status_code == 302


def test_each_request_extends_the_session(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        auth.login("editor@example.org")
        for _ in range(3):
            traveller.shift(timedelta(hours=7))
            assert auth.client.get("/admin/").status_code == 200


def test_a_password_change_ends_other_sessions(
    auth: AuthActions, make_account: Callable[..., Account], database: Database
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    accounts.change_password(database, "editor@example.org", NEW_PASSWORD)
    assert auth.client.get("/admin/").status_code == 302


def test_a_deactivated_account_is_signed_out(
    auth: AuthActions, make_account: Callable[..., Account], database: Database
) -> None:
    make_account("admin")
    editor = make_account("editor")
    auth.login("editor@example.org")
    accounts.set_active(database, editor.id, False, "terminal")
    assert auth.client.get("/admin/").status_code == 302


# Throttling.


def test_the_attempt_after_too_many_failures_gets_429_in_french(
    app: Flask, auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    allowed = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(allowed):
        assert auth.login("editor@example.org", "not the password").status_code == 200
    refused = auth.login("editor@example.org", TEST_PASSWORD)
    assert refused.status_code == 429
    assert "Trop de tentatives de connexion" in _text(refused)


def test_sign_in_works_again_a_minute_after_the_failures(
    app: Flask, auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    allowed = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        for _ in range(allowed):
            auth.login("editor@example.org", "not the password")
        traveller.shift(timedelta(seconds=61))
        assert auth.login("editor@example.org").status_code == 302


def test_successful_sign_ins_are_not_throttled(
    app: Flask, auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    allowed = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(allowed + 1):
        assert auth.login("editor@example.org").status_code == 302
        auth.logout()


# Password reset.


def test_password_reset_end_to_end(
    auth: AuthActions, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    _request_reset(auth.client, "editor@example.org")
    [message] = _outbox(demo_site)
    assert message["To"] == "editor@example.org"
    assert "Réinitialisation de votre mot de passe" in message["Subject"]
    path = urlsplit(_link_in(message)).path
    assert _set_password(auth.client, path, NEW_PASSWORD).headers["Location"] == "/connexion"  # type: ignore[attr-defined]

    assert WRONG_ANSWER in _text(auth.login("editor@example.org", TEST_PASSWORD))
    assert auth.login("editor@example.org", NEW_PASSWORD).status_code == 302
    auth.logout()
    second = auth.client.get(path)
    assert second.status_code == 400
    assert "déjà servi" in _text(second)


def test_an_expired_reset_link_is_refused(
    client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False) as traveller:
        _request_reset(client, "editor@example.org")
        path = urlsplit(_link_in(_outbox(demo_site)[0])).path
        traveller.shift(timedelta(minutes=61))
        response = client.get(path)
    assert response.status_code == 400
    assert "expiré" in _text(response)


def test_a_forged_reset_link_is_refused(
    client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    account = make_account("editor")
    forged = account_links.make_link_token("not the app's secret", account)
    response = client.get(f"/mot-de-passe/{forged}")
    assert response.status_code == 400
    assert "n’est pas valable" in _text(response)


def test_a_tampered_reset_link_cannot_set_a_password(
    client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    _request_reset(client, "editor@example.org")
    path = urlsplit(_link_in(_outbox(demo_site)[0])).path
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    token = csrf_token_in(_text(client.get("/connexion")))
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    assert client.post(tampered, data=data).status_code == 400


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    _request_reset(client, "nobody@example.org")
    unknown = _text(client.get("/connexion"))
    _request_reset(client, "editor@example.org")
    known = _text(client.get("/connexion"))
    assert "Si cette adresse correspond à un compte" in unknown
    # CSRF tokens carry a timestamp: two requests a second apart differ there and only there.
    assert _without_csrf(unknown) == _without_csrf(known)
    assert len(_outbox(demo_site)) == 1


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def test_reset_links_use_the_configured_address_not_the_host_header(
    app: Flask, client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    # The session cookie does not follow a foreign Host: this test is about links, not CSRF.
    app.config["WTF_CSRF_ENABLED"] = False
    client.post(
        "/mot-de-passe-oublie",
        data={"email": "editor@example.org"},
        headers={"Host": "evil.example"},
    )
    assert _link_in(_outbox(demo_site)[0]).startswith("http://127.0.0.1:5000/mot-de-passe/")


def test_mismatched_new_passwords_are_shown_next_to_the_field(
    client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    _request_reset(client, "editor@example.org")
    path = urlsplit(_link_in(_outbox(demo_site)[0])).path
    token = csrf_token_in(_text(client.get(path)))
    data = {"password": NEW_PASSWORD, "confirm": "something else!!", "csrf_token": token}
    html = _text(client.post(path, data=data))
    assert 'id="confirm-error">Les deux mots de passe sont différents.' in html


def test_own_password_change_keeps_the_session(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    data = {
        "current": TEST_PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "csrf_token": auth.token("/admin/mot-de-passe"),
    }
    assert auth.client.post("/admin/mot-de-passe", data=data).status_code == 302
    assert auth.client.get("/admin/").status_code == 200
    auth.logout()
    assert auth.login("editor@example.org", NEW_PASSWORD).status_code == 302


def test_outbox_messages_are_whole_files(
    client: FlaskClient, make_account: Callable[..., Account], demo_site: Site
) -> None:
    make_account("editor")
    _request_reset(client, "editor@example.org")
    folder: Path = demo_site.instance_dir / "outbox"
    assert [p.suffix for p in folder.iterdir()] == [".eml"]
    [message] = _outbox(demo_site)
    assert message["Message-ID"] and message["Date"] and message["From"] == "presse@example.org"


@pytest.mark.services
def test_failed_attempts_are_counted_in_redis_when_configured(
    demo_site: Site, make_account: Callable[..., Account]
) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {url}: {exc}")
    # A fresh address per run: counters in Redis outlive the test for a minute.
    address = f"throttled-{uuid.uuid4().hex[:8]}@example.org"
    make_account("editor", address)
    config = {"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": url}
    apps = [create_app(demo_site, config) for _ in range(2)]
    allowed = int(str(apps[0].config["LOGIN_RATE_LIMIT"]).split()[0])
    first, second = (AuthActions(app.test_client()) for app in apps)
    for _ in range(allowed):
        first.login(address, "not the password")
    # Another app (another worker process, say) sees the same count.
    assert second.login(address).status_code == 429


def test_sign_in_still_works_when_the_counter_storage_is_down(
    demo_site: Site, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    # Port 9 on loopback: nothing listens there.
    config = {"TESTING": True, "SECRET_KEY": "test", "REDIS_URL": "redis://127.0.0.1:9/0"}
    app = create_app(demo_site, config)
    app.logger.disabled = True
    assert AuthActions(app.test_client()).login("editor@example.org").status_code == 302
