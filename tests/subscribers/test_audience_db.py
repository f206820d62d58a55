"""Audiences from lists, beats and subscriber topics: duplicates once, suppressed never."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from pressroom.audience_db import AudienceChoice, build_audience
from pressroom.config import Site
from pressroom.contacts import Contact, read_list, write_list
from pressroom.db import Database, ensure_database
from pressroom.models.subscribers import Subscriber
from pressroom.suppression import suppress
from tests.subscribers.conftest import DATA


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    site = make_site()
    site.contacts_dir.mkdir(parents=True, exist_ok=True)
    for name in ("presse-tech", "presse-sante"):
        shutil.copyfile(DATA / f"{name}.csv", site.contacts_dir / f"{name}.csv")
    return site


@pytest.fixture
def database(site: Site) -> Database:
    database = ensure_database(site)
    with database.session() as session:
        session.add(Subscriber(email="eve@example.org", status="confirmed", topics=["tag:sante"]))
        session.add(Subscriber(email="fred@example.org", status="confirmed", topics=[]))
        session.add(Subscriber(email="gus@example.org", status="pending", topics=["tag:sante"]))
        session.add(Subscriber(email="alice@example.com", status="confirmed", topics=["tag:sante"]))
    return database


def _emails(site: Site, database: Database, **choice: tuple[str, ...]) -> list[str]:
    audience = build_audience(site, database, AudienceChoice(**choice)).audience
    return [c.email.lower() for c in audience.recipients]


def test_an_address_on_two_lists_counts_once(site: Site, database: Database) -> None:
    result = build_audience(site, database, AudienceChoice(lists=("presse-tech", "presse-sante")))
    assert result.count == 4
    assert result.audience.duplicates == 2


def test_a_suppressed_address_is_left_out_whatever_list_it_is_on(
    site: Site, database: Database
) -> None:
    suppress(database, "CHLOE@example.com", "complaint")
    for lists in (("presse-tech",), ("presse-sante",), ("presse-sante", "presse-tech")):
        assert "chloe@example.com" not in _emails(site, database, lists=lists)
    assert "chloe@example.com" not in _emails(site, database, topics=("all",))


def test_a_suppressed_subscriber_is_left_out(site: Site, database: Database) -> None:
    suppress(database, "eve@example.org", "hard-bounce")
    assert "eve@example.org" not in _emails(site, database, topics=("tag:sante",))


def test_beats_filter_the_lists(site: Site, database: Database) -> None:
    emails = _emails(site, database, lists=("presse-tech",), beats=("Santé",))
    assert emails == ["chloe@example.com"]


def test_topics_pick_confirmed_subscribers_and_those_who_follow_everything(
    site: Site, database: Database
) -> None:
    emails = _emails(site, database, topics=("tag:sante",))
    assert sorted(emails) == ["alice@example.com", "eve@example.org", "fred@example.org"]


def test_a_subscriber_also_on_a_list_counts_once(site: Site, database: Database) -> None:
    result = build_audience(
        site, database, AudienceChoice(lists=("presse-tech",), topics=("tag:sante",))
    )
    assert result.count == 5
    assert result.audience.duplicates == 1


def test_nothing_chosen_is_an_empty_audience(site: Site, database: Database) -> None:
    assert build_audience(site, database, AudienceChoice()).count == 0


def test_a_list_changed_since_the_last_count_is_read_again(site: Site, database: Database) -> None:
    choice = AudienceChoice(lists=("presse-tech",))
    before = build_audience(site, database, choice).count
    contact_list = read_list(site, "presse-tech")
    write_list(site, contact_list, [*contact_list.contacts, Contact("new@example.org")])
    assert build_audience(site, database, choice).count == before + 1
