"""Saving a release rewrites only the front matter keys that changed, and nothing else.

The checks read results back with the release reader (``parse_front_matter``) and compare line
diffs with ``difflib``, so they hold whatever the editor does inside.
"""

from __future__ import annotations

import difflib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pressroom.frontmatter_edit import (
    DELETE,
    FrontMatterEditError,
    new_release_text,
    set_body,
    update_front_matter,
)
from pressroom.yaml_front import parse_front_matter, split_front_matter
from tests.conftest import DATA, corpus_files

CORPUS_FILES = corpus_files(
    "seed-communique.md",
    "numerique-gouv/communiques",
    "numerique-gouv/duplicates",
    "numerique-gouv/other",
)
corpus_cases = pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)

HAND_WRITTEN = DATA / "frontmatter" / "comments-and-blocks.md"
PARIS_WINTER = timezone(timedelta(hours=1))

SIMPLE = "---\ntitle: Titre\ndate: 2021-11-18 11:07:00 +01:00\ntags:\n- a\n---\n\nLe corps.\n"


def read(path: Path) -> str:
    """The file's exact text (``read_text`` would translate CRLF)."""
    return path.read_bytes().decode("utf-8")


def metadata(text: str) -> dict[str, Any]:
    return parse_front_matter(text.removeprefix("\ufeff")).metadata


