"""Contact lists on disk: names, reading, writing, conflicts, and the press officers' cards."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email

from pressroom.config import PressContact, Site
from pressroom.contacts import (
    Contact,
    ContactError,
    ContactList,
    InvalidEmailError,
    address_hash,
    check_list_name,
    email_key,
    list_names,
    list_path,
    normalize_email,
    read_list,
    split_beats,
    write_list,
)
from pressroom.errors import ConflictError, NotFoundError
from pressroom.press_officers import read_press_officers

DATA = Path(__file__).resolve().parent / "data" / "contacts"


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    """An empty site with a ``contacts/`` folder."""
    site = make_site()
    site.contacts_dir.mkdir()
    return site


def install(site: Site, data_file: str, as_name: str) -> Path:
    """Copy a test data file into the site's ``contacts/`` under ``as_name``."""
    target = site.contacts_dir / as_name
    shutil.copyfile(DATA / data_file, target)
    return target


@pytest.mark.parametrize("name", ["journalistes", "presse-tech", "liste_2024", "a"])
def test_plain_list_names_are_accepted(name: str) -> None:
    assert check_list_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "../secrets", "a/b", ".hidden", "Journalistes", "x.csv", "press-officers", "é", "a" * 65],
)
def test_list_names_that_are_not_plain_file_names_are_refused(name: str) -> None:
    with pytest.raises(ContactError, match="not a valid list name"):
        check_list_name(name)


def test_list_path_stays_in_the_contacts_folder(site: Site) -> None:
    assert list_path(site, "journalistes") == site.contacts_dir / "journalistes.csv"


def test_list_names_skip_press_officers_and_odd_files(site: Site) -> None:
    install(site, "list-one-contact.csv", "b.csv")
    install(site, "list-one-contact.csv", "a.csv")
    install(site, "list-one-contact.csv", "Bad Name.csv")
    install(site, "press-officers-valid.yml", "press-officers.yml")
    assert list_names(site) == ["a", "b"]


def test_missing_list_is_not_found(site: Site) -> None:
    with pytest.raises(NotFoundError, match="no contact list named 'absent'"):
        read_list(site, "absent")


def test_missing_list_may_be_read_as_empty_and_new(site: Site) -> None:
    assert read_list(site, "nouvelle", missing_ok=True) == ContactList("nouvelle")


def test_list_file_reads_every_column(site: Site) -> None:
    install(site, "list-journalistes.csv", "journalistes.csv")
    contacts = read_list(site, "journalistes").contacts
    assert contacts[0] == Contact(
        email="helene.lefevre@example.com",
        first_name="Hélène",
        last_name="Lefèvre",
        outlet="Le Quotidien",
        role="Journaliste",
        beats=("économie",),
        language="fr",
        consent_source="salon 2023",
        consent_date="2023-03-14",
    )
    assert contacts[1].notes == "ne pas appeler le lundi"


def test_bad_rows_of_a_list_file_are_reported_with_their_line(site: Site) -> None:
    install(site, "list-with-problems.csv", "x.csv")
    contact_list = read_list(site, "x")
    assert [c.email for c in contact_list.contacts] == ["ana@example.com"]
    assert [str(p) for p in contact_list.problems] == [
        "contacts/x.csv:1: warning: unknown columns ignored: twitter",
        "contacts/x.csv:3: error: no valid email address: row left out, and dropped when the "
        "list is next saved",
        "contacts/x.csv:4: warning: ANA@example.com repeats line 2",
    ]


def test_list_file_not_in_utf8_is_refused_naming_the_line(site: Site) -> None:
    install(site, "list-not-utf8.csv", "x.csv")
    with pytest.raises(ContactError, match=r"contacts/x.csv:2: not UTF-8"):
        read_list(site, "x")


def test_written_list_reads_back_the_same(site: Site) -> None:
    contacts = (
        Contact("a@example.com", "Zoé", "Noël", beats=("santé", "numérique"), notes='dit "oui"'),
        Contact("b@example.org", outlet="Radio, Ouest", notes="ligne 1\nligne 2"),
    )
    written = write_list(site, ContactList("x"), contacts)
    assert read_list(site, "x") == written
    assert read_list(site, "x").contacts == contacts


def test_list_file_is_utf8_with_a_header_and_semicolon_joined_beats(site: Site) -> None:
    write_list(site, ContactList("x"), [Contact("a@example.com", beats=("santé", "numérique"))])
    assert (site.contacts_dir / "x.csv").read_bytes().decode("utf-8").splitlines() == [
        "email,first_name,last_name,outlet,role,beats,phone,language,consent_source,"
        "consent_date,notes",
        "a@example.com,,,,,santé;numérique,,,,,",
    ]


