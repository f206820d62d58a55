"""The ``Release``: one communiqué as a frozen value, read from Jekyll front matter.

The corpus is decades of hand-edited YAML, so reading is forgiving where the meaning is plain
(a scalar where a list is expected, a split image item) and strict where it is not (a title
that is a list). Every coercion is reported as a warning, every refusal as an error with a line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

from pressroom.config import PressContact, Settings
from pressroom.errors import Problem, ReleaseError
from pressroom.slug import jekyll_file_slug, jekyll_pretty_slug
from pressroom.yaml_front import FrontMatterError, parse_front_matter

NEWSROOM_PREFIX = "/espace-presse/"
DEFAULT_ATTACHMENT_NAME = "Télécharger le communiqué de presse"

_DATE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


@dataclass(frozen=True)
class Image:
    """A banner or slideshow image and its alternative text."""

    src: str
    alt: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file offered for download with the release (its own PDF, an annex...)."""

    url: str
    name: str


@dataclass(frozen=True)
class Release:
    """A communiqué: normalised fields plus the front matter exactly as read."""

    path: str
    slug: str
    url: str
    title: str
    date: datetime
    category: str
    tags: tuple[str, ...]
    chapeau: str
    images: tuple[Image, ...]
    files: tuple[Attachment, ...]
    contact: PressContact | None
    published: bool
    language: str
    body: str
    redirect_from: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    body_offset: int = field(default=0, compare=False, repr=False)

    def is_public(self, now: datetime) -> bool:
        """Public once not a draft and its date has come (an embargo lifts by itself)."""
        return self.published and self.date <= now

    def status(self, now: datetime) -> str:
        """``draft``, ``scheduled`` (under embargo) or ``published``."""
        if not self.published:
            return "draft"
        return "published" if self.date <= now else "scheduled"

    def contact_or(self, default: PressContact) -> PressContact:
        """The release's press contact, else the site's default one."""
        return self.contact if self.contact else default


@lru_cache(maxsize=8192, typed=True)  # releases name the same few uploads again and again
def upload_name(url: str) -> str | None:
    """The path under ``uploads/`` a release URL points to, or None if it is not an upload."""
    path = unquote(url.split("?", 1)[0].split("#", 1)[0]).strip()
    for prefix in ("/uploads/", "uploads/"):
        if path.startswith(prefix):
            name = path[len(prefix) :]
            parts = name.split("/")
            if name and ".." not in parts and "" not in parts and "\\" not in name:
                return name
            return None
    return None


def clean_text(value: str) -> str:
    """NFC, whitespace runs (newlines included) collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


@cache
def fixed_zone(offset: timedelta) -> timezone:
    """One ``timezone`` per offset (a few thousand valid ones at most): dates that share their
    tzinfo compare without working out UTC offsets, and thousands are sorted at each build and
    at each change a server sees. Releases loaded from ``instance/`` get theirs here too
    (``buildcache`` pickles a zone as a call of this function): at 5,000 releases that made
    ``build_catalog`` three times as fast."""
    return timezone(offset)


_FIXED_ZONES: dict[str, timezone] = {}  # ``fixed_zone`` by offset as written


def parse_date(value: Any, zone: Any) -> datetime | None:
    """A timezone-aware datetime from the forms Jekyll accepts; naive ones in the site's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), zone)
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        naive = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return None
    if offset is None:
        return naive.replace(tzinfo=zone)
    if offset in ("Z", "z"):
        return naive.replace(tzinfo=UTC)
    fixed = _FIXED_ZONES.get(offset)
    if fixed is None:
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        fixed = _FIXED_ZONES[offset] = fixed_zone(delta if offset[0] == "+" else -delta)
    return naive.replace(tzinfo=fixed)


# Messages said of several keys (English msgids, see pressroom.errors).
_NOT_TEXT = "{key}: {value} is not text; read as {text}"
_NOT_TEXT_BUT = "{key} must be text, not a {kind}"
_NOT_A_LIST_BUT = "{key} must be a list, not a {kind}"


