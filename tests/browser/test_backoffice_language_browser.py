"""The back office's language switch in Debian's Chromium: a real button, reached by its name in
the other language, and the English pages stay free of axe-core violations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pressroom.accounts import Account
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh tab that lets axe-core in: the back office's CSP refuses inline scripts."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def _english_login_page(page: Any, base: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector('html[lang="en"]')


def test_english_login_page_has_no_axe_violation(live_server: str, browser_page: Any) -> None:
    _english_login_page(browser_page, live_server)
    assert browser_page.get_by_role("heading", name="Sign in").is_visible()
    assert axe_violations(browser_page) == []


def test_english_back_office_has_no_axe_violation(
    live_server: str, browser_page: Any, make_account: Callable[..., Account]
) -> None:
    make_account("admin")
    _english_login_page(browser_page, live_server)
    browser_page.get_by_label("Email address").fill("admin@example.org")
    browser_page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    browser_page.get_by_role("button", name="Sign in").click()
    browser_page.wait_for_url(live_server + "/admin/")
    assert browser_page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(browser_page) == []


def test_francais_button_brings_french_back(live_server: str, browser_page: Any) -> None:
    _english_login_page(browser_page, live_server)
    browser_page.get_by_role("button", name="Français").click()
    browser_page.wait_for_selector('html[lang="fr"]')
    assert browser_page.get_by_role("heading", name="Connexion").is_visible()
