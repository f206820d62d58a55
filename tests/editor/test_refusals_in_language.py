"""The release form, its previews and its revisions say the services' refusals in the back
office's language: French on a French site, English when the site's ``language`` is ``en``."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pressroom import revisions
from pressroom.accounts import Account
from pressroom.config import Site, load_site
from pressroom.db import Database
from pressroom.render.pdf import VARIANT_ENV
from pressroom.store import load_catalog
from pressroom.web import create_app
from tests.campaigns.languages import in_english
from tests.conftest import DATA, AuthActions, csrf_token_in
from tests.editor.conftest import NEW, form_values, release_file, version_in

SLUG = "la-dinum-ouvre-un-nouveau-service"
BASE = f"/admin/communiques/{SLUG}/"
SignIn = Callable[[Site], FlaskClient]


@pytest.fixture
def sign_in(make_account: Callable[..., Account]) -> SignIn:
    """``sign_in(site)``: a publisher's client of the back office of ``site``."""

    def make(site: Site) -> FlaskClient:
        account = make_account("publisher")
        client = create_app(site, {"TESTING": True, "SECRET_KEY": "test"}).test_client()
        AuthActions(client).login(account.email)
        return client

    return make


def _with_bad_press_officers(site: Site) -> None:
    shutil.copyfile(
        DATA / "contacts" / "press-officers-unknown-key.yml",
        site.contacts_dir / "press-officers.yml",
    )


def _with_sender(site: Site, sender: str) -> Site:
    """The site with its ``[mail] sender`` set to ``sender``."""
    settings = site.root / "pressroom.toml"
    text = settings.read_text(encoding="utf-8")
    assert 'sender = "presse@example.org"' in text
    settings.write_text(text.replace("presse@example.org", sender, 1), encoding="utf-8")
    return load_site(site.root)


def _mail_preview(client: FlaskClient, site: Site) -> str:
    slug = load_catalog(site).releases[0].slug
    return str(client.get(f"/admin/communiques/{slug}/apercu/courriel").get_data(as_text=True))


def _restore_unreadable_revision(client: FlaskClient, site: Site, database: Database) -> str:
    """Create a release, keep a revision of it that is no release file, restore that one."""
    token = csrf_token_in(client.get(NEW).get_data(as_text=True))
    client.post(NEW, data=form_values(csrf_token=token), content_type="multipart/form-data")
    path = release_file(site.root, SLUG)
    revisions.record(
        database, site, path, b"Written by hand, without front matter.\n", None, "save", ""
    )
    kept = revisions.history(database, site, path)[0].id
    html = client.get(BASE).get_data(as_text=True)
    data = {"csrf_token": csrf_token_in(html), "version": version_in(html)}
    response = client.post(f"{BASE}revisions/{kept}/restaurer", data=data, follow_redirects=True)
    return str(response.get_data(as_text=True))


def test_an_unreadable_press_officers_file_is_reported_in_french(
    demo_site: Site, sign_in: SignIn
) -> None:
    _with_bad_press_officers(demo_site)
    html = sign_in(demo_site).get(NEW).get_data(as_text=True)
    assert "contacts/press-officers.yml : fiche 1 : clé inconnue « phone »" in html


def test_an_unreadable_press_officers_file_is_reported_in_english_on_an_english_site(
    demo_site: Site, sign_in: SignIn
) -> None:
    site = in_english(demo_site)
    _with_bad_press_officers(site)
    html = sign_in(site).get(NEW).get_data(as_text=True)
    assert "contacts/press-officers.yml: card 1: unknown key &#39;phone&#39;" in html


def test_a_pdf_preview_that_cannot_be_made_says_why_in_french(
    demo_site: Site, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VARIANT_ENV, "pdf/z-9")
    slug = load_catalog(demo_site).releases[0].slug
    response = sign_in(demo_site).get(f"/admin/communiques/{slug}/apercu/pdf")
    assert response.status_code == 503
    assert "variante de PDF inconnue « pdf/z-9 »" in response.get_data(as_text=True)


def test_a_pdf_preview_that_cannot_be_made_says_why_in_english_on_an_english_site(
    demo_site: Site, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VARIANT_ENV, "pdf/z-9")
    site = in_english(demo_site)
    slug = load_catalog(site).releases[0].slug
    response = sign_in(site).get(f"/admin/communiques/{slug}/apercu/pdf")
    assert "unknown PDF variant &#39;pdf/z-9&#39;" in response.get_data(as_text=True)


def test_restoring_a_revision_that_is_no_release_is_refused_in_french(
    demo_site: Site, sign_in: SignIn, database: Database
) -> None:
    html = _restore_unreadable_revision(sign_in(demo_site), demo_site, database)
    assert ":1 : pas d’en-tête YAML : le fichier doit commencer par une ligne « --- »" in html


def test_restoring_a_revision_that_is_no_release_is_refused_in_english_on_an_english_site(
    demo_site: Site, sign_in: SignIn, database: Database
) -> None:
    site = in_english(demo_site)
    html = _restore_unreadable_revision(sign_in(site), site, database)
    assert ":1: no front matter: the file must start with a &#39;---&#39; line" in html


def test_a_mail_preview_with_a_bad_sender_says_why_in_french(
    demo_site: Site, sign_in: SignIn
) -> None:
    site = _with_sender(demo_site, "presse-sans-arobase")
    html = _mail_preview(sign_in(site), site)
    assert (
        "pressroom.toml : [mail] sender : adresse invalide « presse-sans-arobase » : "
        "Une adresse électronique doit contenir un @."
    ) in html


def test_a_mail_preview_with_a_bad_sender_says_why_in_english_on_an_english_site(
    demo_site: Site, sign_in: SignIn
) -> None:
    _with_sender(demo_site, "presse-sans-arobase")
    site = in_english(demo_site)
    html = _mail_preview(sign_in(site), site)
    assert (
        "pressroom.toml: [mail] sender: invalid address &#39;presse-sans-arobase&#39;: "
        "An email address must have an @-sign."
    ) in html
