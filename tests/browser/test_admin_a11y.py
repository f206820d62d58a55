"""The back office in Debian's Chromium: axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pressroom.accounts import Account
from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser
ADMIN_PAGES = ["/admin/", "/admin/comptes/", "/admin/journal/", "/admin/mot-de-passe"]


def test_login_page_has_no_axe_violation(live_server: str, axe_page: Any) -> None:
    axe_page.goto(live_server + "/connexion")
    assert axe_violations(axe_page) == []


def test_login_page_showing_errors_has_no_axe_violation(live_server: str, axe_page: Any) -> None:
    axe_page.goto(live_server + "/connexion")
    axe_page.get_by_role("button", name="Connexion").click()
    axe_page.wait_for_selector("#email-error")
    assert axe_violations(axe_page) == []


def test_forgotten_password_page_has_no_axe_violation(live_server: str, axe_page: Any) -> None:
    axe_page.goto(live_server + "/mot-de-passe-oublie")
    assert axe_violations(axe_page) == []


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page_has_no_axe_violation(
    live_server: str, axe_page: Any, make_account: Callable[..., Account], path: str
) -> None:
    make_account("admin")
    sign_in(axe_page, live_server, "admin@example.org")
    axe_page.goto(live_server + path)
    assert axe_violations(axe_page) == []


def test_sign_out_button_works_without_javascript(
    live_server: str, chromium: Any, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "editor@example.org")
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url(live_server + "/connexion")
        assert "Déconnexion effectuée." in page.content()
    finally:
        context.close()
