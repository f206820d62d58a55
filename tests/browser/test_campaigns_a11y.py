"""The back office's campaign pages in Debian's Chromium: axe-core finds no WCAG 2.1 AA
violation, and the detail page's counts follow the sending without a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pressroom.accounts import Account
from pressroom.campaign_creation import create_test_send
from pressroom.campaigns import TERMINAL
from pressroom.config import Site
from pressroom.db import Database
from pressroom.sending import SendSettings, run_campaign
from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser
SEED_SLUG = "numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech"


@pytest.fixture
def campaign_id(demo_site: Site, database: Database) -> int:
    """A test send of the seed release, queued and not sent yet."""
    return create_test_send(demo_site, database, SEED_SLUG, ["test@example.org"], actor=TERMINAL).id


@pytest.mark.parametrize("path", ["/admin/campagnes/", "/admin/campagnes/nouvelle", "detail"])
def test_campaign_page_has_no_axe_violation(
    live_server: str,
    axe_page: Any,
    make_account: Callable[..., Account],
    campaign_id: int,
    path: str,
) -> None:
    make_account("publisher")
    sign_in(axe_page, live_server, "publisher@example.org")
    axe_page.goto(live_server + (f"/admin/campagnes/{campaign_id}/" if path == "detail" else path))
    assert axe_violations(axe_page) == []


def test_detail_page_counts_follow_the_sending_without_a_reload(
    live_server: str,
    axe_page: Any,
    make_account: Callable[..., Account],
    campaign_id: int,
    demo_site: Site,
    database: Database,
) -> None:
    make_account("publisher")
    sign_in(axe_page, live_server, "publisher@example.org")
    axe_page.goto(f"{live_server}/admin/campagnes/{campaign_id}/")
    sent = axe_page.locator('[data-field="sent"]')
    assert sent.inner_text() == "0"
    run_campaign(demo_site, campaign_id, SendSettings(), database=database)  # to instance/outbox
    axe_page.wait_for_function(
        "document.querySelector('[data-field=\"sent\"]').textContent === '1'"
    )
    assert axe_page.locator('[data-field="status"]').inner_text() == "terminée"
