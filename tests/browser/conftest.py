"""Browser fixtures anyone can reuse: a real server on loopback, Debian's Chromium, axe-core.

``live_server`` serves whatever the ``app`` fixture gives (override ``app`` in a test module to
serve another site); ``browser_page`` is a fresh Chromium tab; ``axe_violations(page)`` runs the
vendored axe-core (WCAG 2.1 A and AA rules) on the page as it is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import TEST_PASSWORD
from tests.servers import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The ``app`` fixture served by a real threaded server on 127.0.0.1; yields its base URL."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download needed)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh tab, 1280 px wide, with its own cookies."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_page(chromium: Any) -> Iterator[Any]:
    """A fresh tab that lets axe-core in: the back office's CSP refuses inline scripts."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def sign_in(page: Any, base: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the French sign-in form, as a press officer does; lands on /admin/."""
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(base + "/admin/")


def axe_violations(page: Any, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page (id, impact, help and the offending nodes)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        tags or WCAG_AA,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["html"][:200] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
    ]


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page scrolls sideways (0 when it fits the viewport)."""
    width: int = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    return width
