"""Scheduling a campaign in Debian's Chromium: without JavaScript a publisher gives it a time,
moves it and cancels it; axe-core finds no WCAG 2.1 AA violation on the pages involved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from pressroom.accounts import Account
from pressroom.campaign_creation import create_campaign
from pressroom.campaigns import TERMINAL, get_campaign
from pressroom.config import Site
from pressroom.db import Database
from pressroom.publishing import approve
from pressroom.store import FileVersion, ReleaseStore
from tests.browser.conftest import axe_violations, sign_in
from tests.campaigns.conftest import write_list

pytestmark = pytest.mark.browser
SEED_SLUG = "numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech"


@pytest.fixture
def publisher(demo_site: Site, database: Database, make_account: Callable[..., Account]) -> Account:
    """A publisher, the list ``presse``, and the seed release approved as it is."""
    write_list(demo_site, "presse", 3)
    account = make_account("publisher")
    store = ReleaseStore(demo_site)
    release = store.load().get(SEED_SLUG)
    version = FileVersion.of((demo_site.root / release.path).read_bytes()).sha256
    approve(store, database, SEED_SLUG, version, account)
    return account


@pytest.fixture
def no_script_page(chromium: Any) -> Iterator[Any]:
    """A tab with JavaScript off: the forms must work without it."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def _local(days: int, hour: int, site: Site) -> datetime:
    """A moment to come, on the hour, in the site's time zone."""
    day = datetime.now(site.settings.zone) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_a_campaign_is_scheduled_moved_and_cancelled_without_javascript(
    live_server: str,
    no_script_page: Any,
    publisher: Account,
    demo_site: Site,
    database: Database,
) -> None:
    page = no_script_page
    first, second = _local(2, 9, demo_site), _local(3, 15, demo_site)
    sign_in(page, live_server, publisher.email)
    page.goto(live_server + "/admin/campagnes/nouvelle")
    page.get_by_label("Communiqué").select_option(SEED_SLUG)
    page.get_by_label("presse").check()
    page.get_by_label("Date et heure d’envoi").fill(first.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Envoyer", exact=True).click()
    page.wait_for_url(f"{live_server}/admin/campagnes/1/")
    assert page.get_by_role("heading", name="Programmée pour le").is_visible()
    page.get_by_label("Nouvelle date et heure").fill(second.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Reprogrammer").click()
    assert "à 15:00" in page.get_by_role("heading", name="Programmée pour le").inner_text()
    assert get_campaign(database, 1).scheduled_at == second
    page.get_by_role("button", name="Annuler la campagne").click()
    assert get_campaign(database, 1).status == "cancelled"
    assert page.get_by_role("heading", name="Programmée pour le").count() == 0


@pytest.mark.parametrize("path", ["/admin/campagnes/", "detail"])
def test_a_scheduled_campaign_pages_have_no_axe_violation(
    live_server: str,
    axe_page: Any,
    publisher: Account,
    demo_site: Site,
    database: Database,
    path: str,
) -> None:
    info, _ = create_campaign(
        demo_site,
        database,
        SEED_SLUG,
        ["presse"],
        actor=TERMINAL,
        scheduled_at=_local(2, 9, demo_site),
    )
    assert info is not None
    sign_in(axe_page, live_server, publisher.email)
    axe_page.goto(live_server + (f"/admin/campagnes/{info.id}/" if path == "detail" else path))
    assert "Programmée pour le" in axe_page.content()
    assert axe_violations(axe_page) == []


def test_the_form_with_a_refused_time_has_no_axe_violation(
    live_server: str, axe_page: Any, publisher: Account
) -> None:
    sign_in(axe_page, live_server, publisher.email)
    axe_page.goto(live_server + "/admin/campagnes/nouvelle")
    axe_page.get_by_label("presse").check()
    axe_page.get_by_label("Date et heure d’envoi").fill("2001-01-01T09:00")
    axe_page.get_by_role("button", name="Envoyer", exact=True).click()
    assert axe_page.locator("#send_at-error").inner_text().startswith("Ce moment est passé")
    assert axe_violations(axe_page) == []
