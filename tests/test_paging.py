"""Pagers of long listings: the first, the last and the pages around the current one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pressroom.paging import page_count, page_window
from pressroom.web import create_app
from tests.newsroom_sites import CORPUS_RELEASES, corpus_site


@pytest.mark.parametrize(
    ("current", "count", "expected"),
    [
        (1, 1, [1]),
        (1, 2, [1, 2]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),  # a gap of one page shows that page
        (10, 10, [1, None, 8, 9, 10]),
        (44, 88, [1, None, 42, 43, 44, 45, 46, None, 88]),
        (3, 7, [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_page_window(current: int, count: int, expected: list[int | None]) -> None:
    assert page_window(current, count) == expected


def test_every_page_is_reachable_through_the_pagers() -> None:
    count = 88
    reached, todo = {1}, [1]
    while todo:
        for number in page_window(todo.pop(), count):
            if number is not None and number not in reached:
                reached.add(number)
                todo.append(number)
    assert reached == set(range(1, count + 1))


def test_page_count_of_an_empty_list_is_one() -> None:
    assert page_count(0, 12) == 1


@pytest.mark.skipif(not CORPUS_RELEASES.is_dir(), reason="corpus not available")
def test_corpus_listing_pager_is_windowed(tmp_path: Path) -> None:
    site = corpus_site(tmp_path)
    client = create_app(site, {"TESTING": True, "SECRET_KEY": "test"}).test_client()
    html = client.get("/espace-presse/").get_data(as_text=True)
    pager = html[html.index('<nav class="pagination"') :]
    pager = pager[: pager.index("</nav>")]
    numbers = re.findall(r">(\d+)</a>", pager)
    last = int(numbers[-1])
    assert last >= 5, "the corpus fills more pages than the window shows"
    assert numbers == ["1", "2", "3", str(last)]
    assert '<li class="gap" aria-hidden="true">…</li>' in pager
    assert client.get(f"/espace-presse/page/{last}/").status_code == 200
