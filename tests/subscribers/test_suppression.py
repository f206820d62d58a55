"""The suppression list: hashes only, first reason kept, pages for admins, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pressroom.config import Site
from pressroom.contacts import address_hash
from pressroom.data_rights import erase_person
from pressroom.db import Database, ensure_database
from pressroom.models.subscribers import Suppression
from pressroom.suppression import (
    SuppressionError,
    find_suppression,
    is_suppressed,
    lift_in,
    suppress,
    suppressed_hashes,
    suppression_list,
)

ANA = "ana@example.org"


def test_only_the_hash_of_the_address_is_stored(database: Database) -> None:
    entry = suppress(database, "Ana@Example.org", "complaint", "feedback loop")
    assert entry.address_hash == address_hash("ana@example.org")
    assert "ana" not in repr(entry)


def test_addresses_are_compared_without_case(database: Database) -> None:
    suppress(database, "ana@example.org", "hard-bounce")
    assert is_suppressed(database, " ANA@EXAMPLE.ORG ")


def test_an_address_keeps_its_first_reason_and_date(database: Database) -> None:
    first = suppress(database, "ana@example.org", "complaint")
    again = suppress(database, "ana@example.org", "unsubscribe")
    assert again == first


def test_an_unknown_reason_is_refused(database: Database) -> None:
    with pytest.raises(SuppressionError, match="unknown suppression reason"):
        suppress(database, "ana@example.org", "bored")  # type: ignore[arg-type]


def test_suppressed_hashes_feed_compute_audience(database: Database) -> None:
    suppress(database, "ana@example.org", "erasure")
    assert "ana@example.org" in suppressed_hashes(database)


def test_the_admin_list_is_newest_first_and_filters_by_reason(database: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day, (address, reason) in enumerate(
        [
            ("a@example.org", "complaint"),
            ("b@example.org", "unsubscribe"),
            ("c@example.org", "complaint"),
        ]
    ):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            suppress(database, address, reason)  # type: ignore[arg-type]
    page = suppression_list(database, "complaint")
    assert page.total == 2
    assert [e.address_hash for e in page.entries] == [
        address_hash("c@example.org"),
        address_hash("a@example.org"),
    ]
    assert page.entries[0].created_at == start + timedelta(days=2)


@pytest.mark.services
def test_suppression_works_on_postgresql(make_site: Callable[..., Site], postgres_url: str) -> None:
    database = ensure_database(make_site(), postgres_url)
    suppress(database, "ana@example.org", "hard-bounce", "campaign 1")
    entry = find_suppression(database, "ANA@example.org")
    assert entry is not None and entry.reason == "hard-bounce"


@pytest.mark.parametrize(("reason", "lifted"), [("unsubscribe", True), ("manual", False)])
def test_a_new_opt_in_lifts_only_what_the_person_decided(
    database: Database, reason: str, lifted: bool
) -> None:
    suppress(database, "ana@example.org", reason)  # type: ignore[arg-type]
    with database.session() as session:
        lift_in(session, "ana@example.org")
    assert is_suppressed(database, "ana@example.org") is not lifted


def test_a_source_quoting_the_address_keeps_only_a_placeholder(database: Database) -> None:
    entry = suppress(database, "Ana@Example.org", "manual", "asked by ana@example.org by phone")
    assert entry.source == "asked by [address] by phone"


def test_erasure_takes_the_address_out_of_an_earlier_source(
    database: Database, demo_site: Site
) -> None:
    with database.session() as session:
        session.add(Suppression(address_hash=address_hash(ANA), reason="manual", source=ANA))
    erase_person(demo_site, database, ANA)
    entry = find_suppression(database, ANA)
    assert entry is not None and (entry.reason, entry.source) == ("manual", "[address]")
