"""Going back: deleted releases wait in ``releases/.trash/``, past revisions can be restored.

Deleting moves the file (one rename: it is in the trash or in place, never lost); restoring
links it back under its old name and refuses to replace a file or take a URL that another
release now answers at. Restoring a revision is a save like any other: it refuses a file that
changed since the page was opened, and is kept as a new revision.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pressroom import audit, revisions
from pressroom.accounts import Account
from pressroom.config import Site
from pressroom.db import Database
from pressroom.editing import EditingError, Saved, may_change, release_path
from pressroom.errors import NotFoundError, ReleaseError
from pressroom.frontmatter_edit import update_front_matter
from pressroom.models.revisions import drop_pending_drafts
from pressroom.release import parse_release
from pressroom.store import (
    FileVersion,
    ReleaseStore,
    decode_release,
    read_release,
    relative,
    write_atomic,
)

TRASH = ".trash"
# A trashed file's name: when it was deleted, then its path under releases/ ("/" as "__").
_TRASHED = re.compile(r"^(\d{8}T\d{6}Z)--(.+)$")


@dataclass(frozen=True)
class Trashed:
    """A deleted release in the trash folder."""

    name: str
    original: str  # its path under releases/
    title: str
    deleted_at: datetime


def trash_dir(site: Site) -> Path:
    return site.releases_dir / TRASH


def delete_release(
    store: ReleaseStore, database: Database, slug: str, account: Account, now: datetime
) -> Trashed:
    """Move a release to the trash; published ones only by publishers."""
    site = store.site
    release = store.load().get(slug)
    if not may_change(account, release):
        raise EditingError(
            "This release is published or scheduled: only a publisher can change it."
        )
    source = release_path(site, release)
    inside = source.relative_to(site.releases_dir).as_posix()
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = trash_dir(site) / f"{stamp}--{inside.replace('/', '__')}"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    revisions.record(
        database,
        site,
        source,
        None,
        account,
        "delete",
        f"delete: {release.title}",
        also=(target,),
    )
    with database.session() as session:
        drop_pending_drafts(session, release.path)
        audit.add(session, account, audit.Action.RELEASE_DELETED, release.path)
    return Trashed(target.name, inside, release.title, now)


def trashed(site: Site) -> list[Trashed]:
    """What the trash holds, most recently deleted first."""
    folder = trash_dir(site)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _TRASHED.match(path.name)
        if not match or not path.is_file():
            continue
        when = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        try:
            title = read_release(site, path)[0].title
        except ReleaseError:
            title = match.group(2)
        found.append(Trashed(path.name, match.group(2).replace("__", "/"), title, when))
    return sorted(found, key=lambda t: (t.deleted_at, t.name), reverse=True)


def restore_from_trash(
    store: ReleaseStore, database: Database, name: str, account: Account
) -> Saved:
    """Put a deleted release back under its old name."""
    site = store.site
    item = next((t for t in trashed(site) if t.name == name), None)
    if item is None:
        raise NotFoundError("no deleted release named {name!r}", name=name)
    source = trash_dir(site) / item.name
    target = site.releases_dir / item.original
    release, _ = read_release(site, source)
    if not may_change(account, release):
        raise EditingError(
            "This release is published or scheduled: only a publisher can change it."
        )
    if store.load().find_url(release.url) is not None:
        raise EditingError("Another release now answers at this release's address.")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        raise EditingError("A release file with this name exists again.") from None
    with contextlib.suppress(FileNotFoundError):
        os.unlink(source)
    data = target.read_bytes()
    revisions.record(
        database,
        site,
        target,
        data,
        account,
        "undelete",
        f"undelete: {release.title}",
        also=(source,),
    )
    audit.record(database, account, audit.Action.RELEASE_UNDELETED, relative(site, target))
    restored, _ = read_release(site, target)
    return Saved(restored, FileVersion.of(data))


def restore_revision(
    store: ReleaseStore,
    database: Database,
    slug: str,
    revision_id: str,
    version: str,
    account: Account,
) -> Saved:
    """Write a past revision back as the current version (a new revision, nothing lost)."""
    site = store.site
    release = store.load().get(slug)
    path = release_path(site, release)
    text = revisions.revision_text(database, site, path, revision_id)
    shown = relative(site, path)
    old, _ = parse_release(decode_release(text.encode("utf-8"), shown)[0], shown, site.settings)
    if not account.has_role("publisher"):
        if release.published:
            raise EditingError(
                "This release is published or scheduled: only a publisher can change it."
            )
        if old.published:
            # Going back must not publish: that is a publisher's decision.
            text = update_front_matter(text, {"published": False})
    data = text.encode("utf-8")
    new_version = write_atomic(path, data, expected=FileVersion(version))
    revisions.record(
        database, site, path, data, account, "restore", f"restore: {release.title} ({revision_id})"
    )
    audit.record(
        database, account, audit.Action.RELEASE_REVISION_RESTORED, shown, {"revision": revision_id}
    )
    restored, _ = read_release(site, path)
    return Saved(restored, new_version)
