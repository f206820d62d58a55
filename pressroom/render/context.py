"""What every medium shows of a release, computed once: the view the templates read.

The page, the PDF and the email all take this same value, so they cannot disagree.
"""

from __future__ import annotations

import mimetypes
import os
import stat
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_time, get_datetime_format

from pressroom.config import PressContact, Site
from pressroom.i18n import base_language
from pressroom.markdown import LinkWarning, render_markdown
from pressroom.release import Release, upload_name

# Labels printed at the top of the paper communiqué, by category (compared without case/accents).
CATEGORY_LABELS = {
    "communique de presse": "COMMUNIQUÉ DE PRESSE",
    "dossier de presse": "DOSSIER DE PRESSE",
    "note aux redactions": "NOTE AUX RÉDACTIONS",
    "note to editors": "NOTE AUX RÉDACTIONS",
    "press release": "COMMUNIQUÉ DE PRESSE",
}


@dataclass(frozen=True)
class Link:
    """An image or file as a page may link it: only if the site really has it."""

    url: str
    label: str
    available: bool
    size: int | None = None
    mime: str = ""

    @property
    def kind(self) -> str:
        """A short type for people: ``PDF``, ``PNG``..."""
        ext = self.url.rsplit(".", 1)[-1] if "." in self.url.rsplit("/", 1)[-1] else ""
        return ext.upper()[:5]


@dataclass(frozen=True)
class ReleaseView:
    """A release as the templates see it: sanitised HTML, formatted dates, resolved links."""

    release: Release
    lang: str
    title: str
    chapeau_html: str
    body_html: str
    summary: str
    date_text: str
    datetime_text: str
    date_line: str
    label: str
    contact: PressContact
    images: tuple[Link, ...]
    files: tuple[Link, ...]
    warnings: tuple[LinkWarning, ...]


def fold(text: str) -> str:
    """Lower case without accents, for comparing and searching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1024)  # a site has a handful of categories, shown on every page
def category_label(category: str) -> str:
    """The label on paper: known categories by name, others in capitals."""
    return CATEGORY_LABELS.get(" ".join(fold(category).split()), category.upper())


# Babel takes tens of microseconds per date; a site's releases share days and times of day.
@lru_cache(maxsize=8192)
def _long_day(day: date, code: str) -> str:
    return format_date(day, "long", locale=code)


# A long time (``HH:mm:ss z``) shows the time of day and the zone's name and offset at that
# moment, never the day: formatted once per such key, from the first moment that has it.
_LONG_TIMES: dict[tuple[object, ...], str] = {}


def _long_time(local: datetime, code: str) -> str:
    key = (local.time(), local.utcoffset(), local.dst(), local.tzname(), local.tzinfo, code)
    text = _LONG_TIMES.get(key)
    if text is None:
        if len(_LONG_TIMES) >= 4096:
            _LONG_TIMES.clear()
        text = _LONG_TIMES[key] = format_time(local, "long", tzinfo=None, locale=code)
    return text


def long_date(when: datetime, lang: str) -> str:
    """``18 novembre 2021``, and French's ``1er`` for the first of the month."""
    code = base_language(lang)
    text = _long_day(when.date(), code)
    if code == "fr" and when.day == 1:
        text = "1er" + text[1:]
    return text


def long_datetime(when: datetime, zone: tzinfo, lang: str) -> str:
    """``18 novembre 2021, 10:02:00 +0100``: Babel's long date and time, in ``zone``.

    Composed as ``babel.dates.format_datetime`` composes it, from a date and a time each
    formatted once per value.
    """
    code = base_language(lang)
    local = when.astimezone(zone)
    clock = _long_time(local, code)
    return (
        _datetime_pattern(code).replace("{0}", clock).replace("{1}", _long_day(local.date(), code))
    )


@lru_cache(maxsize=16)
def _datetime_pattern(code: str) -> str:
    return str(get_datetime_format("long", locale=code)).replace("'", "")


def date_line(place: str, when: datetime, lang: str) -> str:
    """The place and date line of a communiqué: ``Paris, le 18 novembre 2021``."""
    return _place_and_day(place, long_date(when, lang), lang)


def _place_and_day(place: str, day: str, lang: str) -> str:
    if not place:
        return day
    return f"{place}, le {day}" if base_language(lang) == "fr" else f"{place}, {day}"


_UPLOADS: dict[Path, str] = {}


def uploads_folder(site: Site) -> str:
    """``site.uploads_dir`` as a string, made once per site folder: every page asks for it, and
    the property builds two paths each time."""
    folder = _UPLOADS.get(site.root)
    if folder is None:
        folder = _UPLOADS[site.root] = str(site.uploads_dir)
    return folder


def upload_links(site: Site, release: Release) -> tuple[tuple[Link, ...], tuple[Link, ...]]:
    """A release's images and files checked against the site's uploads (exists? size?)."""
    uploads = uploads_folder(site)
    return (
        tuple(_resolve(uploads, i.src, i.alt) for i in release.images),
        tuple(_resolve(uploads, f.url, f.name) for f in release.files),
    )


def _resolve(uploads: str, url: str, label: str) -> Link:
    """Check an image or file URL against the uploads folder."""
    if url.startswith(("http://", "https://")):
        return Link(url, label, True)
    name = upload_name(url)
    if name is None:
        return Link(url, label, False)
    try:
        found = os.stat(os.path.join(uploads, name))
    except (OSError, ValueError):
        return Link("/uploads/" + name, label, False)
    if not stat.S_ISREG(found.st_mode):
        return Link("/uploads/" + name, label, False)
    mime = mimetypes.guess_type(os.path.basename(name))[0] or "application/octet-stream"
    return Link("/uploads/" + name, label, True, found.st_size, mime)


def release_view(
    site: Site,
    release: Release,
    links: tuple[tuple[Link, ...], tuple[Link, ...]] | None = None,
) -> ReleaseView:
    """Compute everything the templates need from one release, in its own language.

    ``links`` are its images' and files' links when the caller has just resolved them.
    """
    lang = release.language
    local = release.date.astimezone(site.settings.zone)
    chapeau = render_markdown(release.chapeau, lang=lang)
    body = render_markdown(release.body, lang=lang)
    code = base_language(lang)
    day = long_date(local, lang)
    images, files = links if links is not None else upload_links(site, release)
    return ReleaseView(
        release=release,
        lang=lang,
        title=release.title,
        chapeau_html=chapeau.html,
        body_html=body.html,
        summary=chapeau.text or body.text[:300],
        date_text=day,
        datetime_text=long_datetime(local, site.settings.zone, code),
        date_line=_place_and_day(site.settings.place, day, lang),
        label=category_label(release.category),
        contact=release.contact_or(site.settings.press_contact),
        images=images,
        files=files,
        warnings=chapeau.warnings + body.warnings,
    )
