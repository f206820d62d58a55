"""Writing releases from the back office: create, save, autosave, duplicate, trash, restore.

Every write goes through ``pressroom.store``: a new file is linked into place (never over an
existing one), a save changes only the lines of the keys that changed (which keys, and what a
new file holds, is ``release_front_matter``'s) and refuses a file that changed since the form
was opened (``ConflictError``). Each write is kept as a revision (``pressroom.revisions``). A
published or scheduled release is the public's: only publishers change it, and autosaves of it
wait in the database until someone presses "save".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pressroom import audit, revisions
from pressroom.accounts import Account
from pressroom.config import PressContact, Site
from pressroom.db import Database
from pressroom.errors import PressroomError
from pressroom.i18n import gettext
from pressroom.models.revisions import PendingDraft, drop_pending_drafts, pending_draft
from pressroom.release import Attachment, Release
from pressroom.release_form import (
    FormError,
    FormValues,
    ReleaseFields,
    legacy_images,
    parse_form,
)
from pressroom.release_front_matter import newsroom_url, release_changes, release_text, taken_slugs
from pressroom.slug import new_slug
from pressroom.store import (
    Catalog,
    FileVersion,
    ReleaseStore,
    read_release,
    relative,
    save_release,
    write_atomic,
)

# What each kind of write is called in the audit log.
AUDIT_ACTIONS = {
    "create": audit.Action.RELEASE_CREATED,
    "duplicate": audit.Action.RELEASE_DUPLICATED,
    "save": audit.Action.RELEASE_SAVED,
    "publish": audit.Action.RELEASE_PUBLISHED,
    "schedule": audit.Action.RELEASE_SCHEDULED,
    "unpublish": audit.Action.RELEASE_UNPUBLISHED,
    "restore": audit.Action.RELEASE_REVISION_RESTORED,
}
NEW_DRAFT = ""  # the path of a pending draft of a release not created yet
# Form values an autosave keeps: what the person typed, never tokens or versions.
_KEPT_VALUES = frozenset(
    {
        "title", "category", "category_new", "date", "tags", "chapeau", "body", "image_url",
        "image_alt", "file_url", "file_name", "file_remove", "contact_card", "contact_name",
        "contact_tel", "contact_email", "lang", "slug",
    }
)  # fmt: skip


class EditingError(PressroomError):
    """An edit was refused. ``message`` is an English msgid with ``{}`` fields."""


@dataclass(frozen=True)
class Saved:
    """A release as just written, and the version of its file (for the next save)."""

    release: Release
    version: FileVersion


@dataclass(frozen=True)
class Autosaved:
    """Where an autosave went: into the draft's file, or kept aside in the database."""

    where: Literal["file", "pending"]
    version: str  # the file's version after the autosave ("" for a release not created)
    at: datetime


@dataclass(frozen=True)
class Pending:
    """Autosaved values waiting for a save, and the file version they were typed over."""

    values: Mapping[str, Any]
    base_version: str
    saved_at: datetime


def release_path(site: Site, release: Release) -> Path:
    """The file of a release on disk."""
    return site.root / release.path


def file_version(site: Site, release: Release) -> FileVersion:
    """The version of a release's file as it is now."""
    return FileVersion.of(release_path(site, release).read_bytes())


def may_change(account: Account, release: Release) -> bool:
    """Editors change drafts; a published or scheduled release is only publishers' to change."""
    return not release.published or account.has_role("publisher")


def _require_change(account: Account, release: Release) -> None:
    if not may_change(account, release):
        raise EditingError(
            "This release is published or scheduled: only a publisher can change it."
        )


def _free_slug(site: Site, catalog: Catalog, base: str, day: str) -> str:
    taken = taken_slugs(catalog)
    for number in range(1, 1000):
        slug = base if number == 1 else f"{base}-{number}"
        name = f"{day}-{slug}"
        files = [site.releases_dir / f"{name}{suffix}" for suffix in (".md", ".markdown")]
        if newsroom_url(slug) not in taken and not any(f.exists() for f in files):
            return slug
    raise EditingError("Too many releases already have this title.")


def create_release(
    store: ReleaseStore,
    database: Database,
    fields: ReleaseFields,
    account: Account,
    action: str = "create",
) -> Saved:
    """Write a new draft: ``releases/YYYY-MM-DD-<slug>.md``, ``published: false``."""
    site = store.site
    day = fields.date.astimezone(site.settings.zone).strftime("%Y-%m-%d")
    slug = _free_slug(site, store.load(), fields.slug or new_slug(fields.title), day)
    path = site.releases_dir / f"{day}-{slug}.md"
    data = release_text(fields, site).encode("utf-8")
    write_atomic(path, data, create_only=True)
    shown = relative(site, path)
    revisions.record(database, site, path, data, account, action, f"{action}: {fields.title}")
    with database.session() as session:
        drop_pending_drafts(session, NEW_DRAFT, account.id)
        audit.add(session, account, AUDIT_ACTIONS[action], shown)
    release, _ = read_release(site, path)
    return Saved(release, FileVersion.of(data))


