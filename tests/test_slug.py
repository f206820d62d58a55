"""Slugs: Jekyll's "pretty" rule for existing files, python-slugify for new releases."""

from __future__ import annotations

import pytest

from pressroom.slug import jekyll_file_slug, jekyll_pretty_slug, new_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("2021-11-18-forum.md", "forum"),
        ("forum.markdown", "forum"),
        ("site-nosdemarches.gouv.fr.markdown", "site-nosdemarches.gouv.fr"),
        ("trailing...md", "trailing"),
    ],
)
def test_file_slug_drops_extension_and_date(name: str, slug: str) -> None:
    assert jekyll_file_slug(name) == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("fonds-de-l'action-publique-:deux-projets", "fonds-de-l'action-publique-deux-projets"),
        ("lance-l’experimentation", "lance-l-experimentation"),
        ("lancement-du-mooc-<<-creer->>", "lancement-du-mooc-creer"),
        ("Lancement-du-site-nosdemarches.gouv.fr", "Lancement-du-site-nosdemarches.gouv.fr"),
        ("Numérique : l’État", "Numérique-l-État"),
        ("-a--b-", "a-b"),
        ("e\u0301te\u0301", "e\u0301te\u0301"),
    ],
)
def test_pretty_slug_matches_jekyll(text: str, slug: str) -> None:
    assert jekyll_pretty_slug(text) == slug


def test_new_slug_is_ascii_lowercase_like_the_corpus_names() -> None:
    # Apostrophes are dropped, as in the corpus's own names ("lemploi", "letat").
    assert new_slug("Numérique : l’État recrute 300 postes") == "numerique-letat-recrute-300-postes"


def test_new_slug_never_empty() -> None:
    assert new_slug("« … »") == "communique"
