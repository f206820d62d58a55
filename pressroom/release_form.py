"""The release form's values: read and checked into ``ReleaseFields``, or written from a release.

Values are what a browser sends (text, or lists of text for repeated fields), so they can be
kept as JSON in the database (an autosave) and shown again as they were typed. Errors are
collected for every field at once, as English message ids the back office translates, so a
person sees each problem next to its field in one go.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pressroom.config import PressContact, Site
from pressroom.contacts import InvalidEmailError, normalize_email
from pressroom.errors import PressroomError
from pressroom.i18n import SUPPORTED_LANGUAGES
from pressroom.release import DEFAULT_ATTACHMENT_NAME, Attachment, Image, Release, upload_name
from pressroom.slug import jekyll_pretty_slug, new_slug

FormValues = Mapping[str, Any]
MAX_TITLE = 300
MAX_TEXT = 1_000_000  # chapeau or body: a release file is refused past 2 MB
MAX_SHORT = 500  # a tag, a category, a name, an alternative text


@dataclass(frozen=True)
class FieldMessage:
    """One error: an English message id and the values of its ``{fields}``."""

    message: str
    params: Mapping[str, str] = field(default_factory=dict)


class FormError(PressroomError):
    """The form cannot be saved; ``errors`` says why, by field name ("" for the whole form)."""

    def __init__(self, errors: Mapping[str, list[FieldMessage]]) -> None:
        details = "; ".join(
            f"{name or 'form'}: {m.message.format(**m.params)}"
            for name, messages in errors.items()
            for m in messages
        )
        super().__init__(details)
        self.errors = dict(errors)


@dataclass(frozen=True)
class ReleaseFields:
    """What the form says a release is, checked and normalised."""

    title: str
    category: str
    date: datetime
    tags: tuple[str, ...]
    chapeau: str
    body: str
    image: Image | None
    files: tuple[Attachment, ...]
    contact: PressContact | None
    language: str
    slug: str = ""  # the wished address; empty keeps the current one


def one(values: FormValues, key: str) -> str:
    """A single value (the last one if the field came several times)."""
    value = values.get(key, "")
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return str(value)


def many(values: FormValues, key: str) -> list[str]:
    """Every value of a repeated field, in order."""
    value = values.get(key, [])
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)] if value != "" else []


def _text(value: str) -> str:
    """Browsers send CRLF line ends; files keep LF. NFC like the release reader."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def _line(value: str) -> str:
    return " ".join(_text(value).split())


def _link_ok(url: str) -> bool:
    """Only the site's own uploads, or a web address: never ``javascript:`` and the like."""
    return upload_name(url) is not None or url.startswith(("https://", "http://"))


class _Reader:
    def __init__(self, values: FormValues) -> None:
        self.values = values
        self.errors: dict[str, list[FieldMessage]] = {}

    def error(self, name: str, message: str, **params: str) -> None:
        self.errors.setdefault(name, []).append(FieldMessage(message, params))

    def short(self, name: str, value: str) -> str:
        text = _line(value)
        if len(text) > MAX_SHORT:
            self.error(name, "This text is too long (at most {n} characters).", n=str(MAX_SHORT))
        return text


def legacy_images(release: Release | None) -> frozenset[str]:
    """Images a release already shows without alternative text: saving it again must not be
    refused for them (the alternative text is required when an image is chosen)."""
    return frozenset(i.src for i in release.images if not i.alt) if release else frozenset()


def parse_form(
    values: FormValues,
    site: Site,
    officers: tuple[PressContact, ...] = (),
    known_images: frozenset[str] = frozenset(),
) -> ReleaseFields:
    """Check the form's values; raises ``FormError`` listing every field at fault.

    ``known_images`` may stay without alternative text (see ``legacy_images``).
    """
    reader = _Reader(values)
    title = _line(one(values, "title"))
    if not title:
        reader.error("title", "Give the release a title.")
    elif len(title) > MAX_TITLE:
        reader.error("title", "The title is too long (at most {n} characters).", n=str(MAX_TITLE))
    category = reader.short("category_new", one(values, "category_new")) or reader.short(
        "category", one(values, "category")
    )
    date = _date(reader, one(values, "date"), site)
    tags = tuple(
        dict.fromkeys(t for t in (reader.short("tags", v) for v in many(values, "tags")) if t)
    )
    chapeau, body = _text(one(values, "chapeau")).strip(), _text(one(values, "body"))
    for name, text in (("chapeau", chapeau), ("body", body)):
        if len(text) > MAX_TEXT:
            reader.error(name, "This text is too long (at most {n} characters).", n=str(MAX_TEXT))
    language = one(values, "lang").strip() or site.settings.language
    if language not in SUPPORTED_LANGUAGES and language != site.settings.language:
        reader.error("lang", "Choose a language from the list.")
    slug_wish = one(values, "slug").strip()
    return_value = ReleaseFields(
        title=title,
        category=category or site.settings.default_category,
        date=date or datetime.now(site.settings.zone),
        tags=tags,
        chapeau=chapeau,
        body=body,
        image=_image(reader, known_images),
        files=_files(reader),
        contact=_contact(reader, officers),
        language=language,
        slug=_slug(slug_wish),
    )
    if reader.errors:
        raise FormError(reader.errors)
    return return_value


