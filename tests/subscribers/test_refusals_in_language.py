"""The contact and audience pages say the services' refusals in the back office's language:
French on a French site, English when the site's ``language`` is ``en``."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.web import create_app
from tests.campaigns.languages import in_english
from tests.conftest import DATA, AuthActions, csrf_token_in

IMPORT = "/admin/contacts/listes/journalistes/import"
CONTACTS = DATA / "contacts"
SignIn = Callable[[Site, str], FlaskClient]


@pytest.fixture
def sign_in(make_account: Callable[..., Account]) -> SignIn:
    """``sign_in(site, role)``: a client of the back office of ``site``, signed in."""

    def make(site: Site, role: str) -> FlaskClient:
        account = make_account(role)
        client = create_app(site, {"TESTING": True, "SECRET_KEY": "test"}).test_client()
        AuthActions(client).login(account.email)
        return client

    return make


def _import(client: FlaskClient, data_file: str) -> str:
    token = csrf_token_in(client.get(IMPORT).get_data(as_text=True))
    upload = (io.BytesIO((CONTACTS / data_file).read_bytes()), data_file)
    response = client.post(
        IMPORT, data={"csrf_token": token, "file": upload}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    return response.get_data(as_text=True)


def _unreadable_list(site: Site) -> None:
    shutil.copyfile(CONTACTS / "list-not-utf8.csv", site.contacts_dir / "abimee.csv")


def test_an_import_without_an_email_column_is_refused_in_french(
    demo_site: Site, sign_in: SignIn
) -> None:
    html = _import(sign_in(demo_site, "publisher"), "no-email-column.csv")
    assert "no-email-column.csv : pas de colonne d’adresse électronique" in html
    assert "no email column" not in html


def test_an_import_without_an_email_column_is_refused_in_english_on_an_english_site(
    demo_site: Site, sign_in: SignIn
) -> None:
    html = _import(sign_in(in_english(demo_site), "publisher"), "no-email-column.csv")
    assert "no-email-column.csv: no email column." in html


def test_a_rows_refusal_in_the_import_preview_is_in_french(
    demo_site: Site, sign_in: SignIn
) -> None:
    client = sign_in(demo_site, "publisher")
    token = csrf_token_in(client.get(IMPORT).get_data(as_text=True))
    upload = (io.BytesIO((CONTACTS / "all-invalid.csv").read_bytes()), "all-invalid.csv")
    html = client.post(
        IMPORT, data={"csrf_token": token, "file": upload}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "adresse invalide : Une adresse électronique doit contenir un @." in html


def test_a_lists_problems_are_shown_in_french(demo_site: Site, sign_in: SignIn) -> None:
    shutil.copyfile(CONTACTS / "list-with-problems.csv", demo_site.contacts_dir / "presse.csv")
    html = sign_in(demo_site, "editor").get("/admin/contacts/listes/presse/").get_data(True)
    assert "contacts/presse.csv:3 : erreur : pas d’adresse électronique valide" in html
    assert "contacts/presse.csv:1 : avertissement : colonnes inconnues ignorées : twitter" in html


def test_an_unreadable_list_is_reported_in_french_on_the_audience_page(
    demo_site: Site, sign_in: SignIn
) -> None:
    _unreadable_list(demo_site)
    html = sign_in(demo_site, "editor").get("/admin/contacts/audience").get_data(as_text=True)
    assert "contacts/abimee.csv:2 : le fichier n’est pas en UTF-8 ; enregistrez la liste" in html


def test_an_unreadable_list_is_reported_in_english_on_an_english_audience_page(
    demo_site: Site, sign_in: SignIn
) -> None:
    site = in_english(demo_site)
    _unreadable_list(site)
    html = sign_in(site, "editor").get("/admin/contacts/audience").get_data(as_text=True)
    assert "contacts/abimee.csv:2: not UTF-8; save the list as UTF-8" in html


def test_adding_a_contact_already_on_the_list_is_refused_in_french(
    demo_site: Site, sign_in: SignIn
) -> None:
    client = sign_in(demo_site, "publisher")
    path = "/admin/contacts/listes/journalistes/contact"
    html = client.get(path).get_data(as_text=True)
    version = html.split('name="version" value="')[1].split('"')[0]
    data = {
        "csrf_token": csrf_token_in(html),
        "version": version,
        "email": "alice.bernard@example.com",
    }
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "alice.bernard@example.com figure déjà dans la liste journalistes" in response.get_data(
        as_text=True
    )
