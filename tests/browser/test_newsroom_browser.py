"""The newsroom in Debian's Chromium: no axe-core violation, no sideways scroll, keyboard use."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from pressroom.config import Site
from pressroom.web import create_app
from tests.browser.conftest import axe_violations, horizontal_overflow
from tests.newsroom_sites import CORPUS_RELEASES, corpus_site, small_site
from tests.servers import serving

pytestmark = pytest.mark.browser
PREMIER = "/espace-presse/premier-communique/"
PAGES = ["/espace-presse/", PREMIER, "/espace-presse/nulle-part/"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "images"
DEMO_RELEASE = (
    "/espace-presse/numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech/"
)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(small_site(tmp_path / "site"), {"TESTING": True, "SECRET_KEY": "test"})


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_axe_violation(live_server: str, browser_page: Any, path: str) -> None:
    browser_page.goto(live_server + path)
    assert axe_violations(browser_page) == []


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_page_does_not_scroll_sideways(
    live_server: str, browser_page: Any, path: str, width: int
) -> None:
    browser_page.set_viewport_size({"width": width, "height": 800})
    browser_page.goto(live_server + path)
    assert horizontal_overflow(browser_page) <= 0


def test_skip_link_is_first_and_leads_to_main(live_server: str, browser_page: Any) -> None:
    browser_page.goto(live_server + "/espace-presse/")
    browser_page.keyboard.press("Tab")
    focused = browser_page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert browser_page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    browser_page.keyboard.press("Enter")
    assert browser_page.evaluate("document.activeElement.id") == "contenu"


def test_search_works_from_the_keyboard(live_server: str, browser_page: Any) -> None:
    browser_page.goto(live_server + "/espace-presse/")
    browser_page.focus("#site-search")
    browser_page.keyboard.type("etat")
    browser_page.keyboard.press("Enter")
    browser_page.wait_for_url("**/recherche?q=etat")
    assert "Premier communiqué" in browser_page.inner_text("main")


def test_demo_site_pages_have_no_axe_violation(demo_site: Site, browser_page: Any) -> None:
    shutil.copytree(REPO / "pages", demo_site.root / "pages")
    app = create_app(demo_site, {"TESTING": True, "SECRET_KEY": "test"})
    with serving(app) as url:
        browser_page.goto(url + "/espace-presse/")
        assert axe_violations(browser_page) == []
        browser_page.goto(url + DEMO_RELEASE)
        assert axe_violations(browser_page) == []
        browser_page.goto(url + "/accessibilite/")
        assert axe_violations(browser_page) == []


@pytest.mark.skipif(not os.environ.get("PRESSROOM_SCREENSHOTS"), reason="PRESSROOM_SCREENSHOTS=1")
def test_save_readme_screenshots(demo_site: Site, browser_page: Any) -> None:
    """Refresh docs/images/ for the README (run by hand with PRESSROOM_SCREENSHOTS=1)."""
    shutil.copytree(REPO / "pages", demo_site.root / "pages")
    app = create_app(demo_site, {"TESTING": True, "SECRET_KEY": "test"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serving(app) as url:
        browser_page.goto(url + "/espace-presse/")
        browser_page.screenshot(path=str(SCREENSHOTS / "newsroom-listing-1280.png"))
        browser_page.set_viewport_size({"width": 375, "height": 812})
        browser_page.goto(url + DEMO_RELEASE)
        browser_page.screenshot(path=str(SCREENSHOTS / "release-375.png"))


@pytest.mark.skipif(not CORPUS_RELEASES.is_dir(), reason="corpus not available")
@pytest.mark.parametrize("width", [320, 1280])
def test_long_listing_pager_with_gaps_is_accessible(
    tmp_path: Path, browser_page: Any, width: int
) -> None:
    app = create_app(corpus_site(tmp_path / "corpus"), {"TESTING": True, "SECRET_KEY": "test"})
    with serving(app) as url:
        browser_page.set_viewport_size({"width": width, "height": 800})
        browser_page.goto(url + "/espace-presse/")
        assert browser_page.locator(".pagination li.gap").count() == 1
        assert axe_violations(browser_page) == []
        assert horizontal_overflow(browser_page) <= 0
        # The last page is one click away, and its own pager leads back to the first.
        numbers = browser_page.locator(".pagination a").all_inner_texts()
        last = max(int(text) for text in numbers if text.strip().isdigit())
        browser_page.get_by_role("link", name=str(last), exact=True).click()
        browser_page.wait_for_url(f"**/page/{last}/")
        current = browser_page.locator('.pagination a[aria-current="page"]')
        assert current.inner_text() == str(last)
        assert browser_page.get_by_role("link", name="1", exact=True).count() == 1
