"""The PDF's file name: ``CP_``/``DP_``/``NOTE_``, the title in ASCII capitals, 80 at most."""

from __future__ import annotations

import pytest

from pressroom.pdfname import MAX_NAME_LENGTH, pdf_file_name


@pytest.mark.parametrize(
    ("title", "category", "name"),
    [
        (
            "Numérique : l’État recrute 300 postes lors de son forum de l’emploi tech",
            "Communiqué de presse",
            "CP_NUMERIQUE_L_ETAT_RECRUTE_300_POSTES_LORS_DE_SON_FORUM_DE_L_EMPLOI_TECH.pdf",
        ),
        (
            "88 millions d'euros pour la transformation numérique",
            "Dossier de presse",
            "DP_88_MILLIONS_D_EUROS_POUR_LA_TRANSFORMATION_NUMERIQUE.pdf",
        ),
        ("Œuvres « libres » — bilan…", "Note aux rédactions", "NOTE_OEUVRES_LIBRES_BILAN.pdf"),
        ("Tchap: resolution of a flaw", "Press release", "CP_TCHAP_RESOLUTION_OF_A_FLAW.pdf"),
        ("Un événement", "Événements", "CP_UN_EVENEMENT.pdf"),
        ("Un communiqué sans catégorie", "", "CP_UN_COMMUNIQUE_SANS_CATEGORIE.pdf"),
    ],
)
def test_name_follows_the_press_offices_rule(title: str, category: str, name: str) -> None:
    assert pdf_file_name(title, category) == name


def test_long_title_is_cut_at_a_word_boundary_within_80_characters() -> None:
    title = (
        "Accessibilité numérique : le Gouvernement entérine l’ordonnance visant à contrôler "
        "l’accessibilité des sites des administrations publiques à compter de 2024"
    )
    name = pdf_file_name(title, "Communiqué de presse")
    assert len(name) <= MAX_NAME_LENGTH
    assert name == "CP_ACCESSIBILITE_NUMERIQUE_LE_GOUVERNEMENT_ENTERINE_L_ORDONNANCE_VISANT_A_L.pdf"


def test_title_without_letters_falls_back_to_the_slug() -> None:
    assert pdf_file_name("🔴 !!!", "Communiqué de presse", fallback="alerte") == "CP_ALERTE.pdf"
