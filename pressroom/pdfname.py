"""The file name of a communiqué's PDF, as press offices name theirs: ``CP_TITLE_IN_CAPITALS.pdf``.

Journalists file PDFs by name, so the name says what the document is (``CP_`` communiqué,
``DP_`` dossier, ``NOTE_`` note aux rédactions) and what it is about, in plain ASCII that
every mail client and file system keeps intact.
"""

from __future__ import annotations

from functools import lru_cache

from pressroom.release import Release
from pressroom.render.context import fold
from pressroom.slug import ascii_slug

MAX_NAME_LENGTH = 80
SUFFIX = ".pdf"
DEFAULT_PREFIX = "CP_"
# By category, compared without case or accents; anything else is a communiqué.
PREFIXES = {
    "communique de presse": "CP_",
    "communique": "CP_",
    "press release": "CP_",
    "dossier de presse": "DP_",
    "dossier": "DP_",
    "press kit": "DP_",
    "note aux redactions": "NOTE_",
    "note to editors": "NOTE_",
}
# Apostrophes separate words in French (« l’État »): a separator, not a letter to drop.
_APOSTROPHES = [("'", " "), ("\u2019", " "), ("\u02bc", " ")]


def category_prefix(category: str) -> str:
    """``CP_``, ``DP_`` or ``NOTE_`` for a release category (``CP_`` when unknown)."""
    return PREFIXES.get(" ".join(fold(category).split()), DEFAULT_PREFIX)


def ascii_capitals(text: str, max_length: int) -> str:
    """Text folded to ASCII capitals, other runs turned into ``_``, cut at a word boundary."""
    folded = ascii_slug(
        text,
        separator="_",
        lowercase=False,
        max_length=max_length,
        word_boundary=True,
        replacements=_APOSTROPHES,
    )
    return folded.upper()


@lru_cache(maxsize=4096)
def pdf_file_name(title: str, category: str, fallback: str = "COMMUNIQUE") -> str:
    """The PDF's file name: prefix, title in ASCII capitals, ``.pdf``, at most 80 characters.

    ``fallback`` (e.g. the slug) names a release whose title has no letter or digit at all.
    """
    prefix = category_prefix(category)
    room = MAX_NAME_LENGTH - len(prefix) - len(SUFFIX)
    stem = ascii_capitals(title, room) or ascii_capitals(fallback, room) or "COMMUNIQUE"
    return f"{prefix}{stem}{SUFFIX}"


def release_pdf_name(release: Release) -> str:
    """The file name of a release's PDF (its title, else its slug)."""
    return pdf_file_name(release.title, release.category, fallback=release.slug)
