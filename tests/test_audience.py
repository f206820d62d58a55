"""Audiences: lists combined, filtered by beat, each address once, suppressed ones left out."""

from __future__ import annotations

from collections.abc import Iterable

from pressroom.audience import Suppressions, compute_audience
from pressroom.contacts import Contact, ContactList, address_hash

TECH = ContactList(
    "tech",
    (
        Contact("ana@example.com", "Ana", beats=("numérique",)),
        Contact("bob@example.com", "Bob", beats=("santé",)),
        Contact("jean@xn--rdaction-b1a.example.com", "Jean", beats=("Numérique", "europe")),
    ),
)
REGION = ContactList(
    "region",
    (
        Contact("ANA@Example.com", "Ana (copie)", beats=("sport",)),
        Contact("cleo@example.org", "Cléo", beats=("sport",)),
        Contact("jean@rédaction.example.com", "Jean (copie)"),
    ),
)


def emails(
    *lists: ContactList, beats: Iterable[str] = (), suppressed: Iterable[str] = ()
) -> list[str]:
    audience = compute_audience(lists, beats=beats, suppressed=suppressed)
    return [c.email for c in audience.recipients]


def test_each_address_is_counted_once_across_lists_first_list_wins() -> None:
    audience = compute_audience([TECH, REGION])
    assert [c.first_name for c in audience.recipients] == ["Ana", "Bob", "Jean", "Cléo"]
    assert (audience.count, audience.duplicates) == (4, 2)


def test_beats_filter_keeps_contacts_with_any_wanted_beat_ignoring_case() -> None:
    assert emails(TECH, REGION, beats=["NUMÉRIQUE", "sport"]) == [
        "ana@example.com",
        "jean@xn--rdaction-b1a.example.com",
        "cleo@example.org",
    ]


def test_no_beats_means_everyone() -> None:
    assert compute_audience([TECH], beats=[" "]).count == 3


def test_suppressed_addresses_are_left_out_whatever_their_case_or_idn_form() -> None:
    audience = compute_audience(
        [TECH, REGION], suppressed={"Bob@example.com", "jean@rédaction.example.com"}
    )
    assert [c.email for c in audience.recipients] == ["ana@example.com", "cleo@example.org"]
    assert audience.suppressed == 2


def test_suppression_by_hash_leaves_the_erased_address_out() -> None:
    hashes = {address_hash("cleo@example.org"), address_hash("ANA@example.com").upper()}
    assert emails(TECH, REGION, suppressed=hashes) == [
        "bob@example.com",
        "jean@xn--rdaction-b1a.example.com",
    ]


def test_suppressions_sort_addresses_from_hashes() -> None:
    found = Suppressions.of(["Ana@Example.com", address_hash("b@example.org"), ""])
    assert found.keys == {"ana@example.com"}
    assert found.hashes == {address_hash("b@example.org")}


def test_audience_of_no_lists_is_empty() -> None:
    audience = compute_audience([])
    assert (audience.count, audience.recipients) == (0, ())