def changed_ranges(before: str, after: str) -> list[tuple[int, int]]:
    """0-based ``[start, stop)`` ranges of lines of ``before`` that ``after`` replaced."""
    matcher = difflib.SequenceMatcher(None, before.split("\n"), after.split("\n"), autojunk=False)
    return [(i1, i2) for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"]


def key_range(text: str, key: str) -> tuple[int, int]:
    """0-based lines from ``key`` to the line before the next key (or the closing fence)."""
    lines = parse_front_matter(text).key_lines
    start = lines[key] - 1
    closing = text.split("\n").index("---", 1)
    return start, min([line - 1 for line in lines.values() if line - 1 > start] or [closing])


def assert_only_key_changed(before: str, after: str, key: str) -> None:
    start, stop = key_range(before, key)
    ranges = changed_ranges(before, after)
    assert ranges, "nothing changed"
    assert all(start <= i1 and i2 <= stop for i1, i2 in ranges), (ranges, start, stop)


# -- unchanged means byte-identical ------------------------------------------------------------


@corpus_cases
def test_unchanged_release_is_byte_identical(path: Path) -> None:
    text = read(path)
    assert update_front_matter(text, metadata(text)) == text
    assert update_front_matter(text, {}) == text


@corpus_cases
def test_unchanged_body_is_byte_identical(path: Path) -> None:
    text = read(path)
    after_fence = text.split("\n---\n", 1)[1]
    assert set_body(text, after_fence) == text


@corpus_cases
def test_body_as_the_reader_reports_it_counts_as_unchanged(path: Path) -> None:
    text = read(path)
    parts = split_front_matter(text)
    assert parts is not None
    assert set_body(text, parts[1]) == text


def test_datetime_equal_to_the_date_in_the_file_is_not_rewritten() -> None:
    when = datetime(2021, 11, 18, 11, 7, tzinfo=PARIS_WINTER)
    assert update_front_matter(SIMPLE, {"date": when}) == SIMPLE
    assert update_front_matter(SIMPLE, {"date": when.astimezone(UTC)}) == SIMPLE


def test_dict_with_the_same_items_in_another_order_is_not_rewritten() -> None:
    text = "---\ncontact-presse:\n  name: A\n  email: a@b.fr\n---\n"
    changes = {"contact-presse": {"email": "a@b.fr", "name": "A"}}
    assert update_front_matter(text, changes) == text


def test_true_replaces_a_one_because_jekyll_reads_them_differently() -> None:
    text = "---\npublished: 1\n---\n"
    assert update_front_matter(text, {"published": True}) == "---\npublished: true\n---\n"


# -- a change rewrites only its key's lines ----------------------------------------------------


@corpus_cases
def test_one_field_edit_changes_only_its_lines(path: Path) -> None:
    text = read(path)
    before = parse_front_matter(text)
    after_text = update_front_matter(text, {"title": "Un nouveau titre : « l’État » #1"})
    after = parse_front_matter(after_text)
    assert_only_key_changed(text, after_text, "title")
    assert after.metadata == {**before.metadata, "title": "Un nouveau titre : « l’État » #1"}
    assert list(after.metadata) == list(before.metadata)
    assert after.body == before.body


@corpus_cases
def test_every_key_can_be_rewritten_alone(path: Path) -> None:
    text = read(path)
    before = metadata(text)
    for key in before:
        value = ["ligne 1\nligne 2", {"nom": "Télécharger", "file": "/uploads/x.pdf"}]
        after_text = update_front_matter(text, {key: value})
        assert_only_key_changed(text, after_text, key)
        assert metadata(after_text) == {**before, key: value}


@corpus_cases
def test_deleting_a_key_removes_only_its_lines(path: Path) -> None:
    text = read(path)
    before = metadata(text)
    after_text = update_front_matter(text, {"date": DELETE})
    assert_only_key_changed(text, after_text, "date")
    assert metadata(after_text) == {key: value for key, value in before.items() if key != "date"}


def test_deleting_an_absent_key_changes_nothing() -> None:
    assert update_front_matter(SIMPLE, {"chapeau-text": DELETE}) == SIMPLE


def test_new_key_is_appended_at_the_end_of_the_front_matter() -> None:
    after = update_front_matter(SIMPLE, {"lang": "fr", "published": False})
    assert after == SIMPLE.replace("- a\n---", "- a\nlang: fr\npublished: false\n---")


def test_list_edit_writes_block_items_at_the_key_indentation() -> None:
    after = update_front_matter(SIMPLE, {"tags": ["Forum de l'emploi tech", "- tiret", "a # b"]})
    expected = "tags:\n- Forum de l'emploi tech\n- '- tiret'\n- 'a # b'\n---"
    assert after == SIMPLE.replace("tags:\n- a\n---", expected)


def test_list_of_mappings_is_written_like_the_corpus() -> None:
    images = [{"image": "/uploads/a.png", "alternative-textuelle": "Logo de l’État"}]
    after = update_front_matter(SIMPLE, {"une-ou-diaporama": images})
    assert (
        "une-ou-diaporama:\n- image: /uploads/a.png\n  alternative-textuelle: Logo de l’État\n"
        in (after)
    )
    assert metadata(after)["une-ou-diaporama"] == images


def test_nested_mapping_edit_rewrites_only_the_mapping() -> None:
    text = read(HAND_WRITTEN)
    contact = {"name": "Jean Dupont", "tel": ["01 02 03 04 05"], "email": "jean@example.fr"}
    after = update_front_matter(text, {"contact-presse": contact})
    assert "contact-presse:\n  name: Jean Dupont\n  tel:\n  - 01 02 03 04 05\n" in after
    assert_only_key_changed(text, after, "contact-presse")
    assert metadata(after)["contact-presse"] == contact


def test_datetime_is_written_in_the_corpus_form() -> None:
    when = datetime(2022, 3, 1, 9, 30, tzinfo=PARIS_WINTER)
    after = update_front_matter(SIMPLE, {"date": when, "event": date(2022, 3, 2)})
    assert "\ndate: 2022-03-01 09:30:00 +01:00\n" in after
    assert "\nevent: 2022-03-02\n" in after


def test_duplicate_key_keeps_one_line_with_the_new_value() -> None:
    text = "---\ntitle: Premier\ndate: 2021-01-01\ntitle: Second\n---\n"
    assert (
        update_front_matter(text, {"title": "Neuf"}) == "---\ndate: 2021-01-01\ntitle: Neuf\n---\n"
    )


# -- hand-written front matter: comments, blank lines, block scalars --------------------------

# Lines (0-based) of each key's value in the hand-written file: a comment or blank line after a
# value is not part of it, except inside a block scalar or a "|+" block's kept blank line.
HAND_WRITTEN_SPANS = {
    "title": (2, 5),
    "date": (7, 8),
    "chapeau-text": (8, 13),
    "signature": (14, 17),
    "tags": (17, 18),
    "contact-presse": (18, 25),
    "legacy_field": (25, 28),
    "Key": (28, 29),
}


def test_hand_written_file_has_the_keys_the_spans_name() -> None:
    assert list(metadata(read(HAND_WRITTEN))) == list(HAND_WRITTEN_SPANS)


@pytest.mark.parametrize(("key", "span"), HAND_WRITTEN_SPANS.items())
def test_comments_and_blank_lines_of_other_keys_survive(key: str, span: tuple[int, int]) -> None:
    text = read(HAND_WRITTEN)
    lines = text.split("\n")
    after = update_front_matter(text, {key: "nouvelle valeur"})
    assert after.split("\n") == [*lines[: span[0]], f"{key}: nouvelle valeur", *lines[span[1] :]]
    assert metadata(after) == {**metadata(text), key: "nouvelle valeur"}


def test_multiline_literal_title_is_replaced_whole() -> None:
    text = read(HAND_WRITTEN)
    after = update_front_matter(text, {"title": "Un titre\nsur deux lignes"})
    assert after.startswith("---\n# Written by hand")
    assert "title: |-\n  Un titre\n  sur deux lignes\n\n# The date" in after
    assert "expérimentés" not in after.split("---", 2)[1]


def test_indented_comment_line_inside_a_block_belongs_to_the_block() -> None:
    text = read(HAND_WRITTEN)
    after = update_front_matter(text, {"chapeau-text": "Court."})
    assert "pas un commentaire" not in after
    assert "chapeau-text: Court.\n\nsignature: |+\n" in after


def test_multiline_value_is_written_as_a_literal_block() -> None:
    after = update_front_matter(SIMPLE, {"chapeau-text": "Premier paragraphe.\n\nSecond."})
    assert "chapeau-text: |-\n  Premier paragraphe.\n\n  Second.\n---" in after


# -- newline convention and BOM ----------------------------------------------------------------


def test_crlf_file_stays_crlf() -> None:
    text = SIMPLE.replace("\n", "\r\n")
    changes = {"title": "Deux\nlignes", "tags": ["x", "y"], "new": "z"}
    after = update_front_matter(text, changes)
    assert "\n" not in after.replace("\r\n", "")
    assert metadata(after) == {**metadata(text), **changes}
    assert after.endswith("---\r\n\r\nLe corps.\r\n")


def test_crlf_file_unchanged_is_byte_identical() -> None:
    text = SIMPLE.replace("\n", "\r\n")
    assert update_front_matter(text, metadata(text)) == text


def test_bom_is_kept() -> None:
    text = "\ufeff" + SIMPLE
    after = update_front_matter(text, {"title": "Nouveau"})
    assert after == "\ufeff" + SIMPLE.replace("title: Titre", "title: Nouveau")
    assert set_body(text, "Autre.\n") == "\ufeff" + SIMPLE.replace("\nLe corps.", "Autre.")


# -- values that try to break out --------------------------------------------------------------

PAYLOADS = [
    "x\n---\nevil: 1",
    "x\r\nBcc: y",
    "x\n---\n",
    "---",
    "x\n...\nevil: 1",
    "x\u2028---\u2028evil: 1",
    "fin de ligne  \n---\nevil: 1",
    "x\n\n",
    "\n",
    "title: y",
    "' \" \\ # : - ’ « » é",
    "- item",
    "&ancre *alias !tag %dir @at `tick`",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_attempt_comes_back_as_a_plain_value(payload: str) -> None:
    changes = {"title": payload, "tags": [payload], "contact-presse": {"name": payload}}
    after = update_front_matter(SIMPLE, {**changes, "nouveau": payload})
    front = parse_front_matter(after)
    assert front.metadata == {**metadata(SIMPLE), **changes, "nouveau": payload}
    assert front.body == parse_front_matter(SIMPLE).body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_attempt_in_a_new_release_comes_back_as_a_plain_value(payload: str) -> None:
    text = new_release_text({"title": payload, payload: "clé"}, "Corps\n")
    assert parse_front_matter(text).metadata == {"title": payload, payload: "clé"}


def test_body_cannot_touch_the_front_matter() -> None:
    after = set_body(SIMPLE, "---\nevil: 1\n---\n")
    assert metadata(after) == metadata(SIMPLE)
    assert after.startswith(SIMPLE.split("\n\nLe corps")[0])


VALUES = [
    "texte simple",
    "Numérique : l’État recrute « 300 » postes",
    "a # pas un commentaire",
    "'guillemets' et \"doubles\"",
    "- commence par un tiret",
    "2021-11-18",
    "true",
    "ligne 1\nligne 2",
    "  indenté\net pas",
    "mot " * 60,
    "",
    42,
    -1.5,
    True,
    False,
    None,
    ["a", "b"],
    [],
    [{"file": "/uploads/cp.pdf", "nom": "Télécharger le communiqué de presse"}],
    {"name": "Floriane", "tel": ["01 71 21 12 50 ", "06.10.60.41.19"], "email": None},
    {},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_value_reads_back_as_written(value: Any) -> None:
    after = update_front_matter(SIMPLE, {"title": value, "extra": value})
    assert metadata(after) == {**metadata(SIMPLE), "title": value, "extra": value}


# -- setting the body --------------------------------------------------------------------------


def test_set_body_keeps_the_front_matter_byte_for_byte() -> None:
    text = read(HAND_WRITTEN)
    after = set_body(text, "Nouveau corps.\n")
    assert after == text.split("\n---\n", 1)[0] + "\n---\nNouveau corps.\n"


def test_set_body_follows_the_file_newlines() -> None:
    text = SIMPLE.replace("\n", "\r\n")
    assert set_body(text, "a\nb\r\nc\rd").endswith("---\r\na\r\nb\r\nc\r\nd")


def test_set_body_on_a_file_ending_at_the_fence() -> None:
    assert set_body("---\ntitle: T\n---", "Corps") == "---\ntitle: T\n---\nCorps"


# -- a new release -----------------------------------------------------------------------------


def test_new_release_text_is_jekyll_style_in_the_given_order() -> None:
    text = new_release_text(
        {
            "title": "Numérique : l’État recrute",
            "date": datetime(2021, 11, 18, 11, 7, tzinfo=PARIS_WINTER),
            "categories": ["Communiqué de presse"],
            "tags": ["recrutement", "talents tech"],
            "contact-presse": {"name": "Floriane Beaudron", "tel": ["01 71 21 12 50"]},
            "files": [{"file": "/uploads/CP.pdf", "nom": "Télécharger"}],
            "published": False,
        },
        "\nLe corps.\r\n",
    )
    assert text == (
        "---\n"
        "title: 'Numérique : l’État recrute'\n"
        "date: 2021-11-18 11:07:00 +01:00\n"
        "categories:\n- Communiqué de presse\n"
        "tags:\n- recrutement\n- talents tech\n"
        "contact-presse:\n  name: Floriane Beaudron\n  tel:\n  - 01 71 21 12 50\n"
        "files:\n- file: /uploads/CP.pdf\n  nom: Télécharger\n"
        "published: false\n"
        "---\n"
        "\nLe corps.\n"
    )


def test_new_release_then_unchanged_save_is_byte_identical() -> None:
    meta = {"title": "T", "date": datetime(2024, 1, 2, 3, 4, 5, tzinfo=PARIS_WINTER), "tags": []}
    text = new_release_text(meta, "Corps\n")
    assert update_front_matter(text, meta) == text
    assert set_body(text, "Corps\n") == text


def test_new_release_without_metadata_still_has_fences() -> None:
    assert new_release_text({}, "Corps") == "---\n---\nCorps"


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Pas de front matter\n", "---\ntitle: jamais fermé\n", "\n---\ntitle: T\n---\n"],
    ids=["none", "unclosed", "not-first-line"],
)
def test_text_without_front_matter_is_refused(text: str) -> None:
    with pytest.raises(FrontMatterEditError, match="no front matter"):
        update_front_matter(text, {"title": "T"})
    with pytest.raises(FrontMatterEditError, match="no front matter"):
        set_body(text, "Corps")


def test_unreadable_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(FrontMatterEditError, match="line 3") as caught:
        update_front_matter("---\ntitle: T\ndate: a: b\n---\n", {"title": "U"})
    assert caught.value.line == 3


def test_front_matter_that_is_not_key_value_lines_is_refused() -> None:
    with pytest.raises(FrontMatterEditError, match="'key: value' lines"):
        update_front_matter("---\n{title: T}\n---\n", {"title": "U"})


def test_value_yaml_cannot_hold_is_refused() -> None:
    with pytest.raises(FrontMatterEditError, match="cannot write a value of type object"):
        update_front_matter(SIMPLE, {"title": object()})
