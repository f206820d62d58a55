"""Who a new campaign would reach: the lists' contacts (and subscribers), each address once,
without suppressed addresses nor those the release already reached, and counts of the others.

``pressroom send --dry-run`` shows this plan; making a campaign records it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pressroom.audience import Suppressions, compute_audience
from pressroom.campaigns import CampaignNotFoundError
from pressroom.config import Site
from pressroom.contacts import email_key, list_names, read_list
from pressroom.db import Database
from pressroom.models.campaigns import reached_addresses
from pressroom.release import Release
from pressroom.suppression import suppressed_hashes


@dataclass(frozen=True)
class Planned:
    """One recipient of a campaign in the making: address, name, and the list it came from."""

    address: str
    name: str = ""
    source: str = ""


@dataclass(frozen=True)
class AudiencePlan:
    """Who a campaign would reach, and why the others are left out."""

    recipients: tuple[Planned, ...]
    already_reached: int = 0
    suppressed: int = 0
    duplicates: int = 0
    filtered_out: int = 0


def _check_lists(site: Site, names: Iterable[str]) -> None:
    """Name an unknown list (or a name no list can have) before reading any."""
    known = set(list_names(site))
    for name in names:
        if name not in known:
            raise CampaignNotFoundError(
                "There is no contact list named {name}.", field="lists", name=name
            )


def plan_audience(
    site: Site,
    database: Database | None,
    release: Release,
    lists: Iterable[str],
    beats: Iterable[str] = (),
    extra: Iterable[Planned] = (),
) -> AudiencePlan:
    """The recipients of a new campaign: the lists' contacts with one of ``beats``, then
    ``extra`` (subscribers), each address once, without suppressed addresses nor those the
    release already reached. ``database`` None: nothing sent yet, nothing suppressed."""
    lists = tuple(lists)
    _check_lists(site, lists)
    contact_lists = [read_list(site, name) for name in lists]
    suppressed = suppressed_hashes(database) if database is not None else Suppressions.of(())
    audience = compute_audience(contact_lists, beats, suppressed)
    source_of: dict[str, str] = {}
    for contact_list in reversed(contact_lists):  # the first list wins, as in the audience
        source_of.update(dict.fromkeys(contact_list.by_key, contact_list.name))
    reached: set[str] = set()
    if database is not None:
        with database.session() as session:
            reached = reached_addresses(session, release.path)
    seen: set[str] = set()
    recipients: list[Planned] = []
    already = 0
    suppressed_extra = duplicates = 0
    candidates = [
        Planned(c.key, c.display_name, source_of.get(c.key, "")) for c in audience.recipients
    ]
    for planned in candidates + list(extra):
        key = email_key(planned.address)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        if key in suppressed:
            suppressed_extra += 1
            continue
        if key in reached:
            already += 1
            continue
        recipients.append(Planned(key, planned.name, planned.source))
    return AudiencePlan(
        tuple(recipients),
        already_reached=already,
        suppressed=audience.suppressed + suppressed_extra,
        duplicates=audience.duplicates + duplicates,
        filtered_out=audience.filtered_out,
    )
