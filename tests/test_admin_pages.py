"""The back office's pages: the list of releases, accounts management and the audit log."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
import time_machine

from pressroom import accounts
from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.db import Database
from tests.conftest import DATA, AuthActions, csrf_token_in

ADMIN_DATA = DATA / "admin"


@pytest.fixture
def admin(auth: AuthActions, make_account: Callable[..., Account]) -> AuthActions:
    """Signed in as admin@example.org."""
    make_account("admin")
    auth.login("admin@example.org")
    return auth


@pytest.fixture
def with_draft_and_embargo(demo_site: Site) -> Iterator[Site]:
    """The demo site plus a draft and a release under embargo, seen on 1 June 2026."""
    for path in ADMIN_DATA.glob("*.md"):
        shutil.copyfile(path, demo_site.releases_dir / path.name)
    with time_machine.travel("2026-06-01 12:00 +0000", tick=False):
        yield demo_site


def _row_of(html: str, title: str) -> str:
    start = html.index(title)
    return html[start : html.index("</tr>", start)]


def test_list_shows_each_status_in_french(with_draft_and_embargo: Site, admin: AuthActions) -> None:
    html = admin.client.get("/admin/").get_data(as_text=True)
    assert "Brouillon" in _row_of(html, "Plan numérique pour les écoles")
    assert "Programmé" in _row_of(html, "Budget 2031")
    assert "Publié" in _row_of(html, "la DINUM devient organisme certificateur")


def test_list_shows_date_and_category(with_draft_and_embargo: Site, admin: AuthActions) -> None:
    row = _row_of(admin.client.get("/admin/").get_data(as_text=True), "Budget 2031")
    assert "15 janv. 2031, 11:00" in row
    assert "Communiqué de presse" in row


def test_list_filters_by_status(with_draft_and_embargo: Site, admin: AuthActions) -> None:
    html = admin.client.get("/admin/?statut=draft").get_data(as_text=True)
    assert "Plan numérique pour les écoles" in html
    assert "status status-scheduled" not in html and "status status-published" not in html


def test_list_search_ignores_case_and_accents(
    with_draft_and_embargo: Site, admin: AuthActions
) -> None:
    html = admin.client.get("/admin/?q=ECOLES").get_data(as_text=True)
    assert "Plan numérique pour les écoles" in html
    assert "Budget 2031" not in html


def test_list_filters_by_category(with_draft_and_embargo: Site, admin: AuthActions) -> None:
    html = admin.client.get("/admin/?categorie=Dossier+de+presse").get_data(as_text=True)
    assert "Plan numérique pour les écoles" in html
    assert "Budget 2031" not in html


def test_admin_adds_an_account_and_an_invitation_is_sent(
    admin: AuthActions, demo_site: Site
) -> None:
    token = admin.token("/admin/comptes/")
    data = {"email": "New.Person@Example.org", "role": "publisher", "csrf_token": token}
    response = admin.client.post("/admin/comptes/", data=data)
    assert response.status_code == 302
    html = admin.client.get("/admin/comptes/").get_data(as_text=True)
    assert "Compte créé pour new.person@example.org" in html
    [eml] = (demo_site.instance_dir / "outbox").glob("*.eml")
    assert "/mot-de-passe/" in eml.read_text()


def test_an_existing_address_is_shown_next_to_the_field(admin: AuthActions) -> None:
    data = {"email": "admin@example.org", "role": "editor", "csrf_token": admin.token()}
    response = admin.client.post("/admin/comptes/", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="email-error">admin@example.org a déjà un compte.' in html


def test_admin_changes_a_role(
    admin: AuthActions, make_account: Callable[..., Account], database: Database
) -> None:
    editor = make_account("editor")
    data = {"role": "publisher", "csrf_token": admin.token("/admin/comptes/")}
    admin.client.post(f"/admin/comptes/{editor.id}/role", data=data)
    assert accounts.get_account(database, editor.id).role == "publisher"  # type: ignore[union-attr]


def test_admin_deactivates_an_account(
    admin: AuthActions, make_account: Callable[..., Account], database: Database
) -> None:
    editor = make_account("editor")
    data = {"active": "0", "csrf_token": admin.token("/admin/comptes/")}
    admin.client.post(f"/admin/comptes/{editor.id}/etat", data=data)
    assert not accounts.get_account(database, editor.id).active  # type: ignore[union-attr]


def test_the_last_admin_is_told_why_they_cannot_leave(
    admin: AuthActions, database: Database
) -> None:
    me = accounts.find_account(database, "admin@example.org")
    assert me is not None
    data = {"active": "0", "csrf_token": admin.token("/admin/comptes/")}
    admin.client.post(f"/admin/comptes/{me.id}/etat", data=data)
    html = admin.client.get("/admin/comptes/").get_data(as_text=True)
    assert "Le dernier administrateur actif ne peut pas être désactivé." in html


def test_audit_log_lists_actions_in_french(admin: AuthActions) -> None:
    html = admin.client.get("/admin/journal/").get_data(as_text=True)
    assert "Connexion" in html and "Compte créé" in html
    assert "admin@example.org" in html


def test_audit_log_shows_typed_text_inert(admin: AuthActions) -> None:
    visitor = admin.client.application.test_client()
    token = csrf_token_in(visitor.get("/connexion").get_data(as_text=True))
    payload = '"><script>alert(1)</script>'
    visitor.post("/connexion", data={"email": payload, "password": "x", "csrf_token": token})
    html = admin.client.get("/admin/journal/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
