"""The theme's fonts have a glyph for every letter and punctuation mark the corpus uses."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from tests.conftest import CORPUS, REPO

FONTS = REPO / "templates" / "fonts"
FONT_FILES = sorted(p for p in FONTS.rglob("*") if p.suffix in (".woff", ".woff2"))
# What French typography and our own rendering add: quotes, dashes, the ellipsis, the no-break
# spaces French spacing inserts (U+00A0, U+202F), ligatures, the euro, a combining accent.
REQUIRED = "«»‘’“”–—…\u00a0\u202fœŒæÆ€°№ÀÂÇÉÈÊËÎÏÔÙÛÜŸàâçéèêëîïôùûüÿ\u0301•"
# Pictographs (the corpus has one 🔴) may fall back to a system font.
_PICTOGRAPH = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


def corpus_characters() -> set[str]:
    """Every character of the corpus's releases (NFC, as the core normalises them)."""
    chars: set[str] = set(REQUIRED)
    if CORPUS.is_dir():
        for path in CORPUS.rglob("*"):
            if path.suffix in (".md", ".markdown"):
                text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
                chars.update(text)
    return {c for c in chars if c.isprintable() and c not in "\t\n" and not _PICTOGRAPH.match(c)}


def test_theme_ships_two_families_in_four_styles_each() -> None:
    assert len(FONT_FILES) == 8
    css = (FONTS / "fonts.css").read_text(encoding="utf-8")
    assert css.count('font-family: "Pressroom Sans";') == 4
    assert css.count('font-family: "Pressroom Serif";') == 4


def test_theme_fonts_stay_light() -> None:
    assert sum(p.stat().st_size for p in FONT_FILES) < 2_000_000


def test_every_font_has_its_licence() -> None:
    for path in FONT_FILES:
        assert "SIL Open Font License" in (path.parent / "OFL.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", FONT_FILES, ids=lambda p: p.name)
def test_font_covers_every_character_of_the_corpus(path: Path) -> None:
    cmap = TTFont(path).getBestCmap()
    missing = sorted(c for c in corpus_characters() if ord(c) not in cmap and c != " ")
    assert missing == []
