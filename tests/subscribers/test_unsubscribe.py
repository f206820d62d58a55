"""Unsubscribing: the GET page does nothing, the POST (RFC 8058 one-click) needs no cookie."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.db import ensure_database
from pressroom.mail.tokens import unsubscribe_token
from pressroom.models.subscribers import Subscriber
from pressroom.subscribers import find_subscriber
from pressroom.suppression import find_suppression, is_suppressed

ADDRESS = "bruno.caron@example.com"  # on the demo site's journalistes list


def _token(address: str = ADDRESS, list_id: str = "journalistes") -> str:
    return unsubscribe_token("test", address, list_id)


def test_get_shows_a_page_with_a_button_and_unsubscribes_nobody(
    client: FlaskClient, demo_site: Site
) -> None:
    page = client.get(f"/desabonnement/{_token()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ADDRESS in html and 'method="post"' in html
    assert not is_suppressed(ensure_database(demo_site), ADDRESS)


def test_one_click_post_without_cookie_or_csrf_unsubscribes_and_answers_200(
    app: Flask, demo_site: Site
) -> None:
    fresh = app.test_client(use_cookies=False)
    answer = fresh.post(f"/desabonnement/{_token()}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "Location" not in answer.headers
    entry = find_suppression(ensure_database(demo_site), ADDRESS)
    assert entry is not None
    assert (entry.reason, entry.source) == ("unsubscribe", "one-click (journalistes)")


def test_the_button_on_the_page_unsubscribes(client: FlaskClient, demo_site: Site) -> None:
    client.get(f"/desabonnement/{_token()}")
    assert client.post(f"/desabonnement/{_token()}").status_code == 200
    entry = find_suppression(ensure_database(demo_site), ADDRESS)
    assert entry is not None and entry.source == "link (journalistes)"


def test_unsubscribing_twice_is_harmless(client: FlaskClient, demo_site: Site) -> None:
    for _ in range(2):
        assert client.post(f"/desabonnement/{_token()}").status_code == 200
    assert is_suppressed(ensure_database(demo_site), ADDRESS)


def test_a_subscriber_becomes_unsubscribed(client: FlaskClient, demo_site: Site) -> None:
    database = ensure_database(demo_site)
    with database.session() as session:
        session.add(Subscriber(email="zoe@example.org", status="confirmed"))
    client.post(f"/desabonnement/{_token('Zoe@example.org', 'abonnes')}")
    subscriber = find_subscriber(database, "zoe@example.org")
    assert subscriber is not None
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at is not None


def test_forged_token_gets_a_clear_page_on_get(client: FlaskClient) -> None:
    page = client.get("/desabonnement/WyJhQGIuYyIsIngiXQ.forged")
    assert page.status_code == 400
    assert "Ce lien de désabonnement n’est pas valide" in page.get_data(as_text=True)


def test_forged_token_gets_a_clear_page_on_post(app: Flask, demo_site: Site) -> None:
    fresh = app.test_client(use_cookies=False)
    answer = fresh.post("/desabonnement/WyJhQGIuYyIsIngiXQ.forged")
    assert answer.status_code == 400
    assert "n’est pas valide" in answer.get_data(as_text=True)


def test_token_signed_with_another_secret_is_refused(client: FlaskClient) -> None:
    token = unsubscribe_token("another secret", ADDRESS, "journalistes")
    assert client.post(f"/desabonnement/{token}").status_code == 400
