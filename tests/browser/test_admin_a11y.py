"""The back office in Debian's Chromium: axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pressroom.accounts import Account
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
ADMIN_PAGES = ["/admin/", "/admin/comptes/", "/admin/journal/", "/admin/mot-de-passe"]


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh tab that lets axe-core in: the back office's CSP refuses inline scripts."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def _sign_in(page: Any, base: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(base + "/admin/")


def test_login_page_has_no_axe_violation(live_server: str, browser_page: Any) -> None:
    browser_page.goto(live_server + "/connexion")
    assert axe_violations(browser_page) == []


def test_login_page_showing_errors_has_no_axe_violation(
    live_server: str, browser_page: Any
) -> None:
    browser_page.goto(live_server + "/connexion")
    browser_page.get_by_role("button", name="Connexion").click()
    browser_page.wait_for_selector("#email-error")
    assert axe_violations(browser_page) == []


def test_forgotten_password_page_has_no_axe_violation(live_server: str, browser_page: Any) -> None:
    browser_page.goto(live_server + "/mot-de-passe-oublie")
    assert axe_violations(browser_page) == []


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_has_no_axe_violation(
    live_server: str, browser_page: Any, make_account: Callable[..., Account], path: str
) -> None:
    make_account("admin")
    _sign_in(browser_page, live_server, "admin@example.org")
    browser_page.goto(live_server + path)
    assert axe_violations(browser_page) == []


def test_sign_out_button_works_without_javascript(
    live_server: str, chromium: Any, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, live_server, "editor@example.org")
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(live_server + "/connexion")
        assert "Déconnexion effectuée." in page.content()
    finally:
        context.close()
