"""A person's rights over what the press office holds about them: see it, take it, erase it.

The same for newsroom subscribers and for journalists on contact lists: a person asks on the
public page, receives a signed link that expires at the address (which proves it is theirs),
and from there downloads everything as JSON or has it erased. Admins can do the same from the
back office. Erasing removes the subscriber row and the person's row in every list file, and
puts the address's hash on the suppression list, so they are never mailed again.

What erasure does not delete, and why:
- Campaign delivery rows stay, anonymised (``erased:<hash>``, no name, replies scrubbed): a
  campaign's counts and report must still add up, and "sent once" still holds.
- The hash stays on the suppression list. Deleting everything would let the next import of a
  list that still carries the address mail them again, the opposite of what they asked; GDPR
  art. 17(3)(b) and 21(3) let a controller keep what it needs to honour the objection, and
  the CNIL's guidance on prospecting suppression lists ("listes d'opposition") says the same.
  The hash is the plain SHA-256 of the address, the one every audience compares against:
  it is pseudonymous, not anonymous (someone who already holds the address can test it), so
  it proves nothing to a reader who does not. A keyed hash would be stronger, but the key
  would have to outlive every change of the site's secret, or the list would forget everyone.
- Past revisions of ``contacts/`` in git, when the operator keeps the site in git: erasure
  writes the files as they are now and never rewrites history; it names the commits that
  still hold the address, so the operator can rewrite them (``git filter-repo``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pressroom import audit, suppression
from pressroom.config import Site
from pressroom.contacts import (
    Contact,
    ContactList,
    address_hash,
    email_key,
    list_names,
    read_list,
    write_list,
)
from pressroom.db import Database
from pressroom.errors import ConfigError, ConflictError
from pressroom.i18n import base_language
from pressroom.mail.headers import MailError
from pressroom.mail.notices import data_link_notice, send_notice
from pressroom.mail.outbox import remove_messages_to
from pressroom.models.deliveries import erase_recipient
from pressroom.models.subscribers import subscriber_by_email
from pressroom.subscribers import SubscriberError, SubscriberLinkError, subscriber_email, to_view

DATA_LINK_HOURS = 24
DATA_LINK_AGE = timedelta(hours=DATA_LINK_HOURS)
_SALT = "pressroom.data-rights"
# A list file rewritten by someone else between our read and our write: read again, retry.
_WRITE_ATTEMPTS = 3
# Searching git history for the address: long enough for years of list edits.
_GIT_TIMEOUT = 60


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if not secret:
        raise ConfigError("no secret key set (PRESSROOM_SECRET_KEY): cannot sign links")
    return URLSafeTimedSerializer(secret, salt=_SALT)


def data_link_token(secret: str, address: str) -> str:
    """The token of a link to one person's data page."""
    return str(_serializer(secret).dumps(email_key(address)))


