"""Upload links found in a text: the fast scan gives what the plain regex of the rule gives."""

from __future__ import annotations

import random
import re

from pressroom.newsroom import _upload_links
from tests.newsroom_sites import CORPUS_RELEASES, TESTS

# The rule, as a regex: what ``_upload_links`` finds, by skipping to each "/uploads/".
RULE = re.compile(r"""(?:\(|["'\s=])(/uploads/[^)"'\s<>]+)""")


def _texts() -> list[str]:
    folders = [TESTS / "data", CORPUS_RELEASES]
    files = [p for folder in folders if folder.is_dir() for p in folder.rglob("*.md")]
    return [p.read_text(encoding="utf-8", errors="replace") for p in files]


def test_scan_matches_the_rule_on_every_test_and_corpus_file() -> None:
    texts = _texts()
    assert any(RULE.findall(text) for text in texts)
    for text in texts:
        assert _upload_links(text) == RULE.findall(text)


def test_scan_matches_the_rule_on_random_texts() -> None:
    rng = random.Random(3)
    pieces = [
        "/uploads/",
        "a.pdf",
        "(",
        ")",
        '"',
        "'",
        " ",
        "\n",
        "\u00a0",
        "\x1c",
        "=",
        "<",
        ">",
        "x",
        "é",
        "/",
    ]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 14)))
        assert _upload_links(text) == RULE.findall(text), text


def test_scan_of_an_empty_text() -> None:
    assert _upload_links("") == []
    assert _upload_links("/uploads/a.pdf") == []  # nothing opens it
