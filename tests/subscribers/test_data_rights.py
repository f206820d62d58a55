"""Data rights: a link by email, the download, and erasure that leaves only the hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from pressroom.config import Site
from pressroom.contacts import address_hash, read_list
from pressroom.db import Database, ensure_database
from pressroom.models.subscribers import Subscriber
from pressroom.suppression import find_suppression
from tests.conftest import csrf_token_in
from tests.subscribers.conftest import commit_contacts, link_path, outbox_messages, post_form

JOURNALIST = "alice.bernard@example.com"  # on the demo site's journalistes list
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _data_link(client: FlaskClient, site: Site, address: str) -> str:
    answer = post_form(client, "/mes-donnees/", {"email": address})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    return link_path(outbox_messages(site)[-1])


def _every_text_in(database: Database) -> str:
    """Every value of every table, as text: where an erased address must not be."""
    values = []
    with database.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values += [str(v) for v in row]
    return "\n".join(values).lower()


def test_the_same_answer_whether_or_not_anything_is_held(
    client: FlaskClient, demo_site: Site
) -> None:
    known = post_form(client, "/mes-donnees/", {"email": JOURNALIST})
    unknown = post_form(client, "/mes-donnees/", {"email": "nobody@example.org"})
    assert known.headers["Location"] == unknown.headers["Location"]  # type: ignore[attr-defined]
    assert [m["To"] for m in outbox_messages(demo_site)] == [JOURNALIST]


def test_a_journalist_downloads_their_list_entries(client: FlaskClient, demo_site: Site) -> None:
    path = _data_link(client, demo_site, JOURNALIST)
    download = client.get(path + "/donnees.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["email"] == JOURNALIST
    assert data["subscriber"] is None
    [entry] = data["contact_lists"]
    assert (entry["list"], entry["last_name"], entry["outlet"]) == (
        "journalistes",
        "Bernard",
        "Le Quotidien du Numérique",
    )


def test_a_subscriber_downloads_their_consent(client: FlaskClient, demo_site: Site) -> None:
    with ensure_database(demo_site).session() as session:
        session.add(Subscriber(email="zoe@example.org", status="confirmed", consent_text="Oui"))
    data = json.loads(
        client.get(_data_link(client, demo_site, "zoe@example.org") + "/donnees.json").data
    )
    assert data["subscriber"]["status"] == "confirmed"
    assert data["subscriber"]["consent"]["text"] == "Oui"


def test_erasure_leaves_only_the_hash(client: FlaskClient, demo_site: Site) -> None:
    database = ensure_database(demo_site)
    with database.session() as session:
        session.add(Subscriber(email=JOURNALIST, status="confirmed", topics=["tag:x"]))
    path = _data_link(client, demo_site, JOURNALIST)
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    answer = client.post(path + "/effacer", data={"csrf_token": token, "confirm": "yes"})
    assert answer.status_code == 200
    assert read_list(demo_site, "journalistes").find(JOURNALIST) is None
    assert JOURNALIST not in (demo_site.contacts_dir / "journalistes.csv").read_text()
    entry = find_suppression(database, JOURNALIST)
    assert entry is not None and entry.reason == "erasure"
    everything = _every_text_in(database)
    assert JOURNALIST not in everything
    assert address_hash(JOURNALIST) in everything


def test_erasure_needs_the_box_ticked(client: FlaskClient, demo_site: Site) -> None:
    path = _data_link(client, demo_site, JOURNALIST)
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    answer = client.post(path + "/effacer", data={"csrf_token": token})
    assert answer.status_code == 400
    assert read_list(demo_site, "journalistes").find(JOURNALIST) is not None


def test_an_expired_data_link_is_refused(client: FlaskClient, demo_site: Site) -> None:
    with time_machine.travel(START, tick=False):
        path = _data_link(client, demo_site, JOURNALIST)
    with time_machine.travel(START + timedelta(hours=25), tick=False):
        page = client.get(path)
        assert page.status_code == 400
        assert "expiré" in page.get_data(as_text=True)
        assert client.get(path + "/donnees.json").status_code == 400


def test_a_forged_data_link_is_refused(client: FlaskClient) -> None:
    assert client.get("/mes-donnees/forged.token.here").status_code == 400


def test_erasure_says_past_git_revisions_still_hold_the_address(
    client: FlaskClient, demo_site: Site
) -> None:
    commit_contacts(demo_site)
    path = _data_link(client, demo_site, JOURNALIST)
    token = csrf_token_in(client.get(path).get_data(as_text=True))
    answer = client.post(path + "/effacer", data={"csrf_token": token, "confirm": "yes"})
    assert answer.status_code == 200
    assert "jusqu’à ce que le service de presse réécrive cet historique" in answer.get_data(
        as_text=True
    )
