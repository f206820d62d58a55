"""Slugs: Jekyll's "pretty" rule for existing files, python-slugify for new releases."""

from __future__ import annotations

import sys
import types

import pytest

from pressroom.newsroom import term_slug
from pressroom.pdfname import pdf_file_name
from pressroom.slug import jekyll_file_slug, jekyll_pretty_slug, new_slug
from pressroom.uploads import safe_stem


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


def test_slugs_stay_the_same_when_another_package_installs_unidecode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python-slugify prefers Unidecode when present: URLs and file names would change with
    the machine. A stand-in that transliterates everything to "x" must change nothing."""
    stand_in = types.ModuleType("unidecode")
    stand_in.unidecode = lambda text, *args, **kwargs: "x" * len(text)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unidecode", stand_in)
    assert new_slug("L’État numérique") == "letat-numerique"
    assert term_slug("Données personnelles") == "donnees-personnelles"
    assert safe_stem("Dossier de presse été.pdf") == "dossier-de-presse-ete"
    assert pdf_file_name("Un État plus ouvert", "Communiqué de presse").startswith(
        "CP_UN_ETAT_PLUS_OUVERT"
    )