class _Reader:
    """Turns one file's metadata into a ``Release``, collecting warnings as it goes."""

    def __init__(self, path: str, key_lines: Mapping[str, int]) -> None:
        self.path = path
        self.key_lines = key_lines
        self.warnings: list[Problem] = []

    def line(self, key: str) -> int:
        return self.key_lines.get(key, 1)

    def warn(self, key: str, message: str, /, **params: str) -> None:
        """Note a coerced value; ``message`` is an English msgid with ``{}`` fields."""
        self.warnings.append(Problem.of(self.path, self.line(key), "warning", message, **params))

    def fail(self, key: str, message: str, /, **params: str) -> ReleaseError:
        """The error for ``key``'s line; ``message`` is an English msgid with ``{}`` fields."""
        return ReleaseError(self.path, self.line(key), message, **params)

    def text(self, key: str, value: Any, *, required: bool = False) -> str:
        """A scalar as text; numbers and booleans are coerced with a warning."""
        if value is None:
            if required:
                raise self.fail(key, "missing {key}", key=key)
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float | date):
            self.warn(key, _NOT_TEXT, key=key, value=repr(value), text=repr(str(value)))
            return str(value)
        raise self.fail(key, _NOT_TEXT_BUT, key=key, kind=type(value).__name__)

    def text_list(
        self, key: str, value: Any, label: str = "", *, scalar_ok: bool = False
    ) -> tuple[str, ...]:
        """A list of texts; a single text is read as a list of one (a warning unless usual)."""
        label = label or key
        if value is None:
            return ()
        if isinstance(value, str):
            if not scalar_ok:
                self.warn(
                    key,
                    "{key} should be a list; read {value!r} as a list of one",
                    key=label,
                    value=value,
                )
            return (clean_text(value),) if value.strip() else ()
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.warn(key, _NOT_TEXT, key=label, value=repr(value), text=repr(str(value)))
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, _NOT_A_LIST_BUT, key=label, kind=type(value).__name__)
        items = []
        for item in value:
            if item is None:
                continue
            items.append(clean_text(self.text(key, item)))
        return tuple(item for item in items if item)

    def boolean(self, key: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        word = str(value).strip().lower()
        if word in words and isinstance(value, str | int):
            self.warn(
                key,
                "{key}: {value} is not true/false; read as {read}",
                key=key,
                value=repr(value),
                read=str(words[word]),
            )
            return words[word]
        raise self.fail(key, "{key} must be true or false, not {value}", key=key, value=repr(value))

    def items(self, key: str, value: Any) -> list[dict[str, Any]]:
        if value is None:
            return []
        if isinstance(value, dict):
            self.warn(key, "{key} should be a list; read one item", key=key)
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, _NOT_A_LIST_BUT, key=key, kind=type(value).__name__)
        out = []
        for item in value:
            if isinstance(item, dict):
                out.append({str(k): v for k, v in item.items()})
            elif item is not None:
                raise self.fail(
                    key,
                    "{key}: each item must be 'key: value' lines, not {item}",
                    key=key,
                    item=repr(item),
                )
        return out

    def images(self, meta: Mapping[str, Any]) -> tuple[Image, ...]:
        key = "une-ou-diaporama"
        images: list[Image] = []
        pending_alt: str | None = None
        for item in self.items(key, meta.get(key)):
            src = self.text(key, item.get("image")).strip()
            alt = clean_text(self.text(key, item.get("alternative-textuelle")))
            if src:
                images.append(Image(src, alt or (pending_alt or "")))
                pending_alt = None
            elif alt and images and not images[-1].alt:
                # The back office of the original site sometimes split one item in two.
                images[-1] = Image(images[-1].src, alt)
            elif alt:
                pending_alt = alt
        legacy = meta.get("image")
        if legacy is not None and not images:
            src = self.text("image", legacy).strip()
            if src:
                images.append(Image(src, ""))
        return tuple(images)

    def files(self, meta: Mapping[str, Any]) -> tuple[Attachment, ...]:
        files: list[Attachment] = []
        for item in self.items("files", meta.get("files")):
            url = ""
            for name in ("file", "lien", "File"):
                if item.get(name):
                    url = self.text("files", item[name]).strip()
                    break
            label = clean_text(self.text("files", item.get("nom"))) or DEFAULT_ATTACHMENT_NAME
            if url:
                files.append(Attachment(url, label))
            else:
                self.warn("files", "files: item {label!r} names no file; left out", label=label)
        for key in ("communique_file", "file"):
            if meta.get(key) is not None:
                url = self.text(key, meta[key]).strip()
                if url and all(f.url != url for f in files):
                    files.append(Attachment(url, DEFAULT_ATTACHMENT_NAME))
        return tuple(files)

    def contact(self, meta: Mapping[str, Any]) -> PressContact | None:
        key = "contact-presse"
        value = meta.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "{key} must be 'name', 'tel' and 'email' lines", key=key)
        phones = self.text_list(key, value.get("tel"), "contact-presse: tel", scalar_ok=True)
        email = value.get("email") if value.get("email") is not None else value.get("mail")
        contact = PressContact(
            name=clean_text(self.text(key, value.get("name"))),
            phones=phones,
            email=self.text(key, email).strip(),
        )
        return contact or None


