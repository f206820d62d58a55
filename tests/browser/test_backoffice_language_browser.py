"""The back office's language switch in Debian's Chromium: a real button, reached by its name in
the other language, and the English pages stay free of axe-core violations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pressroom.accounts import Account
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _english_login_page(page: Any, base: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_role("button", name="English").click()
    page.wait_for_selector('html[lang="en"]')


def test_english_login_page_has_no_axe_violation(live_server: str, axe_page: Any) -> None:
    _english_login_page(axe_page, live_server)
    assert axe_page.get_by_role("heading", name="Sign in").is_visible()
    assert axe_violations(axe_page) == []


def test_english_back_office_has_no_axe_violation(
    live_server: str, axe_page: Any, make_account: Callable[..., Account]
) -> None:
    make_account("admin")
    _english_login_page(axe_page, live_server)
    axe_page.get_by_label("Email address").fill("admin@example.org")
    axe_page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    axe_page.get_by_role("button", name="Sign in").click()
    axe_page.wait_for_url(live_server + "/admin/")
    assert axe_page.locator("html").get_attribute("lang") == "en"
    assert axe_violations(axe_page) == []


def test_francais_button_brings_french_back(live_server: str, axe_page: Any) -> None:
    _english_login_page(axe_page, live_server)
    axe_page.get_by_role("button", name="Français").click()
    axe_page.wait_for_selector('html[lang="fr"]')
    assert axe_page.get_by_role("heading", name="Connexion").is_visible()
