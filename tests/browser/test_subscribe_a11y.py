"""The subscription pages and the contacts back office in Debian's Chromium: axe-core finds no
WCAG 2.1 AA violation, with or without errors shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pressroom.accounts import Account
from pressroom.db import Database
from pressroom.mail.tokens import unsubscribe_token
from pressroom.models.subscribers import Subscriber
from pressroom.suppression import suppress
from tests.browser.conftest import axe_violations, horizontal_overflow
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser
PUBLIC_PAGES = ["/abonnement/", "/abonnement/envoye", "/mes-donnees/"]
CONTACT_PAGES = [
    "/admin/contacts/",
    "/admin/contacts/?q=a&beat=num%C3%A9rique",
    "/admin/contacts/listes/journalistes/",
    "/admin/contacts/listes/journalistes/contact?email=alice.bernard%40example.com",
    "/admin/contacts/listes/journalistes/import",
    "/admin/contacts/audience?lists=journalistes&topics=all",
    "/admin/contacts/abonnes/",
    "/admin/contacts/exclusions/",
    "/admin/contacts/personne?email=alice.bernard%40example.com",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_axe_violation(live_server: str, axe_page: Any, path: str) -> None:
    axe_page.goto(live_server + path)
    assert axe_violations(axe_page) == []


def test_subscribe_form_showing_errors_has_no_axe_violation(
    live_server: str, axe_page: Any
) -> None:
    axe_page.goto(live_server + "/abonnement/")
    axe_page.get_by_label("Votre adresse électronique").fill("not an address")
    axe_page.get_by_role("button", name="M’abonner").click()
    axe_page.wait_for_selector("#consent-error")
    assert axe_violations(axe_page) == []


def test_unsubscribe_page_has_no_axe_violation(live_server: str, axe_page: Any) -> None:
    token = unsubscribe_token("test", "alice.bernard@example.com", "journalistes")
    axe_page.goto(f"{live_server}/desabonnement/{token}")
    assert axe_violations(axe_page) == []


@pytest.mark.parametrize("path", CONTACT_PAGES)
def test_contacts_admin_page_has_no_axe_violation(
    live_server: str,
    axe_page: Any,
    make_account: Callable[..., Account],
    database: Database,
    path: str,
) -> None:
    with database.session() as session:
        session.add(Subscriber(email="zoe@example.org", status="confirmed", topics=["tag:x"]))
    suppress(database, "bruno.caron@example.com", "complaint", "feedback loop")
    make_account("admin")
    axe_page.goto(live_server + "/connexion")
    axe_page.get_by_label("Adresse électronique").fill("admin@example.org")
    axe_page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
    axe_page.get_by_role("button", name="Connexion").click()
    axe_page.wait_for_url(live_server + "/admin/")
    axe_page.goto(live_server + path)
    assert axe_violations(axe_page) == []


def test_subscribe_form_fits_a_320_px_screen(live_server: str, chromium: Any) -> None:
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(live_server + "/abonnement/")
        assert horizontal_overflow(page) == 0
    finally:
        context.close()