def release_url(slug: str, metadata: Mapping[str, Any]) -> str:
    """The URL Jekyll gives a communiqué: its ``permalink`` if set, else under the newsroom."""
    permalink = metadata.get("permalink")
    if isinstance(permalink, str) and permalink.strip():
        url = permalink.strip().replace(":title", slug)
        url = url if url.startswith("/") else "/" + url
        return url
    return f"{NEWSROOM_PREFIX}{slug}/"


def parse_release(text: str, path: str, settings: Settings) -> tuple[Release, list[Problem]]:
    """Read one release from its text; ``path`` is relative to the site, for messages and slug.

    Raises ``ReleaseError`` for what cannot be read; returns warnings for what was coerced.
    """
    try:
        front = parse_front_matter(text)
    except FrontMatterError as exc:
        raise ReleaseError(path, exc.line, exc.message, **exc.params) from None
    meta = front.metadata
    reader = _Reader(path, front.key_lines)

    title = clean_text(reader.text("title", meta.get("title"), required=True))
    if not title:
        raise reader.fail("title", "missing {key}", key="title")

    if meta.get("date") is None:
        raise reader.fail("date", "missing {key}", key="date")
    when = parse_date(meta["date"], settings.zone)
    if when is None:
        raise reader.fail(
            "date",
            "date {value} is not a date ({example})",
            value=repr(meta["date"]),
            example="YYYY-MM-DD HH:MM:SS +01:00",
        )

    categories = reader.text_list("categories", meta.get("categories"))
    if not categories and meta.get("category") is not None:
        categories = reader.text_list("category", meta.get("category"))
    chapeau_key = "chapeau-text" if meta.get("chapeau-text") is not None else "chapeau"
    chapeau = unicodedata.normalize("NFC", reader.text(chapeau_key, meta.get(chapeau_key)))

    file_name = path.rsplit("/", 1)[-1]
    slug_source = meta.get("slug")
    if slug_source is not None:
        slug = jekyll_pretty_slug(reader.text("slug", slug_source))
    else:
        slug = jekyll_pretty_slug(jekyll_file_slug(file_name))
    if not slug:
        raise reader.fail("slug", "cannot make a URL from the file name {name!r}", name=file_name)

    language = reader.text("lang", meta.get("lang")).strip() or settings.language
    body = unicodedata.normalize("NFC", front.body)
    release = Release(
        path=path,
        slug=slug,
        url=release_url(slug, meta),
        title=title,
        date=when,
        category=categories[0] if categories else settings.default_category,
        tags=reader.text_list("tags", meta.get("tags")),
        chapeau=chapeau.strip(),
        images=reader.images(meta),
        files=reader.files(meta),
        contact=reader.contact(meta),
        published=reader.boolean("published", meta.get("published"), True),
        language=language,
        body=body,
        redirect_from=reader.text_list("redirect_from", meta.get("redirect_from")),
        metadata=MappingProxyType(meta),
        key_lines=MappingProxyType(dict(front.key_lines)),
        body_offset=front.body_offset,
    )
    if not body.strip():
        reader.warnings.append(Problem.of(path, 1, "warning", "empty body"))
    return release, reader.warnings
