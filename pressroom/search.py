"""Full-text search over title, chapeau and body, ignoring case and accents ("etat" → "État").

An inverted index of folded words, rebuilt only when the catalog changes and then re-reading only
the releases that changed. A query term matches every word it begins ("numeri" finds
"numérique"); all terms must match. Visibility is applied at query time, so an embargo lifts in
search results the moment it lifts on the page.
"""

from __future__ import annotations

import bisect
import html
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from pressroom.release import Release
from pressroom.store import Catalog

MAX_QUERY_TERMS = 12
MAX_RESULTS = 200

# Letters and digits: not the underscore, which Markdown uses for emphasis (``_mot_``).
_WORD = re.compile(r"[^\W_]+")
# Combining diacritics, as the export's search.js removes them ("État" → "Etat" → "etat").
_MARKS = re.compile("[\u0300-\u036f]")
# Markup that is not text: kramdown IALs, HTML tags, link targets, bare URLs.
_MARKUP = re.compile(r"\{:[^}]*\}|<[^>]{0,500}>|\]\([^)]*\)|https?://\S+", re.DOTALL)


def fold(text: str) -> str:
    """Lower case without accents; a regex, not a loop per character: it runs over every body."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def words(text: str) -> set[str]:
    """The folded words of a text as a reader sees it: markup left out, entities read
    (``&eacute;t&eacute;`` is "été"), lower case, without accents."""
    return set(_WORD.findall(fold(html.unescape(_MARKUP.sub(" ", text)))))


def query_terms(query: str) -> list[str]:
    """The words of a query, folded, in order, without repeats, at most a dozen."""
    found = _WORD.findall(fold(query))
    return list(dict.fromkeys(found))[:MAX_QUERY_TERMS]


@dataclass(frozen=True)
class Document:
    """What the index keeps of one release."""

    release: Release
    title_words: frozenset[str]
    all_words: frozenset[str]


def document(release: Release) -> Document:
    title = words(release.title)
    return Document(
        release, frozenset(title), frozenset(title | words(release.chapeau + "\n" + release.body))
    )


class _Postings:
    """Which documents hold each word, and the words in order, to find those a term begins."""

    def __init__(self, words_of: list[frozenset[str]]) -> None:
        postings: dict[str, set[int]] = {}
        for number, found in enumerate(words_of):
            for word in found:
                postings.setdefault(word, set()).add(number)
        self.vocabulary = sorted(postings)
        self.postings = postings

    def matching(self, term: str) -> set[int]:
        """Documents holding a word that begins with ``term``."""
        found: set[int] = set()
        start = bisect.bisect_left(self.vocabulary, term)
        for word in self.vocabulary[start:]:
            if not word.startswith(term):
                break
            found |= self.postings[word]
        return found


class SearchIndex:
    """An inverted index of a catalog's releases (drafts included; filtered at query time)."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self._all = _Postings([d.all_words for d in documents])
        # Titles have their own: ranking thousands of hits by title looks each term up once.
        self._titles = _Postings([d.title_words for d in documents])

    def search(self, query: str, now: datetime) -> list[Release]:
        """Public releases matching every term, those matching in the title first, newest first."""
        terms = query_terms(query)
        if not terms:
            return []
        hits: set[int] | None = None
        for term in sorted(terms, key=len, reverse=True):  # long terms are the most selective
            matching = self._all.matching(term)
            hits = matching if hits is None else hits & matching
            if not hits:
                return []
        assert hits is not None
        in_titles = [self._titles.matching(t) for t in terms]
        documents = self.documents
        # Ties keep the catalog's order (newest first, then by path): hence -n.
        ranked = [
            (sum(n in titled for titled in in_titles), documents[n].release.date, -n)
            for n in hits
            if documents[n].release.is_public(now)
        ]
        ranked.sort(reverse=True)
        return [documents[-n].release for _, _, n in ranked[:MAX_RESULTS]]


class SearchIndexCache:
    """The index of the latest catalog; unchanged releases keep their parsed words."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._index: SearchIndex | None = None
        self._documents: dict[str, Document] = {}

    def get(self, catalog: Catalog) -> SearchIndex:
        with self._lock:
            if self._index is not None and self._catalog is catalog:
                return self._index
            documents = []
            known = self._documents
            for release in catalog.releases:
                doc = known.get(release.path)
                if doc is None or doc.release is not release:
                    doc = document(release)
                documents.append(doc)
            self._documents = {d.release.path: d for d in documents}
            self._index = SearchIndex(documents)
            self._catalog = catalog
            return self._index


def static_index(entries: list[tuple[Release, str, str, str]]) -> list[list[str]]:
    """The export's search rows, (release, url, date text, summary) each: what a result shows
    (url, title, date, category, summary), then its words and its title's words, each sorted
    and joined by spaces. ``static_search_files`` turns the rows into the export's index."""
    out = []
    for release, url, date_text, summary in entries:
        doc = document(release)
        out.append(
            [
                url,
                release.title,
                date_text,
                release.category,
                summary[:240],
                " ".join(sorted(doc.all_words)),
                " ".join(sorted(doc.title_words)),
            ]
        )
    return out


# The export's index is split so that a search downloads only what it needs: words are kept
# in files by their first two letters ("numer" reads index/w-nu.json), results in files of
# this many releases (a search reads those of the results it shows).
SHARD_LETTERS = 2
DOCS_PER_FILE = 500


def shard_file(key: str) -> str:
    """The file of the words beginning with ``key``: itself when plain ASCII, else its
    UTF-8 in hexadecimal (never mistaken for a key: those are at most two characters)."""
    if key.isascii() and key.isalnum():
        return f"w-{key}.json"
    return f"w-u{key.encode('utf-8').hex()}.json"


def _deltas(numbers: list[int]) -> list[int]:
    """Ascending numbers as their differences: small numbers, short JSON, for common words."""
    return [n - p for p, n in zip([0, *numbers], numbers, strict=False)]


def static_search_files(rows: list[list[str]]) -> dict[str, bytes]:
    """The export's search index, by file name under ``index/``, from ``static_index`` rows
    in the order results come (newest first): a release is its row number.

    ``keys.json`` says how many releases there are and which word files exist; each word file
    holds, for every word beginning with its key, the releases having it (``w``) and having it
    in their title (``t``); ``docs-K.json`` holds what the results of rows K×500... show.
    """
    holding: dict[str, list[int]] = {}
    titled: dict[str, list[int]] = {}
    for number, row in enumerate(rows):
        for word in row[5].split():
            holding.setdefault(word, []).append(number)
        for word in row[6].split():
            titled.setdefault(word, []).append(number)
    shards: dict[str, dict[str, dict[str, list[int]]]] = {}
    for word in sorted(holding):
        shard = shards.setdefault(word[:SHARD_LETTERS], {"w": {}, "t": {}})
        shard["w"][word] = _deltas(holding[word])
        if word in titled:
            shard["t"][word] = _deltas(titled[word])
    files = {shard_file(key): _json(shard) for key, shard in shards.items()}
    for start in range(0, len(rows), DOCS_PER_FILE):
        shown = [row[:5] for row in rows[start : start + DOCS_PER_FILE]]
        files[f"docs-{start // DOCS_PER_FILE}.json"] = _json(shown)
    keys = {key: shard_file(key) for key in shards}
    files["keys.json"] = _json({"count": len(rows), "docs": DOCS_PER_FILE, "keys": keys})
    return files


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
