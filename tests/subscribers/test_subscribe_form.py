"""The subscription form's guards: CSRF, honeypot, throttles, bad addresses and topics."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.db import ensure_database
from pressroom.subscribers import find_subscriber
from pressroom.web import create_app
from tests.subscribers.conftest import outbox_messages, post_form

ADDRESS = "ana.dupont@example.org"


def test_a_post_without_csrf_token_is_refused(client: FlaskClient, demo_site: Site) -> None:
    answer = client.post("/abonnement/", data={"email": ADDRESS, "consent": "yes"})
    assert answer.status_code == 400
    assert outbox_messages(demo_site) == []


def test_a_filled_honeypot_gets_the_usual_answer_and_nothing_is_sent(
    client: FlaskClient, demo_site: Site
) -> None:
    data = {"email": ADDRESS, "consent": "yes", "website": "http://spam.example"}
    answer = post_form(client, "/abonnement/", data)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert outbox_messages(demo_site) == []
    assert find_subscriber(ensure_database(demo_site), ADDRESS) is None


def test_an_invalid_address_is_refused_with_a_message(
    subscribe_form: Callable[..., object],
) -> None:
    answer = subscribe_form("not an address")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "n’est pas valide" in answer.get_data(as_text=True)  # type: ignore[attr-defined]


def test_a_topic_the_newsroom_does_not_offer_is_refused(
    subscribe_form: Callable[..., object], demo_site: Site
) -> None:
    answer = subscribe_form(ADDRESS, topics=("tag:does-not-exist",))
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "Sujet inconnu" in answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert outbox_messages(demo_site) == []


def test_the_form_is_throttled_per_client(demo_site: Site) -> None:
    app = create_app(
        demo_site, {"TESTING": True, "SECRET_KEY": "t", "SUBSCRIBE_RATE_LIMIT": "2 per hour"}
    )
    client = app.test_client()
    codes = [
        post_form(client, "/abonnement/", {"email": f"p{n}@example.org", "consent": "yes"})
        for n in range(3)
    ]
    assert [c.status_code for c in codes] == [303, 303, 429]  # type: ignore[attr-defined]


def test_one_address_gets_at_most_three_messages_an_hour(
    client: FlaskClient, demo_site: Site
) -> None:
    answers = [
        post_form(client, "/abonnement/", {"email": ADDRESS, "consent": "yes"}) for _ in range(4)
    ]
    assert {a.status_code for a in answers} == {303}  # type: ignore[attr-defined]
    assert len(outbox_messages(demo_site)) == 3


def test_a_mail_server_that_cannot_be_reached_gets_a_clear_message(demo_site: Site) -> None:
    config = {"TESTING": True, "SECRET_KEY": "t", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9}
    app: Flask = create_app(demo_site, config)
    answer = post_form(app.test_client(), "/abonnement/", {"email": ADDRESS, "consent": "yes"})
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "n’a pas pu être envoyé" in answer.get_data(as_text=True)  # type: ignore[attr-defined]