def write_changes(
    store: ReleaseStore,
    database: Database,
    release: Release,
    changes: Mapping[str, Any],
    body: str | None,
    expected: FileVersion | None,
    account: Account,
    action: str,
) -> Saved:
    """Save changes to a release's file and keep the new version as a revision."""
    site = store.site
    path = release_path(site, release)
    version = save_release(site, path, changes, body, expected=expected)
    if expected is None or version != expected:
        data = path.read_bytes()
        revisions.record(database, site, path, data, account, action, f"{action}: {release.title}")
        audit.record(
            database, account, AUDIT_ACTIONS.get(action, audit.Action.RELEASE_SAVED), release.path
        )
    saved, _ = read_release(site, path)
    return Saved(saved, version)


def update_release(
    store: ReleaseStore,
    database: Database,
    slug: str,
    fields: ReleaseFields,
    version: str,
    account: Account,
) -> Saved:
    """Save the form over a release, if its file is still the version the form was opened on."""
    catalog = store.load()
    release = catalog.get(slug)
    _require_change(account, release)
    changes = release_changes(release, fields, store.site, catalog)
    body = None if fields.body.strip() == release.body.strip() else fields.body
    saved = write_changes(
        store, database, release, changes, body, FileVersion(version), account, "save"
    )
    with database.session() as session:
        drop_pending_drafts(session, release.path, account.id)
    return saved


# Autosave: drafts into their file, anything public (or not yet valid) into the database.


def _keep_pending(
    database: Database, path: str, account: Account, base: str, values: FormValues, now: datetime
) -> Autosaved:
    kept = {key: value for key, value in values.items() if key in _KEPT_VALUES}
    with database.session() as session:
        row = pending_draft(session, path, account.id)
        if row is None:
            row = PendingDraft(path=path, account_id=account.id, base_sha256=base)
            session.add(row)
        row.fields = kept
        row.base_sha256 = base
        row.saved_at = now
    return Autosaved("pending", base, now)


def autosave(
    store: ReleaseStore,
    database: Database,
    slug: str | None,
    values: FormValues,
    version: str,
    account: Account,
    now: datetime,
    officers: tuple[PressContact, ...] = (),
) -> Autosaved:
    """Keep what the form holds now, changing nothing the public sees.

    A new release waits in the database until its first save; a draft's file is saved (it is
    not public); a published or scheduled release, or a form that cannot be saved yet, waits
    in the database as the person's pending draft.
    """
    site = store.site
    if slug is None:
        return _keep_pending(database, NEW_DRAFT, account, "", values, now)
    catalog = store.load()
    release = catalog.get(slug)
    if release.published:
        return _keep_pending(database, release.path, account, version, values, now)
    try:
        fields = parse_form(values, site, officers, legacy_images(release))
        changes = release_changes(release, fields, site, catalog)
    except FormError:
        return _keep_pending(database, release.path, account, version, values, now)
    body = None if fields.body.strip() == release.body.strip() else fields.body
    path = release_path(site, release)
    saved = save_release(site, path, changes, body, expected=FileVersion(version))
    if saved.sha256 != version:
        # Not a revision of its own, but who wrote this version matters for approvals.
        revisions.record_author(database, site, path, saved, account, "autosave")
    with database.session() as session:
        drop_pending_drafts(session, release.path, account.id)
    return Autosaved("file", saved.sha256, now)


def pending(database: Database, path: str, account: Account) -> Pending | None:
    """The person's autosaved values for a file (``NEW_DRAFT`` for a new release), if any."""
    with database.session() as session:
        row = pending_draft(session, path, account.id)
        if row is None:
            return None
        return Pending(dict(row.fields), row.base_sha256, row.saved_at)


def discard_pending(database: Database, path: str, account: Account) -> None:
    """Forget the person's autosaved values for a file."""
    with database.session() as session:
        drop_pending_drafts(session, path, account.id)


def duplicate(
    store: ReleaseStore, database: Database, slug: str, account: Account, now: datetime
) -> Saved:
    """A new draft with the same content, dated now, titled as a copy."""
    release = store.load().get(slug)
    lang = store.site.settings.language
    fields = ReleaseFields(
        title=f"{release.title} {gettext(lang, '(copy)')}",
        category=release.category,
        date=now.astimezone(store.site.settings.zone).replace(second=0, microsecond=0),
        tags=release.tags,
        chapeau=release.chapeau,
        body=release.body,
        image=release.images[0] if release.images else None,
        files=tuple(Attachment(f.url, f.name) for f in release.files),
        contact=release.contact,
        language=release.language,
    )
    return create_release(store, database, replace(fields), account, action="duplicate")
