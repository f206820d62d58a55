"""The back office's campaign pages: start a campaign, watch it, stop it, export its report."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from pressroom import accounts
from pressroom.campaign_creation import create_campaign
from pressroom.campaigns import TERMINAL, get_campaign, list_campaigns
from pressroom.config import Site
from pressroom.db import Database
from pressroom.publishing import approve
from pressroom.sending import SendSettings, run_campaign
from pressroom.store import FileVersion, ReleaseStore
from pressroom.web import create_app
from tests.conftest import TEST_PASSWORD, AuthActions, csrf_token_in

from .conftest import SEED_SLUG, SmtpServer, copies_per_address, write_list
from .languages import in_english

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "campaigns" / "admin"
HOSTILE_SLUG = "titre-hostile"


@pytest.fixture
def campaign_app(campaign_site: Site, campaign_db: Database) -> Flask:
    return create_app(campaign_site, {"TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def signed_in(campaign_app: Flask, campaign_db: Database) -> Callable[[str], FlaskClient]:
    """``signed_in(role)``: a client signed in with a new account of that role."""

    def make(role: str) -> FlaskClient:
        accounts.add_user(campaign_db, f"{role}@example.org", role, TEST_PASSWORD)
        client = campaign_app.test_client()
        response = AuthActions(client).login(f"{role}@example.org")
        assert response.status_code in (302, 303)
        return client

    return make


def _post(client: FlaskClient, url: str, data: Mapping[str, object], page: str) -> TestResponse:
    token = csrf_token_in(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


FORM = "/admin/campagnes/nouvelle"


def _start(client: FlaskClient, data: Mapping[str, object]) -> int:
    """Submit the new campaign form; the campaign's id, from the redirect to its page."""
    response = _post(client, FORM, data, FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _queued(site: Site, database: Database) -> int:
    info, _ = create_campaign(site, database, SEED_SLUG, ["presse"], actor=TERMINAL)
    assert info is not None
    return info.id


def _approve_seed(site: Site, database: Database) -> None:
    """A publisher approves the seed release as it is (it was written outside the back office)."""
    approver = accounts.add_user(database, "approver@example.org", "publisher", TEST_PASSWORD)
    store = ReleaseStore(site)
    release = store.load().get(SEED_SLUG)
    version = FileVersion.of((site.root / release.path).read_bytes()).sha256
    approve(store, database, SEED_SLUG, version, approver)


def test_anonymous_visitor_is_sent_to_the_login_page(campaign_app: Flask) -> None:
    response = campaign_app.test_client().get("/admin/campagnes/")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/connexion")


def test_editor_gets_403(signed_in: Callable[[str], FlaskClient]) -> None:
    assert signed_in("editor").get("/admin/campagnes/").status_code == 403


def test_publisher_sees_the_campaigns_with_their_counts(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    campaign_id = _queued(campaign_site, campaign_db)
    page = signed_in("publisher").get("/admin/campagnes/").get_data(as_text=True)
    assert f"/admin/campagnes/{campaign_id}/" in page
    assert "Campagnes" in page and "programmée" in page


def test_a_test_send_from_the_form_reaches_the_test_address(
    signed_in: Callable[[str], FlaskClient],
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    client = signed_in("publisher")
    campaign_id = _start(client, {"slug": SEED_SLUG, "test_to": "test@example.org"})
    assert get_campaign(campaign_db, campaign_id).kind == "test"
    run_campaign(campaign_site, campaign_id, engine_settings(smtp_server), database=campaign_db)
    assert copies_per_address(smtp_server.received) == {"test@example.org": 1}
    page = client.get(f"/admin/campagnes/{campaign_id}/").get_data(as_text=True)
    assert "test@example.org" in page and "250" in page


def test_a_campaign_to_a_list_sends_once_to_each_contact(
    signed_in: Callable[[str], FlaskClient],
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    _approve_seed(campaign_site, campaign_db)
    campaign_id = _start(signed_in("publisher"), {"slug": SEED_SLUG, "lists": ["presse"]})
    run_campaign(campaign_site, campaign_id, engine_settings(smtp_server), database=campaign_db)
    assert copies_per_address(smtp_server.received) == {f"j{n}@example.com": 1 for n in range(5)}


def test_an_unapproved_version_is_refused_with_the_reason_in_the_form(
    signed_in: Callable[[str], FlaskClient], campaign_db: Database
) -> None:
    client = signed_in("publisher")
    response = _post(client, FORM, {"slug": SEED_SLUG, "lists": ["presse"]}, FORM)
    assert response.status_code == 400
    # The service's refusal, in the back office's (the site's) language.
    assert "un éditeur ou une éditrice doit d’abord l’approuver" in response.get_data(as_text=True)
    assert "/admin/campagnes/1/" not in client.get("/admin/campagnes/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("actions", "status"),
    [(["pause"], "paused"), (["pause", "resume"], "running"), (["cancel"], "cancelled")],
)
def test_buttons_change_the_status(
    signed_in: Callable[[str], FlaskClient],
    campaign_site: Site,
    campaign_db: Database,
    actions: list[str],
    status: str,
) -> None:
    client = signed_in("publisher")
    campaign_id = _queued(campaign_site, campaign_db)
    page = f"/admin/campagnes/{campaign_id}/"
    for action in actions:
        response = _post(client, f"{page}{action}", {}, page)
        assert response.status_code == 302
    assert get_campaign(campaign_db, campaign_id).status == status


def test_an_impossible_action_is_a_message_not_an_error(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    client = signed_in("publisher")
    campaign_id = _queued(campaign_site, campaign_db)
    page = f"/admin/campagnes/{campaign_id}/"
    _post(client, f"{page}resume", {}, page)
    assert get_campaign(campaign_db, campaign_id).status == "scheduled"
    assert "impossible de la reprendre" in client.get(page).get_data(as_text=True)


def test_progress_json_has_the_counts(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    campaign_id = _queued(campaign_site, campaign_db)
    data = signed_in("publisher").get(f"/admin/campagnes/{campaign_id}/progress.json").get_json()
    assert data["pending"] == 5 and data["sent"] == 0 and data["total"] == 5
    assert data["status"] == "scheduled"


def test_csv_report_neutralises_formulas(
    signed_in: Callable[[str], FlaskClient],
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    contacts = campaign_site.root / "contacts" / "presse.csv"
    text = contacts.read_text(encoding="utf-8").replace("Prénom0", "=HYPERLINK(1)")
    contacts.write_text(text, encoding="utf-8")
    campaign_id = _queued(campaign_site, campaign_db)
    run_campaign(campaign_site, campaign_id, engine_settings(smtp_server), database=campaign_db)
    response = signed_in("publisher").get(f"/admin/campagnes/{campaign_id}/rapport.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "email" and len(rows) == 6
    names = [row[1] for row in rows[1:]]
    assert not any(name.startswith("=") for name in names)


def test_a_hostile_release_title_is_escaped_on_every_page(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    for path in HOSTILE.glob("*.md"):
        shutil.copyfile(path, campaign_site.root / "releases" / path.name)
    client = signed_in("publisher")
    campaign_id = _start(client, {"slug": HOSTILE_SLUG, "test_to": "t@example.org"})
    for url in (FORM, "/admin/campagnes/", f"/admin/campagnes/{campaign_id}/"):
        page = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;" in page, url
        assert "<script>alert" not in page and "<img src=x" not in page, url


def test_report_is_paged_and_filtered_by_status(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    write_list(campaign_site, "presse", 150)
    campaign_id = _queued(campaign_site, campaign_db)
    client = signed_in("publisher")
    first = client.get(f"/admin/campagnes/{campaign_id}/").get_data(as_text=True)
    second = client.get(f"/admin/campagnes/{campaign_id}/?page=2").get_data(as_text=True)
    assert "j99@example.com" in first and "j100@example.com" not in first
    assert "Page 1 sur 2" in first
    assert "j100@example.com" in second and "j99@example.com" not in second
    sent_only = client.get(f"/admin/campagnes/{campaign_id}/?statut=sent").get_data(as_text=True)
    assert "j0@example.com" not in sent_only


def test_a_correction_goes_to_exactly_those_reached(
    signed_in: Callable[[str], FlaskClient],
    campaign_site: Site,
    campaign_db: Database,
    smtp_server: SmtpServer,
    engine_settings: Callable[..., SendSettings],
) -> None:
    _approve_seed(campaign_site, campaign_db)
    client = signed_in("publisher")
    original = _start(client, {"slug": SEED_SLUG, "lists": ["presse"]})
    run_campaign(campaign_site, original, engine_settings(smtp_server), database=campaign_db)
    page = f"/admin/campagnes/{original}/"
    response = _post(client, f"{page}rectificatif", {}, page)
    correction = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert get_campaign(campaign_db, correction).kind == "correction"
    run_campaign(campaign_site, correction, engine_settings(smtp_server), database=campaign_db)
    assert copies_per_address(smtp_server.received) == {f"j{n}@example.com": 2 for n in range(5)}


# Scheduled campaigns: the day before 1 December 2026 09:30, Paris time (08:30 UTC).
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
AT = datetime(2026, 12, 1, 9, 30, tzinfo=PARIS)


def test_a_campaign_given_a_time_in_the_form_waits_for_it(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    _approve_seed(campaign_site, campaign_db)
    with time_machine.travel(NOW, tick=False):
        client = signed_in("publisher")
        campaign_id = _start(
            client, {"slug": SEED_SLUG, "lists": ["presse"], "send_at": "2026-12-01T09:30"}
        )
        listing = client.get("/admin/campagnes/").get_data(as_text=True)
        page = client.get(f"/admin/campagnes/{campaign_id}/").get_data(as_text=True)
    info = get_campaign(campaign_db, campaign_id)
    assert info.status == "scheduled" and info.scheduled_at == AT.astimezone(UTC)
    assert "Programmée pour le 1er décembre 2026 à 09:30" in listing
    assert "Programmée pour le 1er décembre 2026 à 09:30" in page
    assert 'value="2026-12-01T09:30"' in page  # the reschedule field, in the site's zone
    assert f"/admin/campagnes/{campaign_id}/cancel" in page


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        ("2026-11-29T09:30", "Ce moment est passé"),
        ("2026-02-30T09:30", "n’est pas une date et une heure"),
        ("9h30", "n’est pas une date et une heure"),
    ],
)
def test_the_form_refuses_a_time_it_cannot_use_on_its_field(
    signed_in: Callable[[str], FlaskClient],
    campaign_site: Site,
    campaign_db: Database,
    when: str,
    reason: str,
) -> None:
    _approve_seed(campaign_site, campaign_db)
    with time_machine.travel(NOW, tick=False):
        client = signed_in("publisher")
        data = {"slug": SEED_SLUG, "lists": ["presse"], "send_at": when}
        response = _post(client, FORM, data, FORM)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<span class="error" id="send_at-error">' in page and reason in page
    assert 'aria-invalid="true"' in page
    assert list_campaigns(campaign_db) == []


def test_a_test_send_with_a_time_is_refused_on_the_time_field(
    signed_in: Callable[[str], FlaskClient], campaign_db: Database
) -> None:
    with time_machine.travel(NOW, tick=False):
        client = signed_in("publisher")
        data = {"slug": SEED_SLUG, "test_to": "t@example.org", "send_at": "2026-12-01T09:30"}
        response = _post(client, FORM, data, FORM)
    assert response.status_code == 400
    assert "Un envoi de test part tout de suite" in response.get_data(as_text=True)
    assert list_campaigns(campaign_db) == []


def test_a_scheduled_campaign_is_rescheduled_from_its_page(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    with time_machine.travel(NOW, tick=False):
        info, _ = create_campaign(
            campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL, scheduled_at=AT
        )
        assert info is not None
        client = signed_in("publisher")
        page = f"/admin/campagnes/{info.id}/"
        response = _post(client, f"{page}programmer", {"send_at": "2026-12-02T14:00"}, page)
        assert response.status_code == 302
        shown = client.get(page).get_data(as_text=True)
    assert get_campaign(campaign_db, info.id).scheduled_at == datetime(
        2026, 12, 2, 13, 0, tzinfo=UTC
    )
    assert "Programmée pour le 2 décembre 2026 à 14:00" in shown


def test_a_campaign_that_has_left_is_not_rescheduled_and_says_why(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        info, _ = create_campaign(
            campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL, scheduled_at=AT
        )
        assert info is not None
        traveller.move_to(AT + timedelta(minutes=1))  # it left (no worker needed to say so)
        client = signed_in("publisher")
        page = f"/admin/campagnes/{info.id}/"
        _post(client, f"{page}programmer", {"send_at": "2026-12-02T14:00"}, page)
        shown = client.get(page).get_data(as_text=True)
    assert f"La campagne n° {info.id} est déjà partie" in shown
    assert get_campaign(campaign_db, info.id).scheduled_at == AT.astimezone(UTC)
    assert "/programmer" not in shown  # nothing left to reschedule


def test_an_editor_cannot_reschedule(
    signed_in: Callable[[str], FlaskClient], campaign_site: Site, campaign_db: Database
) -> None:
    with time_machine.travel(NOW, tick=False):
        info, _ = create_campaign(
            campaign_site, campaign_db, SEED_SLUG, ["presse"], actor=TERMINAL, scheduled_at=AT
        )
        assert info is not None
        client = signed_in("editor")
        token = csrf_token_in(client.get("/admin/").get_data(as_text=True))
        response = client.post(
            f"/admin/campagnes/{info.id}/programmer",
            data={"send_at": "2026-12-02T14:00", "csrf_token": token},
        )
    assert response.status_code == 403
    assert get_campaign(campaign_db, info.id).scheduled_at == AT.astimezone(UTC)


def test_a_refusal_is_in_english_when_the_back_office_speaks_english(
    campaign_site: Site, campaign_db: Database
) -> None:
    app = create_app(in_english(campaign_site), {"TESTING": True, "SECRET_KEY": "test"})
    accounts.add_user(campaign_db, "publisher@example.org", "publisher", TEST_PASSWORD)
    client = app.test_client()
    AuthActions(client).login("publisher@example.org")
    response = _post(client, FORM, {"slug": SEED_SLUG, "lists": ["presse"]}, FORM)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This version was written by an editor: a publisher must approve it first." in page


def test_a_test_send_to_a_bad_address_is_refused_in_french(
    signed_in: Callable[[str], FlaskClient],
) -> None:
    client = signed_in("publisher")
    response = _post(client, FORM, {"slug": SEED_SLUG, "test_to": "pas-une-adresse"}, FORM)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "pas-une-adresse n’est pas une adresse électronique valable." in page


def test_a_test_send_to_a_bad_address_is_refused_in_english_on_an_english_site(
    campaign_site: Site, campaign_db: Database
) -> None:
    app = create_app(in_english(campaign_site), {"TESTING": True, "SECRET_KEY": "test"})
    accounts.add_user(campaign_db, "publisher@example.org", "publisher", TEST_PASSWORD)
    client = app.test_client()
    AuthActions(client).login("publisher@example.org")
    response = _post(client, FORM, {"slug": SEED_SLUG, "test_to": "pas-une-adresse"}, FORM)
    assert response.status_code == 400
    assert "pas-une-adresse is not a valid email address." in response.get_data(as_text=True)
