"""Changing contact lists one person at a time: add, edit, remove, move, and search across lists.

Each change rewrites the list file in one atomic step (``contacts.write_list``) and only if the
file is still the version the person was looking at (``expected``, the SHA-256 the form
carried): two press officers editing the same list never silently undo each other's work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pressroom.config import Site
from pressroom.contacts import (
    TEXT_FIELDS,
    Contact,
    ContactError,
    ContactList,
    InvalidEmailError,
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


class ContactFormError(ContactError):
    """A contact as typed cannot be saved; ``field`` names the input at fault."""

    field: str


def contact_from_form(values: Mapping[str, str]) -> Contact:
    """A contact from form fields: the address validated, every line of text made one line
    (a name with a line break would otherwise reach an email header)."""
    try:
        email = normalize_email(values.get("email", ""))
    except InvalidEmailError as exc:
        raise ContactFormError(exc.message, field="email", terms=exc.terms, **exc.params) from None
    texts = {
        name: (
            values.get(name, "").strip()
            if name == "notes"
            else " ".join(values.get(name, "").split())
        )
        for name in TEXT_FIELDS
    }
    return Contact(email=email, beats=split_beats(values.get("beats", "")), **texts)


def _current(site: Site, name: str, expected: str | None) -> ContactList:
    """The list as it is now, refused if it changed since the form showed version
    ``expected``."""
    current = read_list(site, name)
    if expected is not None and (current.version is None or current.version.sha256 != expected):
        raise ConflictError(
            "contacts/{name}.csv changed since you opened it: reload the page and try again",
            name=name,
        )
    return current


def create_list(site: Site, name: str) -> ContactList:
    """A new, empty list file (header row only)."""
    check_list_name(name)
    if list_path(site, name).exists():
        raise ContactError("a list named {name!r} already exists", field="name", name=name)
    return write_list(site, ContactList(name), [])


def add_contact(site: Site, name: str, contact: Contact, expected: str | None) -> ContactList:
    """Add a person to a list; an address already on it is refused (edit it instead)."""
    current = _current(site, name, expected)
    if current.find(contact.email) is not None:
        raise _already_there(contact, name)
    return write_list(site, current, [*current.contacts, contact])


def _already_there(contact: Contact, name: str) -> ContactFormError:
    return ContactFormError(
        "{email} is already on the list {name}", field="email", email=contact.email, name=name
    )


def _not_there(address: str, name: str) -> NotFoundError:
    return NotFoundError("{email} is not on the list {name}", email=address, name=name)


def update_contact(
    site: Site, name: str, address: str, contact: Contact, expected: str | None
) -> ContactList:
    """Replace the person with ``address`` on a list by ``contact`` (the address may change,
    unless the new one is already someone else's on the list)."""
    current = _current(site, name, expected)
    old_key = email_key(address)
    if current.find(old_key) is None:
        raise _not_there(address, name)
    if contact.key != old_key and current.find(contact.email) is not None:
        raise _already_there(contact, name)
    contacts = [contact if c.key == old_key else c for c in current.contacts]
    return write_list(site, current, contacts)


def remove_contact(site: Site, name: str, address: str, expected: str | None) -> ContactList:
    """Take the person with ``address`` off a list."""
    current = _current(site, name, expected)
    key = email_key(address)
    if current.find(key) is None:
        raise _not_there(address, name)
    return write_list(site, current, [c for c in current.contacts if c.key != key])


def move_contact(
    site: Site, name: str, address: str, target: str, expected: str | None, *, copy: bool = False
) -> ContactList:
    """Move (or copy) a person to another list; on the target list, an entry for the same
    address is merged with theirs. The target is written first: a failure in between leaves
    the person on both lists, never on none."""
    if target == name:
        raise ContactFormError("choose another list to move to", field="target")
    current = _current(site, name, expected)
    contact = current.find(address)
    if contact is None:
        raise _not_there(address, name)
    destination = read_list(site, target, missing_ok=True)
    there = destination.find(contact.email)
    if there is None:
        write_list(site, destination, [*destination.contacts, contact])
    else:
        merged = there.merged_with(contact)
        write_list(
            site, destination, [merged if c.key == there.key else c for c in destination.contacts]
        )
    if copy:
        return current
    return write_list(site, current, [c for c in current.contacts if c.key != contact.key])


@dataclass(frozen=True)
class Found:
    """A contact found by a search, with the list it is on."""

    list_name: str
    contact: Contact


def _matches(contact: Contact, words: list[str], outlet: str, beat: str) -> bool:
    if outlet and contact.outlet.casefold() != outlet:
        return False
    if beat and not any(b.casefold() == beat for b in contact.beats):
        return False
    if not words:
        return True
    haystack = " ".join(
        (contact.email, contact.first_name, contact.last_name, contact.outlet, contact.role)
    ).casefold()
    return all(word in haystack for word in words)


def search_contacts(
    lists: Iterable[ContactList], query: str = "", outlet: str = "", beat: str = ""
) -> list[Found]:
    """Contacts of ``lists`` whose name, address, outlet or role hold every word of ``query``,
    of this outlet and with this beat (each compared without case)."""
    words = query.casefold().split()
    wanted_outlet, wanted_beat = outlet.strip().casefold(), beat.strip().casefold()
    return [
        Found(contact_list.name, contact)
        for contact_list in lists
        for contact in contact_list.contacts
        if _matches(contact, words, wanted_outlet, wanted_beat)
    ]


def read_lists(site: Site) -> tuple[list[ContactList], list[ContactError]]:
    """Every list of the site that can be read, and why each other one cannot."""
    loaded: list[ContactList] = []
    problems: list[ContactError] = []
    for name in list_names(site):
        try:
            loaded.append(read_list(site, name))
        except ContactError as exc:
            problems.append(exc)
    return loaded, problems


def outlets_and_beats(lists: Iterable[ContactList]) -> tuple[list[str], list[str]]:
    """Every outlet and every beat of these lists, sorted, for the filters' choices."""
    outlets: dict[str, str] = {}
    beats: dict[str, str] = {}
    for contact_list in lists:
        for contact in contact_list.contacts:
            if contact.outlet:
                outlets.setdefault(contact.outlet.casefold(), contact.outlet)
            for beat in contact.beats:
                beats.setdefault(beat.casefold(), beat)
    return sorted(outlets.values(), key=str.casefold), sorted(beats.values(), key=str.casefold)