def test_saving_over_a_list_changed_since_it_was_read_is_refused(site: Site) -> None:
    install(site, "list-one-contact.csv", "x.csv")
    opened = read_list(site, "x")
    install(site, "list-journalistes.csv", "x.csv")
    with pytest.raises(ConflictError, match="changed by someone else"):
        write_list(site, opened, [Contact("new@example.com")])
    assert (site.contacts_dir / "x.csv").read_bytes() == (
        DATA / "list-journalistes.csv"
    ).read_bytes()


def test_creating_a_list_someone_else_just_created_is_refused(site: Site) -> None:
    opened = read_list(site, "x", missing_ok=True)
    install(site, "list-one-contact.csv", "x.csv")
    with pytest.raises(ConflictError, match="created by someone else"):
        write_list(site, opened, [Contact("new@example.com")])


def test_addresses_are_normalised_by_email_validator() -> None:
    assert normalize_email("  Jean@XN--RDACTION-B1A.Example.COM ") == "Jean@rédaction.example.com"


@pytest.mark.parametrize("address", ["jean@", "jean", "a b@example.com", "x@localhost"])
def test_invalid_addresses_are_refused_with_the_reason(address: str) -> None:
    with pytest.raises(InvalidEmailError, match="invalid address"):
        normalize_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "jean.dupont@example.com",
        "Jean.Dupont+presse@Example.COM",
        "o'neil@example.org",
        "a@XN--RDACTION-B1A.example.com",
        "zoé@example.com",
        '"jean dupont"@example.com',
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@b@example.com",
        "a@localhost",
        "a@example",
        "a@-example.com",
        "a@example..com",
        "a@[192.0.2.1]",
        "Jean <jean@example.com>",
        "x" * 120 + "@example.com",
        "x" * 64 + "@" + "d" * 60 + "." + "e" * 60 + "." + "f" * 60 + ".com",
        "x" * 65 + "@example.com",
    ],
)
def test_normalising_agrees_with_email_validator(address: str) -> None:
    try:
        expected: str | None = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    try:
        found: str | None = normalize_email(address)
    except InvalidEmailError:
        found = None
    assert found == expected


def test_addresses_compare_without_case_and_with_idn_normalised() -> None:
    assert email_key("Jean@xn--rdaction-b1a.example.com") == email_key("JEAN@Rédaction.example.com")


def test_address_hash_ignores_case() -> None:
    assert address_hash("Ana@Example.com") == address_hash("ana@example.com")
    assert len(address_hash("ana@example.com")) == 64


def test_beats_are_split_trimmed_and_deduplicated() -> None:
    assert split_beats(" santé ;Numérique;; numérique ;") == ("santé", "Numérique")


def test_merging_keeps_old_values_where_the_new_are_empty_and_unions_beats() -> None:
    old = Contact("a@example.com", "Ana", "Lima", outlet="Radio", beats=("sport",))
    new = Contact("A@example.com", "", "Lima-Costa", outlet="", beats=("Sport", "culture"))
    assert old.merged_with(new) == Contact(
        "a@example.com", "Ana", "Lima-Costa", outlet="Radio", beats=("sport", "culture")
    )


def test_press_officers_are_read_as_press_contacts(site: Site) -> None:
    install(site, "press-officers-valid.yml", "press-officers.yml")
    assert read_press_officers(site) == (
        PressContact(
            "Camille Martin", ("01 00 00 00 01", "06 00 00 00 01"), "Camille.Martin@example.org"
        ),
        PressContact("Standard presse", ("01 00 00 00 00",), "presse@example.org"),
    )


def test_no_press_officers_file_means_no_cards(site: Site) -> None:
    assert read_press_officers(site) == ()


@pytest.mark.parametrize(
    ("data_file", "message"),
    [
        ("press-officers-not-a-list.yml", "press-officers.yml: expected a list of cards"),
        ("press-officers-bad-email.yml", "card 1: invalid address 'camille.martin@'"),
        ("press-officers-unknown-key.yml", "card 1: unknown key 'phone'"),
    ],
)
def test_bad_press_officers_file_is_refused_naming_the_card(
    site: Site, data_file: str, message: str
) -> None:
    install(site, data_file, "press-officers.yml")
    with pytest.raises(ContactError, match=message):
        read_press_officers(site)


def test_demo_site_press_officers_and_list_are_valid(demo_site: Site) -> None:
    assert read_press_officers(demo_site)
    demo = read_list(demo_site, "journalistes")
    assert len(demo) > 0
    assert demo.problems == ()
    assert all(c.email.endswith(("@example.org", "@example.com")) for c in demo.contacts)
