"""Slugs: Jekyll's for existing files (no link breaks), python-slugify's for new ones."""

from __future__ import annotations

import re
import unicodedata

from slugify import slugify

# Jekyll 4, Utils.slugify(mode: "pretty"): these characters survive besides letters, marks and
# decimal digits; every other run of characters becomes one hyphen.
_PRETTY_KEPT = frozenset("._~!$&'()+,;=@")
_DATE_PREFIX = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)$")


def _kept_by_jekyll(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd" or char in _PRETTY_KEPT


def jekyll_pretty_slug(text: str) -> str:
    """Slugify as Jekyll 4 does in "pretty" mode with ``cased: true``.

    No library reproduces it (Ruby's ``\\p{L}`` classes), hence these few lines.
    """
    out: list[str] = []
    for char in text:
        if _kept_by_jekyll(char):
            out.append(char)
        elif not out or out[-1] != "\x00":
            out.append("\x00")  # placeholder: a run of dropped characters is one hyphen
    slug = "".join(out).replace("\x00", "-")
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


def new_slug(title: str) -> str:
    """A clean ASCII slug for a release created by pressroom."""
    return slugify(title, max_length=80, word_boundary=True) or "communique"


def date_prefix(file_name: str) -> str | None:
    """The ``YYYY-MM-DD`` prefix of a Jekyll file name, if it has one."""
    stem = file_name.rsplit(".", 1)[0]
    match = _DATE_PREFIX.match(stem)
    return match.group(1) if match else None
