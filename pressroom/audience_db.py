"""Audiences as the back office and campaigns choose them: lists, beats and subscriber topics,
counted after duplicates and the database's suppression list.

``pressroom.audience.compute_audience`` does the combining; this module gathers its inputs
from the files (lists) and the database (confirmed subscribers, suppressed hashes), so what the
back office counts before sending is exactly what a campaign would send to.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from pressroom.audience import Audience, compute_audience
from pressroom.config import Site
from pressroom.contacts import Contact, ContactList, list_path, read_list
from pressroom.db import Database
from pressroom.subscribers import subscribers_for_topics
from pressroom.suppression import suppressed_hashes

SUBSCRIBERS_LIST = "abonnes"
ALL_SUBSCRIBERS = "all"
# Parsed lists kept between counts: parsing 100,000 rows takes most of a second, and a press
# officer counts, adjusts, counts again. Keyed by the file's identity; a save (temp file, then
# rename) gives it a new inode, so a changed list is never served from here.
_CACHED_LISTS = 8
_cache: OrderedDict[tuple[str, int, int, int], ContactList] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class AudienceChoice:
    """Who a mailing is for: contact lists (filtered by beats, any when none) and the
    confirmed subscribers following one of ``topics`` (``"all"`` for every one)."""

    lists: tuple[str, ...] = ()
    beats: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.lists and not self.topics


@dataclass(frozen=True)
class AudienceCount:
    """An audience and how it came to be: rows read, left out by beat, repeated, suppressed."""

    audience: Audience
    listed: int
    subscribers: int

    @property
    def count(self) -> int:
        return self.audience.count


def _with_beats(contact_list: ContactList, beats: frozenset[str]) -> ContactList:
    if not beats:
        return contact_list
    kept = tuple(c for c in contact_list.contacts if any(b.casefold() in beats for b in c.beats))
    return ContactList(contact_list.name, kept, contact_list.version)


def read_list_cached(site: Site, name: str) -> ContactList:
    """``contacts.read_list``, remembered while the file stays the same one."""
    path = list_path(site, name)
    try:
        info = path.stat()
    except OSError:
        return read_list(site, name)  # says what is wrong (missing, unreadable)
    key = (str(path), info.st_ino, info.st_mtime_ns, info.st_size)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    contact_list = read_list(site, name)
    with _cache_lock:
        _cache[key] = contact_list
        while len(_cache) > _CACHED_LISTS:
            _cache.popitem(last=False)
    return contact_list


def subscribers_as_list(database: Database, topics: Iterable[str]) -> ContactList:
    """Confirmed subscribers following ``topics``, as one more contact list."""
    people = subscribers_for_topics(database, topics)
    contacts = tuple(Contact(email=p.email, language=p.language) for p in people)
    return ContactList(SUBSCRIBERS_LIST, contacts)


def build_audience(site: Site, database: Database, choice: AudienceChoice) -> AudienceCount:
    """The recipients of ``choice``: each address once (lists first, in the order chosen),
    none that is suppressed, whatever list it is on."""
    beats = frozenset(b.strip().casefold() for b in choice.beats if b.strip())
    lists = [read_list_cached(site, name) for name in dict.fromkeys(choice.lists)]
    listed = sum(len(c) for c in lists)
    chosen = [_with_beats(c, beats) for c in lists]
    filtered_out = listed - sum(len(c) for c in chosen)
    subscribers = subscribers_as_list(database, choice.topics)
    audience = compute_audience([*chosen, subscribers], (), suppressed_hashes(database))
    audience = Audience(audience.recipients, audience.duplicates, audience.suppressed, filtered_out)
    return AudienceCount(audience, listed, len(subscribers))
