"""Interface translations: English message ids, French by default, from ``.po`` catalogues.

Catalogues are compiled on first use, so a checkout needs no build step; the compiled ``.mo``
is kept in ``translations/__pycache__/`` (as Python keeps its bytecode), named after the
versions of the ``.po`` files, so that later processes start without parsing them again.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog
    from babel.support import NullTranslations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SUPPORTED_LANGUAGES = ("fr", "en")


@lru_cache(maxsize=4096)
def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """A number as readers of the language write it: "1 053" or "2,5" in French, "1,053" or
    "2.5" in English.

    Kept: every listing page of a build shows its count, and Babel takes 20 µs to format one.
    """
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=base_language(lang))


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
    # Imported here, with Babel: a cold build reads its releases, which needs no catalogue,
    # while it loads them.
    from babel.support import NullTranslations, Translations

    code = base_language(lang)
    if code == "en":
        return NullTranslations()
    sources = sorted((TRANSLATIONS_DIR / code / "LC_MESSAGES").glob("*.po"))
    if not sources:
        return NullTranslations()
    versions = [(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sources]
    key = hashlib.sha256(repr(versions).encode()).hexdigest()[:16]
    compiled = TRANSLATIONS_DIR / "__pycache__" / f"{code}-{key}.mo"
    try:
        data = compiled.read_bytes()
    except OSError:
        data = _compile(sources, code)
        _keep(compiled, data)
    return Translations(io.BytesIO(data))


def _compile(sources: list[Path], code: str) -> bytes:
    """One ``.mo`` of every message of the language's ``.po`` files (later files win)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged: Catalog | None = None
    for po in sources:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id:
                merged[message.id] = message
    assert merged is not None  # the caller gives at least one file
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    return buffer.getvalue()


def _keep(path: Path, data: bytes) -> None:
    """Save the compiled catalogue when the folder is writable; without it, compile again."""
    try:
        path.parent.mkdir(exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
        for old in path.parent.glob(path.name.split("-")[0] + "-*.mo"):
            if old != path:
                old.unlink(missing_ok=True)  # the catalogue of .po files since changed
    except OSError:
        return


def gettext(lang: str, message: str) -> str:
    """Translate one interface string."""
    return translations(lang).ugettext(message)


def ngettext(lang: str, singular: str, plural: str, count: int) -> str:
    """Translate a string whose form depends on a count (``1 destinataire``, ``0 destinataire``)."""
    return translations(lang).ungettext(singular, plural, count)


def counted(lang: str, singular: str, plural: str, count: int) -> str:
    """``{count}`` in the form its count asks for, the count as the language writes numbers:
    "1 page écrite", "1 755 pages inchangées"."""
    return ngettext(lang, singular, plural, count).format(count=format_number(count, lang))


def localized_error(error: Exception, lang: str) -> str:
    """An error's message in an interface language when it carries an English msgid (the
    services' errors with a ``localized`` method), else its text as raised."""
    localized = getattr(error, "localized", None)
    return str(localized(lang)) if callable(localized) else str(error)
