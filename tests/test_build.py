"""The static export: the same public site as files, incremental, served by a plain server."""

from __future__ import annotations

import itertools
import json
import shutil
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import feedparser
import pytest
from click.testing import CliRunner

from pressroom import markdown, pages
from pressroom.build import MAKING_PDFS, READING, SEARCH_INDEX_URL, WRITING, build_site
from pressroom.buildcache import BuildMemory, ReleaseCache
from pressroom.cli import cli
from pressroom.cli.build import StageBars
from pressroom.config import Site, load_site
from pressroom.markdown import plain_text
from pressroom.pdfsupport import pdf_available
from pressroom.release import Release
from pressroom.search_static import static_row
from pressroom.store import load_catalog
from tests.newsroom_sites import TESTS, small_site
from tests.static_index import INDEX, shown_rows

BASE = "https://presse.example.org"
PREMIER = "/espace-presse/premier-communique/"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
NO_CHAPEAU = TESTS / "data" / "watch" / "2023-06-01-sans-chapeau.md"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in ("href", "src"):
                self.links.append(value)


def _fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except HTTPError as error:
        error.close()
        return error.code, b"", ""


def crawl(root: str, start: str) -> tuple[set[str], list[tuple[str, str]]]:
    """Every internal link reachable from ``start``; returns (pages seen, broken links)."""
    seen: set[str] = set()
    broken: list[tuple[str, str]] = []
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        status, body, kind = _fetch(root + path)
        if status != 200:
            broken.append((path, str(status)))
            continue
        if kind != "text/html":
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for link in parser.links:
            if link.startswith(BASE):
                link = link[len(BASE) :]
            target = urldefrag(urljoin(path, link))[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/"):
                continue  # mailto:, tel:, other sites
            if target not in seen:
                queue.append(target)
    return seen, broken


def test_export_has_no_broken_internal_link(static_server: str) -> None:
    seen, broken = crawl(static_server, "/espace-presse/")
    assert broken == []
    assert len(seen) > 100


def test_every_public_release_is_exported(corpus_export: tuple[Site, Path]) -> None:
    site, out = corpus_export
    for release in load_catalog(site).public(datetime.now(UTC)):
        page = out / release.url.lstrip("/") / "index.html"
        assert release.title in plain_text(page.read_text(encoding="utf-8"))


def test_drafts_are_not_exported(corpus_export: tuple[Site, Path]) -> None:
    site, out = corpus_export
    drafts = [r for r in load_catalog(site).releases if not r.published]
    assert drafts
    for draft in drafts:
        assert not (out / draft.url.lstrip("/")).exists()


def test_exported_feed_parses_and_lists_the_newest(
    static_server: str, corpus_export: tuple[Site, Path]
) -> None:
    site, _ = corpus_export
    status, body, _kind = _fetch(static_server + "/espace-presse/feed.xml")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo
    newest = load_catalog(site).public(datetime.now(UTC))[:5]
    assert [e.link for e in feed.entries[:5]] == [BASE + r.url for r in newest]


def test_static_search_index_holds_public_releases_only(corpus_export: tuple[Site, Path]) -> None:
    site, out = corpus_export
    public = load_catalog(site).public(datetime.now(UTC))
    assert [unquote(row[0]) for row in shown_rows(out)] == [r.url for r in public]
    keys = json.loads((out / INDEX / "keys.json").read_bytes())
    assert keys["count"] == len(public)
    numbers = set()
    for name in keys["keys"].values():
        for deltas in json.loads((out / INDEX / name).read_bytes())["w"].values():
            numbers.update(itertools.accumulate(deltas))
    assert numbers == set(range(len(public)))


@pytest.fixture
def small(tmp_path: Path) -> Site:
    return small_site(tmp_path / "site")


def test_second_build_renders_nothing(small: Site, tmp_path: Path) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    assert build_site(small, tmp_path / "out", pdf=False, now=NOW).rendered == []


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Markdown sources the parser renders from now on, in order (none kept from before)."""
    pages.render_ahead.cache_clear()
    sources: list[str] = []
    render = markdown._PARSER.render

    def counted(source: str, env: Any = None) -> str:
        sources.append(source)
        html: str = render(source, env)
        return html

    monkeypatch.setattr(markdown._PARSER, "render", counted)
    return sources


def test_build_renders_each_text_once(small: Site, tmp_path: Path, rendered: list[str]) -> None:
    """Its page, the listings, feeds and search index share one rendering of each text, and
    releases sharing a text share its rendering."""
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    texts = set()
    for release in load_catalog(small).public(NOW):
        texts |= {release.chapeau, release.body}
    assert {unicodedata.normalize("NFC", text) for text in texts} <= set(rendered)
    assert [s for s, n in Counter(rendered).items() if n > 1] == []


def test_long_lived_build_renders_again_only_the_changed_release(
    small: Site, tmp_path: Path, rendered: list[str]
) -> None:
    memory = BuildMemory.load(small)
    build_site(small, tmp_path / "out", pdf=False, now=NOW, memory=memory)
    path = small.releases_dir / "2022-05-10-deuxieme-communique.md"
    path.write_text(path.read_text().replace("Un dossier", "Un grand dossier"))
    rendered.clear()
    build_site(small, tmp_path / "out", pdf=False, now=NOW, memory=memory)
    changed = next(r for r in load_catalog(small).releases if r.path.endswith(path.name))
    assert rendered
    assert set(rendered) <= {changed.chapeau, changed.body, changed.body[:3000]}


def test_changed_release_rerenders_it_and_the_pages_listing_it_only(
    small: Site, tmp_path: Path
) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    path = small.releases_dir / "2022-05-10-deuxieme-communique.md"
    path.write_text(path.read_text().replace("Un dossier", "Un grand dossier"))
    rendered = set(build_site(small, tmp_path / "out", pdf=False, now=NOW).rendered)
    assert "/espace-presse/deuxieme-communique/" in rendered
    assert "/espace-presse/" in rendered
    assert PREMIER not in rendered
    assert "/espace-presse/tag/etat/" not in rendered
    assert "/espace-presse/page/2/" not in rendered


def test_second_build_reads_no_release_file(small: Site, tmp_path: Path) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    cache = ReleaseCache.load(small)
    cache.catalog()
    assert cache.changed == []


def test_build_by_another_pressroom_makes_every_page_again(
    small: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade (or an edit of pressroom) may change any page: none is kept from before."""
    first = build_site(small, tmp_path / "out", pdf=False, now=NOW)
    monkeypatch.setattr("pressroom.build.engine_digest", lambda: "an upgraded pressroom")
    again = build_site(small, tmp_path / "out", pdf=False, now=NOW)
    # The search index is made again too, but its files are rewritten only if their bytes differ.
    pages = [url for url in first.rendered if not url.startswith(SEARCH_INDEX_URL)]
    assert set(pages) <= set(again.rendered)


def test_build_by_another_pressroom_makes_the_search_rows_again(
    small: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    upgraded = partial(static_row, summary="Résumé d’un pressroom plus récent")

    def newer_row(release: Release, url: str, date_text: str, _: str, words: Any) -> list[str]:
        return upgraded(release, url, date_text, words=words)

    monkeypatch.setattr("pressroom.build.static_row", newer_row)
    monkeypatch.setattr("pressroom.buildcache.engine_digest", lambda: "an upgraded pressroom")
    monkeypatch.setattr("pressroom.build.engine_digest", lambda: "an upgraded pressroom")
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    summaries = {row[4] for row in shown_rows(tmp_path / "out")}
    assert summaries == {"Résumé d’un pressroom plus récent"}


def test_build_by_another_pressroom_reads_the_releases_again(
    small: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    monkeypatch.setattr("pressroom.buildcache.engine_digest", lambda: "an upgraded pressroom")
    cache = ReleaseCache.load(small)
    cache.catalog()
    assert len(cache.changed) == len(list(small.releases_dir.glob("*.md")))


def test_search_results_cut_a_long_summary_at_a_word(small: Site, tmp_path: Path) -> None:
    words = " ".join(f"mot{n}" for n in range(200))
    path = small.releases_dir / "2022-05-10-deuxieme-communique.md"
    chapeau = "Un dossier sur le cloud de l’administration."
    path.write_text(path.read_text(encoding="utf-8").replace(chapeau, words), encoding="utf-8")
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    (summary,) = [row[4] for row in shown_rows(tmp_path / "out") if row[4].startswith("mot0 ")]
    assert len(summary) <= 320
    assert summary.endswith("…")
    assert summary[:-1].split(" ")[-1] in words.split(" ")


def test_changed_settings_read_the_releases_again(small: Site, tmp_path: Path) -> None:
    shutil.copyfile(NO_CHAPEAU, small.releases_dir / NO_CHAPEAU.name)  # its date has no offset
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    settings = small.root / "pressroom.toml"
    settings.write_text(settings.read_text() + 'timezone = "America/New_York"\n')
    build_site(load_site(small.root), tmp_path / "out", pdf=False, now=NOW)
    page = tmp_path / "out/espace-presse/sans-chapeau/index.html"
    assert "2023-06-01T09:00:00-04:00" in page.read_text(encoding="utf-8")


def test_body_change_rewrites_listings_that_summarise_it(small: Site, tmp_path: Path) -> None:
    release = small.releases_dir / NO_CHAPEAU.name
    shutil.copyfile(NO_CHAPEAU, release)
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    release.write_text(release.read_text().replace("Les listes", "Les pages"), encoding="utf-8")
    rendered = build_site(small, tmp_path / "out", pdf=False, now=NOW).rendered
    assert "/espace-presse/" in rendered
    assert "Les pages résument" in (tmp_path / "out/espace-presse/index.html").read_text()


def test_body_change_leaves_listings_showing_the_chapeau(small: Site, tmp_path: Path) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    path = small.releases_dir / "2022-05-10-deuxieme-communique.md"
    path.write_text(path.read_text().replace("au centre", "au cœur"), encoding="utf-8")
    rendered = build_site(small, tmp_path / "out", pdf=False, now=NOW).rendered
    assert "/espace-presse/deuxieme-communique/" in rendered
    assert "/espace-presse/" not in rendered


def test_release_made_draft_is_removed_from_export(small: Site, tmp_path: Path) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    page = tmp_path / "out/espace-presse/deuxieme-communique/index.html"
    assert page.is_file()
    path = small.releases_dir / "2022-05-10-deuxieme-communique.md"
    path.write_text(path.read_text().replace("---\n\n", "published: false\n---\n\n", 1))
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    assert not page.exists()


def test_embargoed_release_is_exported_only_after_its_time(small: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site(small, out, pdf=False, now=NOW)
    assert not (out / "espace-presse/embargo").exists()
    build_site(small, out, pdf=False, now=datetime(2030, 2, 1, tzinfo=UTC))
    assert (out / "espace-presse/embargo/index.html").is_file()


def test_uploads_of_public_releases_only_are_copied(small: Site, tmp_path: Path) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    assert (tmp_path / "out/uploads/2021/03/banniere.png").is_file()
    assert not (tmp_path / "out/uploads/brouillon.png").exists()


def test_no_pdf_build_links_no_generated_pdf(small: Site, tmp_path: Path) -> None:
    build_site(small, tmp_path / "out", pdf=False, now=NOW)
    html = (tmp_path / "out" / PREMIER.lstrip("/") / "index.html").read_text()
    assert "CP_" not in html
    assert not list((tmp_path / "out/espace-presse").rglob("CP_*.pdf"))


@pytest.mark.skipif(not pdf_available(), reason="PDF renderer not installed")
def test_pdf_build_writes_and_links_the_pdf(tmp_path: Path, make_site: object) -> None:
    site = small_site(tmp_path / "pdfsite")
    for path in site.releases_dir.glob("*.md"):
        if path.name != "2022-05-10-deuxieme-communique.md":
            path.unlink()
    report = build_site(site, tmp_path / "out", pdf=True, now=NOW)
    assert report.pdfs == 1
    pdfs = list((tmp_path / "out/espace-presse/deuxieme-communique").glob("*.pdf"))
    assert len(pdfs) == 1
    assert pdfs[0].read_bytes().startswith(b"%PDF")
    html = (tmp_path / "out/espace-presse/deuxieme-communique/index.html").read_text()
    assert f'href="/espace-presse/deuxieme-communique/{pdfs[0].name}"' in html


def test_build_command_reports_what_it_wrote(small: Site, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--site", str(small.root), "build", "--out", str(tmp_path / "out"), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    assert "pages écrites" in result.output


BROKEN = TESTS / "data" / "watch" / "2024-03-01-crochet-non-ferme.md"


def test_build_names_the_release_files_it_left_out(small: Site, tmp_path: Path) -> None:
    """A release file that cannot be read is said, as `pressroom check` says it, at every
    build (not only when it changes); the rest of the site is built."""
    shutil.copyfile(BROKEN, small.releases_dir / BROKEN.name)
    command = ["--site", str(small.root), "build", "--out", str(tmp_path / "out"), "--no-pdf"]
    for _ in range(2):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == [
            f"releases/{BROKEN.name}:5: error: syntaxe YAML : did not find expected ',' or ']'",
            "1 fichier de communiqué laissé hors du site (voir ci-dessus)",
        ]
    assert (tmp_path / "out" / "espace-presse" / "premier-communique" / "index.html").is_file()


def test_build_refuses_to_write_into_the_site(small: Site) -> None:
    result = CliRunner().invoke(cli, ["--site", str(small.root), "build", "--out", str(small.root)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {small.root} : le dossier de sortie ne peut pas contenir le site lui-même\n"
    )


def test_one_shot_rebuild_updates_the_kept_search_index(
    small: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second ``pressroom build`` reads the search index it kept in instance/ and updates
    the files of the words that changed: the same files a build from scratch makes."""
    out = tmp_path / "out"
    build_site(small, out, pdf=False, now=NOW)
    path = small.releases_dir / "2022-05-10-deuxieme-communique.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nUn xylophone.\n", encoding="utf-8")

    def refused(*_args: object) -> None:
        raise AssertionError("the whole index was made again")

    with monkeypatch.context() as patch:
        patch.setattr("pressroom.search_static.StaticSearchIndex._rebuild", refused)
        build_site(small, out, pdf=False, now=NOW)
    fresh = tmp_path / "fresh"
    shutil.rmtree(small.instance_dir)
    build_site(small, fresh, pdf=False, now=NOW)
    kept = {p.name: p.read_bytes() for p in (out / INDEX).iterdir()}
    assert kept == {p.name: p.read_bytes() for p in (fresh / INDEX).iterdir()}
    assert "xylophone" in json.loads(kept["w-xy.json"])["w"]


def test_build_tells_its_progress_stage_by_stage(small: Site, tmp_path: Path) -> None:
    """What a terminal's progress bars show: each stage rising to its whole, step by step."""
    steps: dict[str, list[tuple[int, int]]] = {}
    report = build_site(
        small,
        tmp_path / "out",
        pdf=False,
        now=NOW,
        progress=lambda done, total, stage: steps.setdefault(stage, []).append((done, total)),
    )
    assert list(steps) == [READING, WRITING]  # no PDFs asked
    files = len(list(small.releases_dir.glob("*.md")))
    assert steps[READING] == [(n, files) for n in range(1, files + 1)]  # in one process
    writing = steps[WRITING]
    total = writing[-1][1]
    assert writing[-1] == (total, total)
    assert [d for d, _ in writing] == sorted(d for d, _ in writing)
    assert report.rendered and report.copied
    assert len(writing) >= total - 1  # each page made and file copied is told


def test_the_build_command_draws_a_bar_per_stage(small: Site) -> None:
    """On a terminal: "Lecture des communiqués", then "Écriture des pages", each from zero."""
    bars = StageBars(small, (READING, MAKING_PDFS, WRITING))
    with bars:
        bars.tell(10, 10, READING)
        reading = bars.bar
        bars.tell(3, 40, WRITING)
        writing = bars.bar
        assert writing is not None and writing is not reading
        assert (writing.pos, writing.length, writing.label.strip()) == (3, 40, "Écriture des pages")
        bars.tell(4, 40, WRITING)  # within a tenth of a second: not drawn
        assert writing.pos == 3
        bars.tell(40, 40, WRITING)  # the end always is
        assert writing.pos == 40
