"""The back office's people pages: audience counts, subscribers, do-not-mail list, erasure."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.contacts import read_list
from pressroom.db import Database
from pressroom.models.subscribers import Subscriber
from pressroom.suppression import find_suppression, suppress
from tests.conftest import AuthActions, csrf_token_in
from tests.subscribers.conftest import commit_contacts

ALICE = "alice.bernard@example.com"  # on the demo site's journalistes list


@pytest.fixture
def admin(auth: AuthActions, make_account: Callable[..., Account]) -> FlaskClient:
    make_account("admin")
    auth.login("admin@example.org")
    return auth.client


def _count(html: str) -> int:
    return int(html.split('id="audience-count">')[1].split("<")[0])


def test_the_audience_count_leaves_out_suppressed_addresses(
    admin: FlaskClient, database: Database
) -> None:
    query = {"lists": "journalistes"}
    before = _count(admin.get("/admin/contacts/audience", query_string=query).get_data(True))
    suppress(database, ALICE, "hard-bounce")
    html = admin.get("/admin/contacts/audience", query_string=query).get_data(as_text=True)
    assert _count(html) == before - 1


def test_the_audience_adds_subscribers_following_a_topic(
    admin: FlaskClient, database: Database
) -> None:
    with database.session() as session:
        session.add(Subscriber(email="zoe@example.org", status="confirmed", topics=["tag:x"]))
        session.add(Subscriber(email=ALICE, status="confirmed", topics=["tag:x"]))
    query = {"lists": "journalistes", "topics": "tag:x"}
    with_topic = _count(admin.get("/admin/contacts/audience", query_string=query).get_data(True))
    only_list = _count(
        admin.get("/admin/contacts/audience", query_string={"lists": "journalistes"}).get_data(True)
    )
    assert with_topic == only_list + 1  # Alice is on the list already


def test_an_editor_can_count_an_audience(
    auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("editor")
    auth.login("editor@example.org")
    answer = auth.client.get("/admin/contacts/audience", query_string={"lists": "journalistes"})
    assert answer.status_code == 200


@pytest.mark.parametrize("path", ["abonnes/", "exclusions/", "personne"])
def test_people_pages_are_for_admins(
    path: str, auth: AuthActions, make_account: Callable[..., Account]
) -> None:
    make_account("publisher")
    auth.login("publisher@example.org")
    assert auth.client.get(f"/admin/contacts/{path}").status_code == 403


def test_admins_see_subscribers_with_their_consent_date(
    admin: FlaskClient, database: Database
) -> None:
    with database.session() as session:
        session.add(Subscriber(email="zoe@example.org", status="pending"))
    html = admin.get("/admin/contacts/abonnes/", query_string={"status": "pending"}).get_data(True)
    assert "zoe@example.org" in html and "En attente de confirmation" in html


def test_admins_see_why_and_since_when_an_address_is_suppressed(
    admin: FlaskClient, database: Database
) -> None:
    suppress(database, ALICE, "complaint", "feedback loop")
    html = admin.get("/admin/contacts/exclusions/").get_data(as_text=True)
    assert "Plainte" in html and "feedback loop" in html and ALICE not in html
    checked = admin.get("/admin/contacts/exclusions/verifier", query_string={"email": ALICE})
    assert "Plainte" in checked.get_data(as_text=True)


def test_an_admin_adds_an_address_by_hand(admin: FlaskClient, database: Database) -> None:
    token = csrf_token_in(admin.get("/admin/contacts/exclusions/").get_data(as_text=True))
    admin.post("/admin/contacts/exclusions/", data={"csrf_token": token, "email": "X@Example.org"})
    entry = find_suppression(database, "x@example.org")
    assert entry is not None and entry.reason == "manual"


def test_an_admin_exports_a_journalists_data(admin: FlaskClient) -> None:
    answer = admin.get("/admin/contacts/personne/donnees.json", query_string={"email": ALICE})
    data = json.loads(answer.get_data(as_text=True))
    assert [entry["list"] for entry in data["contact_lists"]] == ["journalistes"]


def test_an_admin_erases_a_journalist_everywhere(
    admin: FlaskClient, database: Database, demo_site: Site
) -> None:
    page = admin.get("/admin/contacts/personne", query_string={"email": ALICE})
    data = {"csrf_token": csrf_token_in(page.get_data(as_text=True)), "email": ALICE}
    admin.post("/admin/contacts/personne/effacer", data={**data, "confirm": "yes"})
    assert read_list(demo_site, "journalistes").find(ALICE) is None
    entry = find_suppression(database, ALICE)
    assert entry is not None and entry.reason == "erasure"


def test_erasure_without_the_box_ticked_changes_nothing(
    admin: FlaskClient, demo_site: Site
) -> None:
    page = admin.get("/admin/contacts/personne", query_string={"email": ALICE})
    data = {"csrf_token": csrf_token_in(page.get_data(as_text=True)), "email": ALICE}
    admin.post("/admin/contacts/personne/effacer", data=data)
    assert read_list(demo_site, "journalistes").find(ALICE) is not None


def test_an_admin_erasure_names_the_git_commits_left_to_rewrite(
    admin: FlaskClient, demo_site: Site
) -> None:
    commit = commit_contacts(demo_site)
    page = admin.get("/admin/contacts/personne", query_string={"email": ALICE})
    data = {"csrf_token": csrf_token_in(page.get_data(as_text=True)), "email": ALICE}
    answer = admin.post(
        "/admin/contacts/personne/effacer", data={**data, "confirm": "yes"}, follow_redirects=True
    )
    shown = answer.get_data(as_text=True)
    assert f"contiennent encore l’adresse (commits {commit})" in shown
    assert "Envois de campagnes anonymisés : 0." in shown