def _slug(wish: str) -> str:
    """A slug as typed if Jekyll would keep it (an existing one, accents included), else a
    clean ASCII one made from it."""
    if not wish:
        return ""
    return wish if jekyll_pretty_slug(wish) == wish else new_slug(wish)


def _date(reader: _Reader, value: str, site: Site) -> datetime | None:
    value = value.strip()
    if not value:
        reader.error("date", "Enter a date and time.")
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        reader.error("date", "This date and time are not valid.")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=site.settings.zone)
    return parsed.astimezone(site.settings.zone).replace(microsecond=0)


def _image(reader: _Reader, known_images: frozenset[str]) -> Image | None:
    url = one(reader.values, "image_url").strip()
    alt = reader.short("image_alt", one(reader.values, "image_alt"))
    if not url or one(reader.values, "image_remove"):
        return None
    if not _link_ok(url):
        reader.error("image", "This image is not one of the site's uploads.")
        return None
    if not alt and url not in known_images:
        reader.error(
            "image_alt", "Describe the image for people who cannot see it (alternative text)."
        )
    return Image(url, alt)


def _files(reader: _Reader) -> tuple[Attachment, ...]:
    urls = many(reader.values, "file_url")
    names = many(reader.values, "file_name")
    removed = set(many(reader.values, "file_remove"))
    files: list[Attachment] = []
    for index, url in enumerate(urls):
        url = url.strip()
        if not url or url in removed:
            continue
        if not _link_ok(url):
            reader.error("files", "This attachment is not one of the site's uploads.")
            continue
        name = reader.short("files", names[index] if index < len(names) else "")
        files.append(Attachment(url, name or DEFAULT_ATTACHMENT_NAME))
    return tuple(dict.fromkeys(files))


def _contact(reader: _Reader, officers: tuple[PressContact, ...]) -> PressContact | None:
    card = one(reader.values, "contact_card").strip()
    if card:
        if card.isdigit() and int(card) < len(officers):
            return officers[int(card)]
        reader.error("contact_card", "Choose a press officer from the list.")
        return None
    name = reader.short("contact_name", one(reader.values, "contact_name"))
    phones = tuple(
        p
        for p in (
            reader.short("contact_tel", v)
            for v in _text(one(reader.values, "contact_tel")).split("\n")
        )
        if p
    )
    email = one(reader.values, "contact_email").strip()
    if email:
        try:
            email = normalize_email(email)
        except InvalidEmailError:
            reader.error("contact_email", "This email address is not valid.")
    contact = PressContact(name=name, phones=phones, email=email)
    return contact or None


def local_input(when: datetime, site: Site) -> str:
    """A datetime as an HTML ``datetime-local`` value, in the site's time zone."""
    local = when.astimezone(site.settings.zone)
    # Seconds only when there are some: a save must not round a hand-written date.
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")


def card_index(contact: PressContact | None, officers: tuple[PressContact, ...]) -> str:
    """The number of the press officer's card a contact is, or ""."""
    for index, officer in enumerate(officers):
        if contact is not None and contact == officer:
            return str(index)
    return ""


def form_values(
    release: Release, site: Site, officers: tuple[PressContact, ...] = ()
) -> dict[str, Any]:
    """The form's values for an existing release, as a browser would send them back."""
    image = release.images[0] if release.images else None
    contact = release.contact
    card = card_index(contact, officers)
    typed = contact if contact is not None and not card else PressContact()
    return {
        "title": release.title,
        "category": release.category,
        "category_new": "",
        "date": local_input(release.date, site),
        "tags": list(release.tags),
        "chapeau": release.chapeau,
        "body": release.body,
        "image_url": image.src if image else "",
        "image_alt": image.alt if image else "",
        "file_url": [f.url for f in release.files],
        "file_name": [f.name for f in release.files],
        "contact_card": card,
        "contact_name": typed.name,
        "contact_tel": "\n".join(typed.phones),
        "contact_email": typed.email,
        "lang": release.language,
        "slug": release.slug,
    }


def blank_values(site: Site, now: datetime) -> dict[str, Any]:
    """The form's values for a new release: dated now, in the site's language and category."""
    return {
        "title": "",
        "category": site.settings.default_category,
        "category_new": "",
        "date": local_input(now, site),
        "tags": [],
        "chapeau": "",
        "body": "",
        "image_url": "",
        "image_alt": "",
        "file_url": [],
        "file_name": [],
        "contact_card": "",
        "contact_name": "",
        "contact_tel": "",
        "contact_email": "",
        "lang": site.settings.language,
        "slug": "",
    }
