"""Double opt-in through the real form, a real SMTP server and the emailed link."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import time_machine
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.db import ensure_database
from pressroom.subscribers import find_subscriber
from pressroom.suppression import is_suppressed, suppress
from tests.conftest import csrf_token_in
from tests.subscribers.conftest import SmtpServer, link_path, outbox_messages, post_form

ADDRESS = "ana.dupont@example.org"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _subscribe(client: FlaskClient, address: str = ADDRESS, **extra: object) -> object:
    data: dict[str, object] = {"email": address, "consent": "yes", **extra}
    return post_form(client, "/abonnement/", data)


def _confirm(client: FlaskClient, path: str) -> object:
    page = client.get(path)
    assert page.status_code == 200
    token = csrf_token_in(page.get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def test_subscribe_receive_click_confirmed(
    mail_client: FlaskClient, smtp_server: SmtpServer, demo_site: Site
) -> None:
    answer = _subscribe(mail_client, "Ana.Dupont@Example.org", topics=["tag:franceconnect"])
    assert answer.status_code == 303  # type: ignore[attr-defined]
    [received] = smtp_server.received
    assert received.rcpt_tos == (ADDRESS,)
    message = received.parse()
    assert message["To"] == ADDRESS
    assert "Confirmez" in message["Subject"]
    database = ensure_database(demo_site)
    assert find_subscriber(database, ADDRESS).status == "pending"  # type: ignore[union-attr]
    done = _confirm(mail_client, link_path(message))
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert "confirmé" in done.get_data(as_text=True)  # type: ignore[attr-defined]
    subscriber = find_subscriber(database, ADDRESS)
    assert subscriber is not None
    assert subscriber.status == "confirmed"
    assert subscriber.topics == ("tag:franceconnect",)


def test_opening_the_link_does_not_confirm_by_itself(
    mail_client: FlaskClient, smtp_server: SmtpServer, demo_site: Site
) -> None:
    _subscribe(mail_client)
    mail_client.get(link_path(smtp_server.received[0].parse()))
    subscriber = find_subscriber(ensure_database(demo_site), ADDRESS)
    assert subscriber is not None and subscriber.status == "pending"


def test_expired_confirmation_link_is_refused_with_a_page(
    mail_client: FlaskClient, smtp_server: SmtpServer, demo_site: Site
) -> None:
    with time_machine.travel(START, tick=False):
        _subscribe(mail_client)
    path = link_path(smtp_server.received[0].parse())
    with time_machine.travel(START + timedelta(days=3, minutes=1), tick=False):
        page = mail_client.get(path)
        assert page.status_code == 400
        assert "expiré" in page.get_data(as_text=True)
    subscriber = find_subscriber(ensure_database(demo_site), ADDRESS)
    assert subscriber is not None and subscriber.status == "pending"


def test_confirmation_link_still_works_just_before_it_expires(
    mail_client: FlaskClient, smtp_server: SmtpServer
) -> None:
    with time_machine.travel(START, tick=False):
        _subscribe(mail_client)
    path = link_path(smtp_server.received[0].parse())
    with time_machine.travel(START + timedelta(days=2, hours=23), tick=False):
        assert _confirm(mail_client, path).status_code == 200  # type: ignore[attr-defined]


def test_forged_confirmation_link_is_refused_with_a_page(mail_client: FlaskClient) -> None:
    page = mail_client.get("/abonnement/confirmation/eyJlIjoiYUBiLmMifQ.Zz.forged")
    assert page.status_code == 400
    assert "n’est pas valide" in page.get_data(as_text=True)


def test_forged_confirmation_post_is_refused_with_a_page(mail_client: FlaskClient) -> None:
    token = csrf_token_in(mail_client.get("/abonnement/").get_data(as_text=True))
    page = mail_client.post("/abonnement/confirmation/forged", data={"csrf_token": token})
    assert page.status_code == 400


def test_known_and_unknown_addresses_get_the_same_answer(
    mail_client: FlaskClient, smtp_server: SmtpServer
) -> None:
    first = _subscribe(mail_client)
    _confirm(mail_client, link_path(smtp_server.received[0].parse()))
    again = _subscribe(mail_client)
    other = _subscribe(mail_client, "new.person@example.org")
    answers = [(r.status_code, r.headers["Location"]) for r in (first, again, other)]  # type: ignore[attr-defined]
    assert answers[0] == answers[1] == answers[2]


def test_subscribing_again_leaves_a_confirmed_subscriber_as_is_until_confirmed(
    mail_client: FlaskClient, smtp_server: SmtpServer, demo_site: Site
) -> None:
    _subscribe(mail_client, topics=["tag:franceconnect"])
    _confirm(mail_client, link_path(smtp_server.received[0].parse()))
    _subscribe(mail_client, topics=["tag:certification"])
    database = ensure_database(demo_site)
    assert find_subscriber(database, ADDRESS).topics == ("tag:franceconnect",)  # type: ignore[union-attr]
    _confirm(mail_client, link_path(smtp_server.received[1].parse()))
    assert find_subscriber(database, ADDRESS).topics == ("tag:certification",)  # type: ignore[union-attr]


def test_consent_proof_is_kept_without_the_raw_ip_address(
    client: FlaskClient, demo_site: Site
) -> None:
    _subscribe(client)
    subscriber = find_subscriber(ensure_database(demo_site), ADDRESS)
    assert subscriber is not None
    assert "J’accepte de recevoir" in subscriber.consent_text
    assert len(subscriber.consent_ip_hash) == 64
    assert "127.0.0.1" not in subscriber.consent_ip_hash
    assert subscriber.source == "form"


def test_without_a_server_the_confirmation_goes_to_the_outbox(
    client: FlaskClient, demo_site: Site
) -> None:
    _subscribe(client)
    [message] = outbox_messages(demo_site)
    assert message["To"] == ADDRESS
    assert "/abonnement/confirmation/" in link_path(message)


def test_confirming_lifts_an_earlier_unsubscribe(
    mail_client: FlaskClient, smtp_server: SmtpServer, demo_site: Site
) -> None:
    database = ensure_database(demo_site)
    suppress(database, ADDRESS, "unsubscribe", "test")
    _subscribe(mail_client)
    assert is_suppressed(database, ADDRESS)
    _confirm(mail_client, link_path(smtp_server.received[0].parse()))
    assert not is_suppressed(database, ADDRESS)


def test_link_sent_before_an_unsubscribe_no_longer_confirms(
    mail_client: FlaskClient, smtp_server: SmtpServer, demo_site: Site
) -> None:
    from pressroom.mail.tokens import unsubscribe_token

    with time_machine.travel(START, tick=False):
        _subscribe(mail_client)
    path = link_path(smtp_server.received[0].parse())
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        mail_client.post(f"/desabonnement/{unsubscribe_token('test', ADDRESS, 'abonnes')}")
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        assert _confirm(mail_client, path).status_code == 400  # type: ignore[attr-defined]
    subscriber = find_subscriber(ensure_database(demo_site), ADDRESS)
    assert subscriber is not None and subscriber.status == "unsubscribed"


def test_subscribe_form_answers_the_newsroom_layout(client: FlaskClient) -> None:
    html = client.get("/abonnement/").get_data(as_text=True)
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'name="topics" value="tag:franceconnect"' in html
    assert 'name="topics" value="category:communique-de-presse"' in html


def test_no_email_is_sent_for_a_subscription_without_consent(
    subscribe_form: Callable[..., object], demo_site: Site
) -> None:
    answer = subscribe_form(ADDRESS, consent=False)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "cochez la case" in answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert outbox_messages(demo_site) == []
