"""The front matter a release form's fields make, in the corpus's key order and style.

A new release gets its whole file (``release_text``); a save rewrites only the keys that
changed (``release_changes``, ``DELETE`` for keys to remove), so the file's other lines stay
as they are. A new address keeps the old one as a redirect once the release has been published.
"""

from __future__ import annotations

from typing import Any

from pressroom.config import PressContact, Site
from pressroom.frontmatter_edit import DELETE, new_release_text
from pressroom.release import NEWSROOM_PREFIX, Image, Release
from pressroom.release_form import FieldMessage, FormError, ReleaseFields
from pressroom.slug import jekyll_file_slug, jekyll_pretty_slug
from pressroom.store import Catalog

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


def taken_slugs(catalog: Catalog, but: Release | None = None) -> set[str]:
    """Addresses a release or a redirect already answers at (``but`` left out)."""
    taken: set[str] = set()
    for release in catalog.releases:
        if release is but:
            continue
        taken.add(release.url)
        for old in release.redirect_from:
            taken.add(old if old.startswith("/") else NEWSROOM_PREFIX + old)
    return taken


def newsroom_url(slug: str) -> str:
    """The address a release with this slug answers at."""
    return f"{NEWSROOM_PREFIX}{slug}/"


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
    if newsroom_url(slug) in taken_slugs(catalog, but=release):
        raise FormError(
            {"slug": [FieldMessage("This address is already used by another release.")]}
        )
    changes: dict[str, Any] = {}
    file_slug = jekyll_pretty_slug(jekyll_file_slug(release.path.rsplit("/", 1)[-1]))
    changes["slug"] = DELETE if slug == file_slug and "slug" in release.metadata else slug
    if slug == file_slug and "slug" not in release.metadata:
        changes.pop("slug")
    redirects = [r for r in release.redirect_from if r not in (newsroom_url(slug), slug)]
    if release.published and release.url not in redirects:
        redirects.append(release.url)
    if redirects != list(release.redirect_from):
        changes["redirect_from"] = redirects or DELETE
    return changes
