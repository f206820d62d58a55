"""Writing releases from the back office: create, save, autosave, duplicate, trash, restore.

Every write goes through ``pressroom.store``: a new file is linked into place (never over an
existing one), a save changes only the lines of the keys that changed and refuses a file that
changed since the form was opened (``ConflictError``). Each write is kept as a revision
(``pressroom.revisions``). A published or scheduled release is the public's: only publishers
change it, and autosaves of it wait in the database until someone presses "save".
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
from pressroom.frontmatter_edit import DELETE, new_release_text
from pressroom.i18n import gettext
from pressroom.models.revisions import PendingDraft, drop_pending_drafts, pending_draft
from pressroom.release import NEWSROOM_PREFIX, Attachment, Image, Release
from pressroom.release_form import (
    FieldMessage,
    FormError,
    FormValues,
    ReleaseFields,
    legacy_images,
    parse_form,
)
from pressroom.slug import jekyll_file_slug, jekyll_pretty_slug, new_slug
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


# Front matter, in the corpus's key order and style.


def _image_item(image: Image) -> dict[str, str]:
    return {"image": image.src, "alternative-textuelle": image.alt}


def _contact_item(contact: PressContact) -> dict[str, Any]:
    item: dict[str, Any] = {"name": contact.name}
    if contact.phones:
        item["tel"] = list(contact.phones)
    if contact.email:
        item["email"] = contact.email
    return item


def front_matter(fields: ReleaseFields, site: Site, published: bool = False) -> dict[str, Any]:
    """The front matter of a new release file (empty keys left out)."""
    meta: dict[str, Any] = {
        "title": fields.title,
        "date": fields.date.astimezone(site.settings.zone),
        "categories": [fields.category],
    }
    if fields.tags:
        meta["tags"] = list(fields.tags)
    if fields.chapeau:
        meta["chapeau-text"] = fields.chapeau
    if fields.image is not None:
        meta["une-ou-diaporama"] = [_image_item(fields.image)]
    if fields.files:
        meta["files"] = [{"file": f.url, "nom": f.name} for f in fields.files]
    if fields.contact is not None:
        meta["contact-presse"] = _contact_item(fields.contact)
    meta["lang"] = fields.language
    meta["published"] = published
    return meta


def release_text(fields: ReleaseFields, site: Site, published: bool = False) -> str:
    """The whole file a new release would be (also how a conflict shows "your version")."""
    body = fields.body if fields.body.endswith("\n") or not fields.body else fields.body + "\n"
    return new_release_text(front_matter(fields, site, published), body)


def _taken_slugs(catalog: Catalog, but: Release | None = None) -> set[str]:
    """Slugs a release or a redirect already answers at."""
    taken: set[str] = set()
    for release in catalog.releases:
        if release is but:
            continue
        taken.add(release.url)
        for old in release.redirect_from:
            taken.add(old if old.startswith("/") else NEWSROOM_PREFIX + old)
    return taken


def _url(slug: str) -> str:
    return f"{NEWSROOM_PREFIX}{slug}/"


def _free_slug(site: Site, catalog: Catalog, base: str, day: str) -> str:
    taken = _taken_slugs(catalog)
    for number in range(1, 1000):
        slug = base if number == 1 else f"{base}-{number}"
        name = f"{day}-{slug}"
        files = [site.releases_dir / f"{name}{suffix}" for suffix in (".md", ".markdown")]
        if _url(slug) not in taken and not any(f.exists() for f in files):
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


# Saving an existing release: only the keys that changed.


def _categories(release: Release, category: str) -> list[str]:
    current = release.metadata.get("categories")
    rest = [str(c) for c in current[1:]] if isinstance(current, list) else []
    return [category, *(c for c in rest if c != category)]


def release_changes(
    release: Release, fields: ReleaseFields, site: Site, catalog: Catalog
) -> dict[str, Any]:
    """The front matter keys a save must rewrite (``DELETE`` for keys to remove)."""
    meta = release.metadata
    changes: dict[str, Any] = {}
    if fields.title != release.title:
        changes["title"] = fields.title
    if fields.date != release.date:
        changes["date"] = fields.date.astimezone(site.settings.zone)
    if fields.category != release.category:
        changes["categories"] = _categories(release, fields.category)
        if "category" in meta:
            changes["category"] = DELETE
    if fields.tags != release.tags:
        changes["tags"] = list(fields.tags) if fields.tags else DELETE
    if fields.chapeau != release.chapeau:
        key = "chapeau" if "chapeau" in meta and "chapeau-text" not in meta else "chapeau-text"
        changes[key] = fields.chapeau or DELETE
    images = ((fields.image,) if fields.image else ()) + release.images[1:]
    if images != release.images:
        changes["une-ou-diaporama"] = [_image_item(i) for i in images] or DELETE
        if "image" in meta:
            changes["image"] = DELETE
    if fields.files != release.files:
        changes["files"] = [{"file": f.url, "nom": f.name} for f in fields.files] or DELETE
        for legacy in ("communique_file", "file"):
            if legacy in meta:
                changes[legacy] = DELETE
    if fields.contact != release.contact:
        contact = fields.contact
        changes["contact-presse"] = _contact_item(contact) if contact is not None else DELETE
    if fields.language != release.language:
        changes["lang"] = fields.language
    if fields.slug and fields.slug != release.slug:
        changes.update(_slug_changes(release, fields.slug, catalog))
    return changes


def _slug_changes(release: Release, slug: str, catalog: Catalog) -> dict[str, Any]:
    """A new address; the old one becomes a redirect once the release has been published."""
    slug = jekyll_pretty_slug(slug)
    if _url(slug) in _taken_slugs(catalog, but=release):
        raise FormError(
            {"slug": [FieldMessage("This address is already used by another release.")]}
        )
    changes: dict[str, Any] = {}
    file_slug = jekyll_pretty_slug(jekyll_file_slug(release.path.rsplit("/", 1)[-1]))
    changes["slug"] = DELETE if slug == file_slug and "slug" in release.metadata else slug
    if slug == file_slug and "slug" not in release.metadata:
        changes.pop("slug")
    redirects = [r for r in release.redirect_from if r not in (_url(slug), slug)]
    if release.published and release.url not in redirects:
        redirects.append(release.url)
    if redirects != list(release.redirect_from):
        changes["redirect_from"] = redirects or DELETE
    return changes


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
