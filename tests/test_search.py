"""Search over title, chapeau and body, ignoring case and accents; drafts never found."""

from __future__ import annotations

import gc
import json
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from pressroom.config import Site
from pressroom.i18n import format_number
from pressroom.release import Release
from pressroom.search import MAX_RESULTS, SearchIndexCache, document, query_terms, words
from pressroom.search_static import StaticSearchIndex, shard_file, static_search_files
from pressroom.store import Catalog, ReleaseStore
from pressroom.web import create_app, state
from pressroom.web.public import SERVING_GC_THRESHOLD, settle_memory, warm_up
from tests.newsroom_sites import corpus_site, small_site

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return small_site(tmp_path / "site")


def titles(site: Site, query: str, now: datetime = NOW) -> list[str]:
    catalog = ReleaseStore(site).load()
    return [r.title for r in SearchIndexCache().get(catalog).search(query, now).releases]


def test_unaccented_query_finds_accented_word(site: Site) -> None:
    assert "Premier communiqué : l’État ouvre son espace presse" in titles(site, "etat")


def test_search_ignores_case(site: Site) -> None:
    assert titles(site, "TCHAP") == ["Tchap security flaw resolved"]


def test_query_word_matches_the_start_of_words(site: Site) -> None:
    assert "Deuxième communiqué sur la souveraineté numérique" in titles(site, "souverain")


def test_every_query_word_must_match(site: Site) -> None:
    assert titles(site, "cloud tchap") == []


def test_search_reads_the_chapeau(site: Site) -> None:
    assert titles(site, "heures") == []  # only the embargoed release says it
    assert titles(site, "administration") == ["Deuxième communiqué sur la souveraineté numérique"]


def test_search_reads_the_body(site: Site) -> None:
    assert titles(site, "bilan") == ["Bilan de l’année 2021"]


def test_draft_is_not_found(site: Site) -> None:
    assert titles(site, "zanzibar") == []


def test_embargoed_release_is_found_once_public(site: Site) -> None:
    assert titles(site, "kilimandjaro") == []
    later = datetime(2030, 2, 1, tzinfo=UTC)
    assert titles(site, "kilimandjaro", later) == ["Annonce sous embargo kilimandjaro"]


def test_title_matches_rank_first(site: Site) -> None:
    assert titles(site, "communique")[0].startswith(("Premier", "Deuxième"))


def test_markup_is_not_searched() -> None:
    assert "uploads" not in words("[lien](/uploads/x.pdf) {: .encadre} <b>gras</b>")


def test_emphasis_and_entities_are_searched_as_read() -> None:
    found = words("Le _numérique_ et __l’open data__ : &eacute;t&eacute; &#233;t&#233; AT&amp;T")
    assert {"numerique", "open", "data", "ete", "at", "t"} <= found
    assert not any("_" in word for word in found)
    assert query_terms("open_data") == ["open", "data"]


def test_query_terms_are_folded_and_unique() -> None:
    assert query_terms("État, état ÉTAT numérique") == ["etat", "numerique"]


def test_index_is_rebuilt_only_when_the_catalog_changes(site: Site) -> None:
    store = ReleaseStore(site)
    cache = SearchIndexCache()
    first = cache.get(store.load())
    assert cache.get(store.load()) is first
    (site.releases_dir / "nouveau.md").write_text("---\ntitle: Nouveau\ndate: 2024-01-01\n---\n")
    second = cache.get(store.load())
    assert second is not first
    paths = {doc.release.path: doc for doc in second.documents.values()}
    assert paths["releases/nouveau.md"].release.title == "Nouveau"
    assert [r.title for r in second.search("nouveau", NOW).releases] == ["Nouveau"]
    assert first.search("nouveau", NOW).total == 0  # an index a request holds does not change


QUERIES = ["numerique", "etat", "numer", "france services", "e", "donnees publiques", "xylo"]


def test_index_updated_after_edits_answers_as_an_index_made_anew(tmp_path: Path) -> None:
    """The server updates its index for the releases that changed; every answer must be the
    one an index of the whole catalog, made anew, gives."""
    site = corpus_site(tmp_path / "site")
    store = ReleaseStore(site, recheck=0)
    cache = SearchIndexCache()
    cache.get(store.load())
    files = sorted(p for p in site.releases_dir.rglob("*") if p.suffix in (".md", ".markdown"))
    rng = random.Random(3)
    for step in range(6):
        for path in rng.sample(files, 2):
            text = path.read_text(encoding="utf-8")
            if step % 3 == 2:  # a word taken out of a title and a body
                text = text.replace("numérique", "digital")
            else:
                text = text.rstrip("\n") + f"\n\nXylophone {step} données.\n"
            path.write_text(text, encoding="utf-8")
            os.utime(path, ns=(step * 10**9, step * 10**9))
        if step == 3:
            files[0].unlink()  # a release removed
            files = files[1:]
        catalog = store.load()
        updated = cache.get(catalog)
        anew = SearchIndexCache().get(catalog)
        for query in QUERIES:
            assert updated.search(query, NOW) == anew.search(query, NOW), (step, query)


