"""Counts in the interface: the form the number asks for, the number as the language writes it."""

from __future__ import annotations

import pytest

from pressroom.i18n import counted

PAGES = ("{count} page written", "{count} pages written")


@pytest.mark.parametrize(
    ("lang", "count", "said"),
    [
        ("fr", 0, "0 page écrite"),  # French counts 0 as one
        ("fr", 1, "1 page écrite"),
        ("fr", 2, "2 pages écrites"),
        ("fr", 1755, "1\u202f755 pages écrites"),  # a narrow no-break space, as CLDR writes it
        ("en", 0, "0 pages written"),
        ("en", 1, "1 page written"),
        ("en", 1755, "1,755 pages written"),
    ],
)
def test_a_count_takes_its_form_and_its_digits_from_the_language(
    lang: str, count: int, said: str
) -> None:
    assert counted(lang, *PAGES, count) == said
