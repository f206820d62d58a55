"""What every medium shows of a release, computed once: the view the templates read.

The page, the PDF and the email all take this same value, so they cannot disagree.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date, format_datetime

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


def category_label(category: str) -> str:
    """The label on paper: known categories by name, others in capitals."""
    return CATEGORY_LABELS.get(" ".join(fold(category).split()), category.upper())


def long_date(when: datetime, lang: str) -> str:
    """``18 novembre 2021``, and French's ``1er`` for the first of the month."""
    code = base_language(lang)
    text = format_date(when, "long", locale=code)
    if code == "fr" and when.day == 1:
        text = "1er" + text[1:]
    return text


def date_line(place: str, when: datetime, lang: str) -> str:
    """The place and date line of a communiqué: ``Paris, le 18 novembre 2021``."""
    return _place_and_day(place, long_date(when, lang), lang)


def _place_and_day(place: str, day: str, lang: str) -> str:
    if not place:
        return day
    return f"{place}, le {day}" if base_language(lang) == "fr" else f"{place}, {day}"


def resolve_link(site: Site, url: str, label: str) -> Link:
    """Check an image or file URL against the site's uploads."""
    if url.startswith(("http://", "https://")):
        return Link(url, label, True)
    name = upload_name(url)
    if name is None:
        return Link(url, label, False)
    path = site.uploads_dir / name
    if not path.is_file():
        return Link("/uploads/" + name, label, False)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Link("/uploads/" + name, label, True, path.stat().st_size, mime)


def release_view(site: Site, release: Release) -> ReleaseView:
    """Compute everything the templates need from one release, in its own language."""
    lang = release.language
    local = release.date.astimezone(site.settings.zone)
    chapeau = render_markdown(release.chapeau, lang=lang)
    body = render_markdown(release.body, lang=lang)
    code = base_language(lang)
    day = long_date(local, lang)
    return ReleaseView(
        release=release,
        lang=lang,
        title=release.title,
        chapeau_html=chapeau.html,
        body_html=body.html,
        summary=chapeau.text or body.text[:300],
        date_text=day,
        datetime_text=format_datetime(local, "long", tzinfo=site.settings.zone, locale=code),
        date_line=_place_and_day(site.settings.place, day, lang),
        label=category_label(release.category),
        contact=release.contact_or(site.settings.press_contact),
        images=tuple(resolve_link(site, i.src, i.alt) for i in release.images),
        files=tuple(resolve_link(site, f.url, f.name) for f in release.files),
        warnings=chapeau.warnings + body.warnings,
    )