def test_search_page_lists_results(site: Site) -> None:
    web: FlaskClient = create_app(site, {"TESTING": True, "SECRET_KEY": "t"}).test_client()
    html = web.get("/espace-presse/recherche?q=etat").get_data(as_text=True)
    assert "1 communiqué trouvé" in html
    assert 'href="/espace-presse/premier-communique/"' in html


def test_search_page_says_how_many_match_beyond_those_listed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pressroom.search.MAX_RESULTS", 1)
    web: FlaskClient = create_app(site, {"TESTING": True, "SECRET_KEY": "t"}).test_client()
    html = web.get("/espace-presse/recherche?q=communique").get_data(as_text=True)
    assert "communiqués trouvés ; les 1 premiers sont affichés." in html
    assert html.count('class="entry"') == 1


def test_counts_are_written_as_readers_of_the_language_write_them() -> None:
    assert format_number(1053, "fr") == "1\u202f053"
    assert format_number(1053, "en") == "1,053"
    assert format_number(7, "fr-FR") == "7"


def test_empty_search_result_says_so(site: Site) -> None:
    web: FlaskClient = create_app(site, {"TESTING": True, "SECRET_KEY": "t"}).test_client()
    html = web.get("/espace-presse/recherche?q=zanzibar").get_data(as_text=True)
    assert "Aucun communiqué ne correspond à votre recherche." in html


def _ranked_one_by_one(catalog: Catalog, query: str, now: datetime) -> list[str]:
    """The ranking spelled out release by release: the oracle of the indexed search."""
    terms = query_terms(query)
    found = []
    for release in catalog.releases:  # newest first: ties stay in this order
        doc = document(release)
        if release.is_public(now) and all(
            any(w.startswith(t) for w in doc.all_words) for t in terms
        ):
            in_title = sum(any(w.startswith(t) for w in doc.title_words) for t in terms)
            found.append((in_title, release.date, release.url))
    found.sort(key=lambda hit: (hit[0], hit[1]), reverse=True)
    return [url for _, _, url in found]


@pytest.mark.parametrize(
    "query", ["numerique", "etat", "numer", "france services", "e", "donnees publiques", "zzq"]
)
def test_indexed_search_ranks_the_corpus_as_one_by_one(tmp_path: Path, query: str) -> None:
    catalog = ReleaseStore(corpus_site(tmp_path / "site")).load()
    found = SearchIndexCache().get(catalog).search(query, NOW)
    expected = _ranked_one_by_one(catalog, query, NOW)
    assert [r.url for r in found.releases] == expected[:MAX_RESULTS]
    assert found.total == len(expected)


def test_words_kept_from_reading_the_files_index_as_the_texts_do(tmp_path: Path) -> None:
    """The server indexes the words worked out when a file was read (and kept in instance/
    between starts) instead of reading every text again: they must be the very same."""
    site = corpus_site(tmp_path / "site")
    store = ReleaseStore(site, persist=True)  # the web app's: it keeps the words
    catalog = store.load()
    for release in catalog.releases:
        known = store.words_of(release)
        assert known is not None
        assert document(release, known) == document(release), release.path
    other = ReleaseStore(site).load().releases[0]  # the same file, read by another store
    assert store.words_of(other) is None
    query = "numerique"
    from_words = SearchIndexCache().get(catalog, store.words_of).search(query, NOW)
    assert from_words == SearchIndexCache().get(catalog).search(query, NOW)


def _row(url: str, title: str, text: str) -> list[str]:
    title_words = " ".join(sorted(words(title)))
    return [
        url,
        title,
        "1 janvier 2025",
        "Communiqué",
        "",
        " ".join(sorted(words(title + " " + text))),
        title_words,
    ]


def test_static_index_files_hold_each_word_under_its_first_two_letters() -> None:
    rows = [
        _row("/a/", "Numérique", "œuvre commune"),
        _row("/b/", "Autre", "le numérique, une œuvre"),
        _row("/c/", "Numéros", "x"),
    ]
    files = {name: json.loads(data) for name, data in static_search_files(rows).items()}
    keys = files["keys.json"]
    assert keys["count"] == 3
    assert keys["keys"]["nu"] == "w-nu.json"
    # Numbers are row numbers coded as differences: 0 and 1 → [0, 1]; 0 and 2 → [0, 2].
    assert files["w-nu.json"]["w"] == {"numerique": [0, 1], "numeros": [2]}
    assert files["w-nu.json"]["t"] == {"numerique": [0], "numeros": [2]}
    # A key outside ASCII is named by its UTF-8 in hexadecimal.
    assert keys["keys"]["œu"] == "w-uc59375.json" == shard_file("œu")
    assert files["w-uc59375.json"]["w"] == {"œuvre": [0, 1]}
    assert files["docs-0.json"][1] == ["/b/", "Autre", "1 janvier 2025", "Communiqué", ""]


