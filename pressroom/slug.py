"""Slugs: Jekyll's for existing files (no link breaks), python-slugify's for new ones."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from slugify import slugify

# Jekyll 4, Utils.slugify(mode: "pretty"): these characters survive besides letters, marks and
# decimal digits; every other run of characters becomes one hyphen.
_PRETTY_KEPT = frozenset("._~!$&'()+,;=@")
_DATE_PREFIX = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)$")


def _kept_by_jekyll(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd" or char in _PRETTY_KEPT


class _PrettyTable(dict[int, int]):
    """``str.translate`` table: a kept character to itself, a dropped one to NUL.

    Filled as characters are first met, so a thousand slugs cost a few hundred Unicode
    look-ups instead of one Python call per character.
    """

    def __missing__(self, code: int) -> int:
        value = code if _kept_by_jekyll(chr(code)) else 0
        if len(self) < _TABLE_LIMIT:  # a hostile name cannot grow it without bound
            self[code] = value
        return value


_TABLE_LIMIT = 65_536
_PRETTY_TABLE = _PrettyTable()
_DROPPED_RUN = re.compile("\x00+")
# ASCII runs of kept characters joined by single hyphens: what the slug of such a text is.
_ALREADY_PRETTY = re.compile(r"[A-Za-z0-9._~!$&'()+,;=@]+(?:-[A-Za-z0-9._~!$&'()+,;=@]+)*")


def jekyll_pretty_slug(text: str) -> str:
    """Slugify as Jekyll 4 does in "pretty" mode with ``cased: true``.

    No library reproduces it (Ruby's ``\\p{L}`` classes), hence these few lines.
    """
    if _ALREADY_PRETTY.fullmatch(text):  # most file names: words joined by single hyphens
        return text
    # A run of dropped characters (NUL included) is one hyphen.
    slug = _DROPPED_RUN.sub("-", text.translate(_PRETTY_TABLE))
    # Jekyll's gsub!(/^-|-$/) drops one leading and one trailing hyphen.
    if slug.startswith("-"):
        slug = slug[1:]
    if slug.endswith("-"):
        slug = slug[:-1]
    return slug


def jekyll_file_slug(file_name: str) -> str:
    """The slug Jekyll derives from a collection file's name (no extension, no date prefix)."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    match = _DATE_PREFIX.match(stem)
    if match:
        stem = match.group(2)
    return stem.rstrip(".")


def ascii_slug(text: str, **options: Any) -> str:
    """python-slugify's slug, always transliterated by text-unidecode (its dependency): by
    default it prefers Unidecode when some other package installs it, and slugs, hence URLs
    and file names, would change with the machine. Naming the backend also spares each call
    a failed ``import unidecode``."""
    return slugify(text, backend="text-unidecode", **options)


def new_slug(title: str) -> str:
    """A clean ASCII slug for a release created by pressroom."""
    return ascii_slug(title, max_length=80, word_boundary=True) or "communique"


def date_prefix(file_name: str) -> str | None:
    """The ``YYYY-MM-DD`` prefix of a Jekyll file name, if it has one."""
    stem = file_name.rsplit(".", 1)[0]
    match = _DATE_PREFIX.match(stem)
    return match.group(1) if match else None
