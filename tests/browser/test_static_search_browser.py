"""The export's search (``static/search.js`` over its split index) in Debian's Chromium.

The corpus is exported once and served by a plain static server; each query must list the
releases the server's search lists, in the same order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from pressroom.build import build_site
from pressroom.config import Site
from pressroom.search import SearchIndexCache
from pressroom.store import load_catalog
from tests.browser.conftest import axe_violations, horizontal_overflow
from tests.newsroom_sites import CORPUS_RELEASES, small_site
from tests.servers import serving_files

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CORPUS_RELEASES.is_dir(), reason="corpus not available"),
]
SEARCH = "/espace-presse/recherche/"


def _results(page: Any, base: str, query: str) -> list[str]:
    page.goto(base + SEARCH + "?q=" + quote(query))
    page.wait_for_selector("#search-results > p")
    links = page.eval_on_selector_all(
        "#search-results li h2 a", "links => links.map(a => a.getAttribute('href'))"
    )
    return [unquote(link) for link in links]


@pytest.mark.parametrize(
    "query",
    ["numerique", "etat", "numer", "France services", "e", "données publiques 2021", "Œuvre"],
)
def test_static_search_lists_what_the_server_search_lists(
    corpus_export: tuple[Site, Path], static_server: str, browser_page: Any, query: str
) -> None:
    site, _ = corpus_export
    now = datetime.now(UTC)
    found = SearchIndexCache().get(load_catalog(site)).search(query, now)
    expected = [r.url for r in found.releases]
    assert _results(browser_page, static_server, query) == expected
    count = browser_page.inner_text("#search-results > p")
    if expected:
        assert count.startswith(("1 communiqué trouvé", f"{len(expected)} communiqués trouvés"))
    else:
        assert count == "Aucun communiqué ne correspond à votre recherche."


def test_static_search_reads_only_the_index_files_of_its_words(
    static_server: str, browser_page: Any
) -> None:
    read: list[str] = []
    browser_page.on("request", lambda request: read.append(request.url.rsplit("/", 1)[-1]))
    assert _results(browser_page, static_server, "numerique etat")
    index_files = sorted(name for name in read if name.endswith(".json"))
    assert index_files == ["docs-0.json", "keys.json", "w-et.json", "w-nu.json"]


def test_static_search_says_when_nothing_matches(static_server: str, browser_page: Any) -> None:
    assert _results(browser_page, static_server, "zanzibar") == []
    text = browser_page.inner_text("#search-results")
    assert text == "Aucun communiqué ne correspond à votre recherche."


def test_static_search_says_when_its_index_cannot_be_read(
    static_server: str, browser_page: Any
) -> None:
    browser_page.route("**/index/w-nu.json", lambda route: route.abort())
    assert _results(browser_page, static_server, "numerique") == []
    assert "La recherche est indisponible" in browser_page.inner_text("#search-results")


def test_static_search_from_the_keyboard_is_accessible(
    static_server: str, browser_page: Any
) -> None:
    browser_page.goto(static_server + SEARCH)
    browser_page.get_by_label("Mots à chercher", exact=False).fill("cybersécurité")
    browser_page.keyboard.press("Enter")
    browser_page.wait_for_selector("#search-results li")
    assert axe_violations(browser_page) == []
    browser_page.set_viewport_size({"width": 320, "height": 800})
    assert horizontal_overflow(browser_page) <= 0


def test_static_search_says_how_many_match_beyond_those_listed(
    tmp_path: Path, browser_page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pressroom.search.MAX_RESULTS", 1)  # written into keys.json
    out = tmp_path / "out"
    build_site(small_site(tmp_path / "site"), out, pdf=False, now=datetime(2025, 1, 1, tzinfo=UTC))
    with serving_files(out) as base:
        assert len(_results(browser_page, base, "communique")) == 1
        count = browser_page.inner_text("#search-results > p")
        assert count.endswith("communiqués trouvés ; les 1 premiers sont affichés.")


def test_static_search_folds_letters_as_the_server_does(tmp_path: Path, browser_page: Any) -> None:
    """Python's casefold() is not JavaScript's toLowerCase() for "ß" and the final sigma."""
    site = small_site(tmp_path / "site")
    release = "---\ntitle: Straße und Λόγος\ndate: 2024-01-01 10:00:00 +01:00\n---\nTexte.\n"
    (site.releases_dir / "2024-01-01-strasse.md").write_text(release, encoding="utf-8")
    out = tmp_path / "out"
    now = datetime(2025, 1, 1, tzinfo=UTC)
    build_site(site, out, pdf=False, now=now)
    index = SearchIndexCache().get(load_catalog(site))
    with serving_files(out) as base:
        for query in ("STRASSE", "straße", "λογος", "ΛΌΓΟΣ"):
            expected = [r.url for r in index.search(query, now).releases]
            assert expected == ["/espace-presse/strasse/"], query
            assert _results(browser_page, base, query) == expected, query
