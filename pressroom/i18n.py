"""Interface translations: English message ids, French by default, from ``.po`` catalogues.

Catalogues are compiled in memory on first use, so a checkout needs no build step.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SUPPORTED_LANGUAGES = ("fr", "en")


def base_language(lang: str) -> str:
    """``fr-FR`` → ``fr``; anything unknown → ``fr``, the default interface language."""
    code = (lang or "fr").replace("_", "-").split("-")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else "fr"


@cache
def translations(lang: str) -> NullTranslations:
    """The gettext catalogue for an interface language (English ids need none).

    Every ``*.po`` file of the language is merged, so each part of the interface keeps its
    own catalogue file (``messages.po``, ``newsroom.po``, ``pdf.po``...).
    """
    code = base_language(lang)
    folder = TRANSLATIONS_DIR / code / "LC_MESSAGES"
    merged: NullTranslations = NullTranslations()
    if code == "en":
        return merged
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        if isinstance(merged, Translations):
            merged.merge(part)
        else:
            merged = part
    return merged


def gettext(lang: str, message: str) -> str:
    """Translate one interface string."""
    return translations(lang).ugettext(message)


def ngettext(lang: str, singular: str, plural: str, count: int) -> str:
    """Translate a string whose form depends on a count (``1 destinataire``, ``0 destinataire``)."""
    return translations(lang).ungettext(singular, plural, count)


def localized_error(error: Exception, lang: str) -> str:
    """An error's message in an interface language when it carries an English msgid (the
    services' errors with a ``localized`` method), else its text as raised."""
    localized = getattr(error, "localized", None)
    return str(localized(lang)) if callable(localized) else str(error)