def test_static_index_results_are_in_files_of_a_few_hundred(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("pressroom.search_static.DOCS_PER_FILE", 2)
    rows = [_row(f"/{n}/", f"Titre {n}", "texte") for n in range(5)]
    files = {name: json.loads(data) for name, data in static_search_files(rows).items()}
    assert files["keys.json"]["docs"] == 2
    assert [[row[0] for row in files[f"docs-{k}.json"]] for k in range(3)] == [
        ["/0/", "/1/"],
        ["/2/", "/3/"],
        ["/4/"],
    ]
    assert files["w-te.json"]["w"] == {"texte": [0, 1, 1, 1, 1]}


def test_static_index_updated_in_place_is_the_index_made_anew() -> None:
    """A watch updates the index after an edit; the files must be those of a fresh build."""
    rng = random.Random(7)
    vocabulary = [f"{a}{b}{c}" for a in "abcé" for b in "lmnœ" for c in "xyz"] + ["a", "é"]

    def row(number: int) -> list[str]:
        text = " ".join(rng.sample(vocabulary, rng.randint(0, 12)))
        return _row(f"/{number}/", " ".join(rng.sample(vocabulary, rng.randint(0, 2))), text)

    rows = [row(n) for n in range(40)]
    index = StaticSearchIndex()
    index.files(rows)
    for _ in range(60):
        rows = list(rows)
        for number in rng.sample(range(len(rows)), rng.randint(1, 2)):
            rows[number] = row(number)
        assert index.files(rows) == static_search_files(rows)


def test_warm_up_indexes_before_the_first_search(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(site, {"TESTING": True, "SECRET_KEY": "t"})
    warm_up(app)
    indexed: list[Release] = []
    monkeypatch.setattr("pressroom.search.document", lambda r, known=None: indexed.append(r))
    html = app.test_client().get("/espace-presse/recherche?q=etat").get_data(as_text=True)
    assert "Premier communiqué" in html
    assert indexed == []  # the warm-up did it


def test_a_restarted_web_app_starts_from_what_the_last_one_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web app's store keeps the parsed corpus in instance/; the next app reads no file,
    and searches the words kept with them as the first searched the texts."""
    monkeypatch.setattr("pressroom.store.SAVE_AFTER_READING", 50)
    site = corpus_site(tmp_path / "site")
    settings = {"TESTING": True, "SECRET_KEY": "t"}
    first = create_app(site, settings)
    assert warm_up(first) is not None
    with first.app_context():
        assert len(state.store().read) > 50
    before = first.test_client().get("/espace-presse/recherche?q=numerique").get_data()
    restarted = create_app(site, settings)
    assert warm_up(restarted) is not None
    with restarted.app_context():
        assert state.store().read == []
    after = restarted.test_client().get("/espace-presse/recherche?q=numerique").get_data()
    assert after == before


def test_a_search_checks_the_releases_once(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing's filters and the results come from one state of the releases, checked
    once: just after a save each check reads every file's time (5,000 at a time)."""
    app = create_app(site, {"TESTING": True, "SECRET_KEY": "t"})
    checks = []
    current = ReleaseStore.current

    def counted(store: ReleaseStore) -> Catalog:
        checks.append(store)
        return current(store)

    monkeypatch.setattr(ReleaseStore, "current", counted)
    response = app.test_client().get("/espace-presse/recherche?q=etat")
    assert response.status_code == 200
    assert len(checks) == 1


def test_a_warmed_up_server_leaves_what_it_loaded_to_reference_counting(site: Site) -> None:
    app = create_app(site, {"TESTING": True, "SECRET_KEY": "t"})
    threshold = gc.get_threshold()
    try:
        warm_up(app)
        settle_memory()
        assert gc.get_freeze_count() > 0  # what the warm-up loaded: out of the collector's walks
        assert gc.get_threshold() == SERVING_GC_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_failed_warm_up_is_logged_and_the_server_goes_on(
    site: Site, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(site, {"TESTING": True, "SECRET_KEY": "t"})

    def unreadable(_catalog: Catalog) -> None:
        raise OSError("disque illisible")

    monkeypatch.setattr(SearchIndexCache, "get", lambda self, catalog, words: unreadable(catalog))
    warm_up(app)
    assert "warm-up failed" in caplog.text
