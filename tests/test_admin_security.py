"""The back office's locks: every /admin route needs a signed-in account, every POST a CSRF
token, and roles decide the rest. Routes are read from the app, so later ones are covered too."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.routing import Rule

from pressroom.accounts import Account
from pressroom.web.security import role_required
from tests.conftest import AuthActions

# RFC 8058: the one-click unsubscribe POST carries its proof in the URL and sends no cookie.
CSRF_EXEMPT_RULES = {"/desabonnement/<token>"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
KNOWN_ADMIN_RULES = {"/admin/", "/admin/comptes/", "/admin/journal/", "/admin/mot-de-passe"}

_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_SAMPLES = {
    "int": "1",
    "float": "1.5",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "path": "x/y",
}


def _sample_url(rule: Rule) -> str:
    """A URL that matches the rule, with plausible values for its arguments."""

    def value(match: re.Match[str]) -> str:
        converter = match.group("converter") or "default"
        if converter == "any":
            return (match.group("args") or "x").split(",")[0].strip(" '\"")
        return _SAMPLES.get(converter, "x")

    return _ARGUMENT.sub(value, rule.rule)


def _admin_rules(app: Flask) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if rule.rule == "/admin" or rule.rule.startswith("/admin/"):
            yield rule


def _refuses_anonymous(status: int, location: str | None) -> bool:
    if status in (401, 403):
        return True
    return status in (302, 303) and (location or "").startswith("/connexion")


def test_every_admin_route_refuses_an_anonymous_visitor(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # reach the login check, not the CSRF one
    client = app.test_client()
    rules = list(_admin_rules(app))
    assert {rule.rule for rule in rules} >= KNOWN_ADMIN_RULES
    let_through = []
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(_sample_url(rule), method=method)
            if not _refuses_anonymous(response.status_code, response.headers.get("Location")):
                let_through.append((method, rule.rule, response.status_code))
    assert let_through == []


def test_every_post_route_refuses_a_request_without_csrf_token(
    app: Flask, auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("admin")
    auth.login("admin@example.org")  # signed in: only the missing token can refuse
    assert app.config["WTF_CSRF_ENABLED"]
    checked, accepted = 0, []
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & UNSAFE_METHODS
        if not methods or rule.rule in CSRF_EXEMPT_RULES:
            continue
        for method in sorted(methods):
            checked += 1
            response = auth.client.open(_sample_url(rule), method=method, data={"x": "1"})
            if response.status_code != 400:
                accepted.append((method, rule.rule, response.status_code))
    assert checked >= 5
    assert accepted == []


def test_a_post_with_its_csrf_token_goes_through(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    assert auth.login("editor@example.org").status_code == 302


def test_editor_cannot_open_the_accounts_page(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    assert auth.client.get("/admin/comptes/").status_code == 403


def test_editor_cannot_read_the_audit_log(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    assert auth.client.get("/admin/journal/").status_code == 403


def test_publisher_cannot_open_the_accounts_page(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("publisher")
    auth.login("publisher@example.org")
    assert auth.client.get("/admin/comptes/").status_code == 403


def test_admin_can_open_the_accounts_page(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("admin")
    auth.login("admin@example.org")
    response = auth.client.get("/admin/comptes/")
    assert response.status_code == 200
    assert "<h1>Comptes</h1>" in response.get_data(as_text=True)


@pytest.fixture
def publish_probe(app: Flask) -> str:
    """A publisher-only action added to the app, as a later feature would be."""

    @role_required("publisher")
    def probe() -> str:
        return "published"

    app.add_url_rule("/admin/essai-publication", "publish_probe", probe, methods=["GET"])
    return "/admin/essai-publication"


def test_publisher_only_action_refuses_an_editor(
    publish_probe: str, auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    assert auth.client.get(publish_probe).status_code == 403


@pytest.mark.parametrize("role", ["publisher", "admin"])
def test_publisher_only_action_lets_publishers_and_admins_through(
    publish_probe: str, auth: AuthActions, make_account: Callable[..., Account], role: str
) -> None:
    make_account(role)
    auth.login(f"{role}@example.org")
    assert auth.client.get(publish_probe).get_data(as_text=True) == "published"


def test_admin_pages_are_neither_cached_nor_framed(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    headers = auth.client.get("/admin/").headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors" in headers["Content-Security-Policy"]