def read_data_link(secret: str, token: str) -> str:
    """The address a data link is for; ``SubscriberLinkError`` if forged or expired."""
    try:
        value = _serializer(secret).loads(token, max_age=int(DATA_LINK_AGE.total_seconds()))
    except SignatureExpired:
        raise SubscriberLinkError("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise SubscriberLinkError("This link is not valid.") from None
    if not isinstance(value, str) or "@" not in value:
        raise SubscriberLinkError("This link is not valid.")
    return value


def _lists_holding(site: Site, key: str) -> list[tuple[ContactList, Contact]]:
    found = []
    for name in list_names(site):
        contact_list = read_list(site, name)
        contact = contact_list.find(key)
        if contact is not None:
            found.append((contact_list, contact))
    return found


def holds_data(site: Site, database: Database, address: str) -> bool:
    """Whether a subscriber row or a list entry carries this address."""
    key = email_key(address)
    with database.session() as session:
        if subscriber_by_email(session, key) is not None:
            return True
    return bool(_lists_holding(site, key))


def request_data_link(
    database: Database,
    site: Site,
    config: Mapping[str, Any],
    address: str,
    link_for: Callable[[str], str],
    lang: str,
) -> None:
    """Email the link to a person's data if anything is held about the address; the caller
    answers the same either way, so the form reveals nobody."""
    key = subscriber_email(address)
    if not holds_data(site, database, key):
        return
    link = link_for(data_link_token(str(config["SECRET_KEY"]), key))
    try:
        send_notice(
            site, config, data_link_notice(site, key, link, base_language(lang), DATA_LINK_HOURS)
        )
    except MailError:
        raise SubscriberError("The message could not be sent. Please try again later.") from None
    audit.record(database, None, audit.Action.DATA_LINK_SENT, address_hash(key))


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person_data(site: Site, database: Database, address: str) -> dict[str, Any]:
    """Everything held about one address, ready for ``json.dumps`` (the right of access)."""
    key = email_key(address)
    with database.session() as session:
        row = subscriber_by_email(session, key)
        subscriber = None if row is None else to_view(row)
    found = suppression.find_suppression(database, key)
    return {
        "email": key,
        "generated_at": datetime.now(UTC).isoformat(),
        "subscriber": None
        if subscriber is None
        else {
            "status": subscriber.status,
            "language": subscriber.language,
            "topics": list(subscriber.topics),
            "source": subscriber.source,
            "consent": {
                "text": subscriber.consent_text,
                "at": _when(subscriber.consent_at),
                "ip_address_hash": subscriber.consent_ip_hash,
            },
            "confirmed_at": _when(subscriber.confirmed_at),
            "unsubscribed_at": _when(subscriber.unsubscribed_at),
            "created_at": _when(subscriber.created_at),
        },
        "contact_lists": [
            {"list": contact_list.name, **asdict(contact)}
            for contact_list, contact in _lists_holding(site, key)
        ],
        "suppression": None
        if found is None
        else {"reason": found.reason, "since": _when(found.created_at), "source": found.source},
    }


@dataclass(frozen=True)
class Erasure:
    """What erasing an address removed: the lists it was on, whether it was a subscriber, how
    many delivery rows were anonymised and outbox messages deleted, and the git commits of
    ``contacts/`` that still hold it (erasure never rewrites history)."""

    address_hash: str
    lists: tuple[str, ...]
    subscriber: bool
    deliveries: int = 0
    outbox_messages: int = 0
    git_commits: tuple[str, ...] = ()


def _remove_from_list(site: Site, name: str, key: str) -> bool:
    for _attempt in range(_WRITE_ATTEMPTS):
        current = read_list(site, name)
        if current.find(key) is None:
            return False
        kept = [c for c in current.contacts if c.key != key]
        try:
            write_list(site, current, kept)
        except ConflictError:
            continue
        return True
    raise ConflictError("contacts/{name}.csv keeps changing: erase again in a moment", name=name)


def _same_address(key: str) -> Callable[[str], bool]:
    return lambda address: email_key(address) == key


def git_commits_holding(site: Site, key: str) -> tuple[str, ...]:
    """Short hashes of the commits whose changes to ``contacts/`` add or remove ``key`` (any
    case), newest first; empty when the folder is in no git repository or git fails: this
    only informs the operator, erasure does not depend on it."""
    folder = site.contacts_dir
    if not folder.is_dir():
        return ()
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "log", "--all", "--format=%h", "-i", "-S", key, "--", "."],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    if done.returncode != 0:
        return ()
    return tuple(line for line in done.stdout.split() if line)


def erase_person(
    site: Site, database: Database, address: str, actor: audit.Actor | str | None = None
) -> Erasure:
    """Erase an address everywhere; only its hash stays (suppression list, delivery rows).

    The database goes first (row deleted, deliveries anonymised and hash suppressed in one
    transaction), so that even if a list file cannot be rewritten the address is never mailed
    again; erasing again finishes the job.
    """
    key = email_key(address)
    digest = address_hash(key)
    with database.session() as session:
        row = subscriber_by_email(session, key)
        if row is not None:
            session.delete(row)
        deliveries = erase_recipient(session, key, digest, (address.strip(),))
        suppression.suppress_in(session, key, "erasure", "data rights")
        audit.add(session, actor, audit.Action.DATA_ERASED, digest)
    lists = tuple(name for name in list_names(site) if _remove_from_list(site, name, key))
    removed = remove_messages_to(site, _same_address(key))
    return Erasure(
        digest, lists, row is not None, deliveries, removed, git_commits_holding(site, key)
    )
