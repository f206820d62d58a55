"""The back office's campaign pages in Debian's Chromium: axe-core finds no WCAG 2.1 AA
violation, and the detail page's counts follow the sending without a reload."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pressroom.accounts import Account
from pressroom.campaign_creation import create_test_send
from pressroom.campaigns import TERMINAL
from pressroom.config import Site
from pressroom.db import Database
from pressroom.sending import SendSettings, run_campaign
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
SEED_SLUG = "numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech"


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh tab that lets axe-core in: the back office's CSP refuses inline scripts."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def campaign_id(demo_site: Site, database: Database) -> int:
    """A test send of the seed release, queued and not sent yet."""
    return create_test_send(demo_site, database, SEED_SLUG, ["test@example.org"], actor=TERMINAL).id


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(base + "/admin/")


@pytest.mark.parametrize("path", ["/admin/campagnes/", "/admin/campagnes/nouvelle", "detail"])
def test_campaign_page_has_no_axe_violation(
    live_server: str,
    browser_page: Any,
    make_account: Callable[..., Account],
    campaign_id: int,
    path: str,
) -> None:
    make_account("publisher")
    _sign_in(browser_page, live_server, "publisher@example.org")
    browser_page.goto(
        live_server + (f"/admin/campagnes/{campaign_id}/" if path == "detail" else path)
    )
    assert axe_violations(browser_page) == []


def test_detail_page_counts_follow_the_sending_without_a_reload(
    live_server: str,
    browser_page: Any,
    make_account: Callable[..., Account],
    campaign_id: int,
    demo_site: Site,
    database: Database,
) -> None:
    make_account("publisher")
    _sign_in(browser_page, live_server, "publisher@example.org")
    browser_page.goto(f"{live_server}/admin/campagnes/{campaign_id}/")
    sent = browser_page.locator('[data-field="sent"]')
    assert sent.inner_text() == "0"
    run_campaign(demo_site, campaign_id, SendSettings(), database=database)  # to instance/outbox
    browser_page.wait_for_function(
        "document.querySelector('[data-field=\"sent\"]').textContent === '1'"
    )
    assert browser_page.locator('[data-field="status"]').inner_text() == "terminée"
