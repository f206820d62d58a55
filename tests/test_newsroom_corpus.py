"""The corpus site renders: every public release at the URL Jekyll gave it, drafts nowhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from pressroom.markdown import plain_text, render_markdown
from pressroom.newsroom import href
from pressroom.release import Release
from pressroom.store import load_catalog
from pressroom.web import create_app
from tests.newsroom_sites import CORPUS_RELEASES, corpus_site

pytestmark = pytest.mark.skipif(not CORPUS_RELEASES.is_dir(), reason="corpus not available")
CORPUS_FILES = (
    sorted(p.name for p in CORPUS_RELEASES.iterdir() if p.suffix in (".md", ".markdown"))
    if CORPUS_RELEASES.is_dir()
    else []
)


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FlaskClient, dict[str, Release]]]:
    site = corpus_site(tmp_path_factory.mktemp("corpus"))
    app = create_app(site, {"TESTING": True, "SECRET_KEY": "test"})
    releases = {Path(r.path).name: r for r in load_catalog(site).releases}
    yield app.test_client(), releases


def _text(html: bytes) -> str:
    return plain_text(html.decode("utf-8"))


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_release_answers_at_its_jekyll_url(
    corpus: tuple[FlaskClient, dict[str, Release]], name: str
) -> None:
    client, releases = corpus
    release = releases.get(name)
    if release is None:
        pytest.skip(f"{name} is not a release (another file claims its URL)")
    response = client.get(release.url)
    if not release.is_public(datetime.now(UTC)):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    text = _text(response.data)
    assert release.title in text
    chapeau = plain_text(render_markdown(release.chapeau, lang=release.language).html)
    assert chapeau[:60] in text


def test_corpus_drafts_are_in_no_listing_search_feed_or_sitemap(
    corpus: tuple[FlaskClient, dict[str, Release]],
) -> None:
    client, releases = corpus
    drafts = [r for r in releases.values() if not r.published]
    assert drafts
    pages = [client.get(f"/espace-presse/page/{n}/").data for n in range(1, 8)]
    pages += [client.get("/espace-presse/feed.xml").data, client.get("/sitemap.xml").data]
    everything = b"".join(pages).decode()
    for draft in drafts:
        # The URL ends at a quote or a tag: another release's URL may begin with a draft's.
        assert re.search(re.escape(href(draft.url)) + '["<]', everything) is None
