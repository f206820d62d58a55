"""The back office's contact pages: lists, search, edits, import with preview, export, roles."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.contacts import read_list
from pressroom.db import Database
from pressroom.suppression import suppress
from tests.conftest import DATA, AuthActions, csrf_token_in

LIST = "/admin/contacts/listes/journalistes/"
ALICE = "alice.bernard@example.com"


@pytest.fixture
def publisher(auth: AuthActions, make_account: Callable[..., Account]) -> FlaskClient:
    make_account("publisher")
    auth.login("publisher@example.org")
    return auth.client


def _token(client: FlaskClient, path: str = "/admin/contacts/") -> str:
    return csrf_token_in(client.get(path).get_data(as_text=True))


def _version(client: FlaskClient) -> str:
    html = client.get(LIST).get_data(as_text=True)
    start = html.index('name="version" value="') + len('name="version" value="')
    return html[start : start + 64]


def test_the_lists_page_shows_every_list_with_its_size(publisher: FlaskClient) -> None:
    html = publisher.get("/admin/contacts/").get_data(as_text=True)
    assert "journalistes" in html
    assert LIST in html


def test_search_finds_a_contact_by_outlet_and_beat(publisher: FlaskClient) -> None:
    query = {"q": "alice", "outlet": "Le Quotidien du Numérique", "beat": "données"}
    html = publisher.get("/admin/contacts/", query_string=query).get_data(as_text=True)
    assert ALICE in html
    assert "bruno.caron@example.com" not in html


def test_a_list_page_filters_by_beat(publisher: FlaskClient) -> None:
    html = publisher.get(LIST, query_string={"beat": "administration"}).get_data(as_text=True)
    assert "bruno.caron@example.com" in html and ALICE not in html


def test_a_publisher_adds_a_contact(publisher: FlaskClient, demo_site: Site) -> None:
    path = "/admin/contacts/listes/journalistes/contact"
    data = {
        "csrf_token": _token(publisher, path),
        "version": _version(publisher),
        "email": "Nina@Example.org",
        "first_name": "Nina",
        "last_name": "Simon\r\nBcc: x@evil.example",
        "beats": "santé; numérique",
    }
    answer = publisher.post(path, data=data)
    assert answer.status_code == 302
    contact = read_list(demo_site, "journalistes").find("nina@example.org")
    assert contact is not None
    assert contact.last_name == "Simon Bcc: x@evil.example"
    assert contact.beats == ("santé", "numérique")


def test_an_invalid_address_is_shown_on_the_form(publisher: FlaskClient) -> None:
    path = "/admin/contacts/listes/journalistes/contact"
    answer = publisher.post(path, data={"csrf_token": _token(publisher, path), "email": "nope"})
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.get_data(as_text=True)


def test_an_edit_over_a_newer_version_is_refused(publisher: FlaskClient, demo_site: Site) -> None:
    path = "/admin/contacts/listes/journalistes/contact"
    data = {"csrf_token": _token(publisher, path), "version": "0" * 64, "email": "x@example.org"}
    assert publisher.post(path, data=data).status_code == 409
    assert read_list(demo_site, "journalistes").find("x@example.org") is None


def test_a_publisher_edits_a_contact(publisher: FlaskClient, demo_site: Site) -> None:
    path = "/admin/contacts/listes/journalistes/contact"
    form = publisher.get(path, query_string={"email": ALICE}).get_data(as_text=True)
    assert 'value="Le Quotidien du Numérique"' in form
    data = {
        "csrf_token": csrf_token_in(form),
        "version": _version(publisher),
        "original": ALICE,
        "email": ALICE,
        "outlet": "Le Monde Exemple",
    }
    assert publisher.post(path, data=data).status_code == 302
    contact = read_list(demo_site, "journalistes").find(ALICE)
    assert contact is not None and contact.outlet == "Le Monde Exemple"


def test_a_publisher_removes_a_contact(publisher: FlaskClient, demo_site: Site) -> None:
    data = {"csrf_token": _token(publisher), "version": _version(publisher), "email": ALICE}
    publisher.post("/admin/contacts/listes/journalistes/retirer", data=data)
    assert read_list(demo_site, "journalistes").find(ALICE) is None


def test_a_publisher_moves_a_contact_to_another_list(
    publisher: FlaskClient, demo_site: Site
) -> None:
    publisher.post("/admin/contacts/", data={"csrf_token": _token(publisher), "name": "sante"})
    data = {
        "csrf_token": _token(publisher),
        "version": _version(publisher),
        "email": ALICE,
        "target": "sante",
        "mode": "move",
    }
    publisher.post("/admin/contacts/listes/journalistes/deplacer", data=data)
    assert read_list(demo_site, "journalistes").find(ALICE) is None
    assert read_list(demo_site, "sante").find(ALICE) is not None


def test_export_neutralises_formulas(publisher: FlaskClient, demo_site: Site) -> None:
    path = demo_site.contacts_dir / "journalistes.csv"
    path.write_text(path.read_text() + "eve@example.org,=HYPERLINK(1),,,,,,,,,\n")
    answer = publisher.get("/admin/contacts/listes/journalistes/export.csv")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    assert "'=HYPERLINK(1)" in answer.get_data(as_text=True)


def test_import_shows_a_preview_and_writes_only_on_confirmation(
    publisher: FlaskClient, demo_site: Site
) -> None:
    path = "/admin/contacts/listes/journalistes/import"
    upload = (DATA / "contacts" / "invalid-duplicate-formula.csv").read_bytes()
    before = (demo_site.contacts_dir / "journalistes.csv").read_bytes()
    data = {"csrf_token": _token(publisher, path), "file": (io.BytesIO(upload), "presse.csv")}
    preview = publisher.post(path, data=data, content_type="multipart/form-data")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "adresse invalide" in html and "doublon de la ligne" in html
    assert (demo_site.contacts_dir / "journalistes.csv").read_bytes() == before
    confirm = {
        "csrf_token": csrf_token_in(html),
        "upload": html.split('name="upload" value="')[1][:32],
        "source": "presse.csv",
        "version": html.split('name="version" value="')[1][:64],
    }
    answer = publisher.post(path + "/confirmer", data=confirm)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(LIST)
    assert (demo_site.contacts_dir / "journalistes.csv").read_bytes() != before


def test_a_file_without_email_column_is_refused_and_nothing_written(
    publisher: FlaskClient, demo_site: Site
) -> None:
    path = "/admin/contacts/listes/journalistes/import"
    upload = (DATA / "contacts" / "no-email-column.csv").read_bytes()
    before = (demo_site.contacts_dir / "journalistes.csv").read_bytes()
    data = {"csrf_token": _token(publisher, path), "file": (io.BytesIO(upload), "x.csv")}
    answer = publisher.post(path, data=data, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "email" in answer.get_data(as_text=True)
    assert (demo_site.contacts_dir / "journalistes.csv").read_bytes() == before


def test_a_forged_upload_id_is_refused(publisher: FlaskClient) -> None:
    data = {"csrf_token": _token(publisher), "upload": "../../secret_key", "version": ""}
    answer = publisher.post("/admin/contacts/listes/journalistes/import/confirmer", data=data)
    assert answer.status_code == 400


def test_an_editor_reads_lists_but_cannot_change_them(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    assert auth.client.get(LIST).status_code == 200
    assert auth.client.get(LIST + "export.csv").status_code == 403
    data = {"csrf_token": _token(auth.client), "email": ALICE}
    assert auth.client.post(LIST + "retirer", data=data).status_code == 403


def test_an_unknown_list_is_a_404(publisher: FlaskClient) -> None:
    assert publisher.get("/admin/contacts/listes/nope/").status_code == 404
    assert publisher.get("/admin/contacts/listes/..%2Fsecret/").status_code == 404


def test_a_suppressed_contact_is_marked_on_the_list(
    publisher: FlaskClient, database: Database
) -> None:
    suppress(database, ALICE, "unsubscribe", "one-click")
    html = publisher.get(LIST).get_data(as_text=True)
    row = html[html.index(ALICE) :][:200]
    assert "exclu des envois" in row
