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


@dataclass(frozen=True)
class Found:
    """What a search found: how many releases match, and the first ``MAX_RESULTS``."""

    releases: list[Release]
    total: int


class _Postings:
    """Which releases (by number) hold each word, and the words in order, to find those a
    term begins. Never changed once made: a request may be reading it while the next is."""

    def __init__(self, postings: dict[str, set[int]], vocabulary: list[str]) -> None:
        self.postings = postings
        self.vocabulary = vocabulary

    @classmethod
    def of(cls, words_of: dict[int, frozenset[str]]) -> _Postings:
        postings: dict[str, set[int]] = {}
        for number, found in words_of.items():
            for word in found:
                postings.setdefault(word, set()).add(number)
        return cls(postings, sorted(postings))

    def changed(
        self, removed: dict[int, frozenset[str]], added: dict[int, frozenset[str]]
    ) -> _Postings:
        """The postings with these releases' words taken out and put in: only the words they
        hold are copied, so an edit costs its words, not the whole vocabulary's."""
        postings = dict(self.postings)
        copied: set[str] = set()

        def own(word: str) -> set[int]:
            if word not in copied:
                postings[word] = set(postings.get(word, ()))
                copied.add(word)
            return postings[word]

        for number, found in removed.items():
            for word in found:
                own(word).discard(number)
        for number, found in added.items():
            for word in found:
                own(word).add(number)
        gone = [word for word in copied if not postings[word]]
        for word in gone:
            del postings[word]
        new = any(word not in self.postings for word in copied)
        return _Postings(postings, sorted(postings) if gone or new else self.vocabulary)

    def matching(self, term: str) -> set[int]:
        """Releases holding a word that begins with ``term``."""
        found: set[int] = set()
        start = bisect.bisect_left(self.vocabulary, term)
        for word in self.vocabulary[start:]:
            if not word.startswith(term):
                break
            found |= self.postings[word]
        return found


class SearchIndex:
    """An inverted index of a catalog's releases (drafts included; filtered at query time).

    Releases are numbered by ``SearchIndexCache``, a number per path that outlives edits, so
    that an index made after an edit shares the postings of the words the edit left alone.
    """

    def __init__(
        self,
        catalog: Catalog,
        documents: dict[int, Document],
        all_words: _Postings | None = None,
        title_words: _Postings | None = None,
    ) -> None:
        self.documents = documents
        self._all = all_words or _Postings.of({n: d.all_words for n, d in documents.items()})
        # Titles have their own: ranking thousands of hits by title looks each term up once.
        self._titles = title_words or _Postings.of({n: d.title_words for n, d in documents.items()})
        # Newest first; ties keep the catalog's order (then by path).
        position = {release.path: n for n, release in enumerate(catalog.releases)}
        self._order = {n: (d.release.date, -position[d.release.path]) for n, d in documents.items()}

    def search(self, query: str, now: datetime) -> Found:
        """Public releases matching every term, those matching in the title first, newest first."""
        terms = query_terms(query)
        if not terms:
            return Found([], 0)
        hits: set[int] | None = None
        for term in sorted(terms, key=len, reverse=True):  # long terms are the most selective
            matching = self._all.matching(term)
            hits = matching if hits is None else hits & matching
            if not hits:
                return Found([], 0)
        assert hits is not None
        in_titles = [self._titles.matching(t) for t in terms]
        documents, order = self.documents, self._order
        ranked = [
            (sum(n in titled for titled in in_titles), order[n], n)
            for n in hits
            if documents[n].release.is_public(now)
        ]
        ranked.sort(reverse=True)
        return Found([documents[n].release for *_, n in ranked[:MAX_RESULTS]], len(ranked))


class SearchIndexCache:
    """The index of the latest catalog. When a few releases changed, only their words are
    read again and only the words they hold are updated (at 5,000 releases, reading them
    all takes over a second)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._index: SearchIndex | None = None
        self._numbers: dict[str, int] = {}  # a release's number, by path

    def get(self, catalog: Catalog) -> SearchIndex:
        with self._lock:
            index = self._index
            if index is not None and self._catalog is catalog:
                return index
            known = index.documents if index is not None else {}
            numbers = self._numbers
            documents: dict[int, Document] = {}
            removed: dict[int, Document] = {}
            added: dict[int, Document] = {}
            for release in catalog.releases:
                number = numbers.setdefault(release.path, len(numbers))
                doc = known.get(number)
                if doc is None or doc.release is not release:
                    if doc is not None:
                        removed[number] = doc
                    doc = added[number] = document(release)
                documents[number] = doc
            removed.update((n, d) for n, d in known.items() if n not in documents)
            if index is None or len(removed) + len(added) > max(16, len(documents) // 4):
                self._index = SearchIndex(catalog, documents)
            else:
                self._index = SearchIndex(
                    catalog,
                    documents,
                    index._all.changed(
                        {n: d.all_words for n, d in removed.items()},
                        {n: d.all_words for n, d in added.items()},
                    ),
                    index._titles.changed(
                        {n: d.title_words for n, d in removed.items()},
                        {n: d.title_words for n, d in added.items()},
                    ),
                )
            self._catalog = catalog
            return self._index


def index_words(release: Release) -> tuple[str, str]:
    """A release's words and its title's words, each sorted and joined by spaces: what the
    export's index keeps of its text (worked out when the file is read, like its digests)."""
    doc = document(release)
    return " ".join(sorted(doc.all_words)), " ".join(sorted(doc.title_words))


def static_row(
    release: Release, url: str, date_text: str, summary: str, words: tuple[str, str]
) -> list[str]:
    """A release's row of the export's index: what its result shows (url, title, date,
    category, summary), then its ``index_words``. ``static_search_files`` reads the rows."""
    return [url, release.title, date_text, release.category, summary[:240], *words]


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


class StaticSearchIndex:
    """The export's search index, by file name under ``index/``, from ``static_row`` rows in
    the order results come (newest first): a release is its row number.

    ``keys.json`` says how many releases there are, how many results to list and which word
    files exist; each word file
    holds, for every word beginning with its key, the releases having it (``w``) and having it
    in their title (``t``); ``docs-K.json`` holds what the results of rows K×500... show.

    Kept from one build to the next (``build --watch``): when a few rows changed in place,
    only the words they gained or lost are updated, and only the files holding those words
    are encoded again.
    """

    def __init__(self) -> None:
        self._rows: list[list[str]] = []
        self._holding: dict[str, list[int]] = {}
        self._titled: dict[str, list[int]] = {}
        self._by_key: dict[str, set[str]] = {}
        self._files: dict[str, bytes] = {}

    def files(self, rows: list[list[str]]) -> dict[str, bytes]:
        old = self._rows
        changed = None
        if self._files and len(old) == len(rows):
            changed = [n for n, (a, b) in enumerate(zip(old, rows, strict=True)) if a != b]
        if changed is None or len(changed) > max(8, len(rows) // 20):
            self._rebuild(rows)
        else:
            self._update(rows, changed)
        self._rows = list(rows)
        return dict(self._files)

    def _rebuild(self, rows: list[list[str]]) -> None:
        self._holding, self._titled, self._by_key = {}, {}, {}
        for number, row in enumerate(rows):
            for word in row[5].split():
                self._holding.setdefault(word, []).append(number)
            for word in row[6].split():
                self._titled.setdefault(word, []).append(number)
        for word in self._holding:
            self._by_key.setdefault(word[:SHARD_LETTERS], set()).add(word)
        self._files = {shard_file(key): self._shard(key) for key in self._by_key}
        for start in range(0, len(rows), DOCS_PER_FILE):
            self._files[_docs_file(start)] = _docs(rows, start)
        self._files["keys.json"] = self._keys(len(rows))

    def _update(self, rows: list[list[str]], changed: list[int]) -> None:
        keys = set(self._by_key)
        touched: set[str] = set()
        for number in changed:
            before, after = self._rows[number], rows[number]
            for field, postings in ((5, self._holding), (6, self._titled)):
                was, now = set(before[field].split()), set(after[field].split())
                for word in was - now:
                    key = word[:SHARD_LETTERS]
                    numbers = postings[word]
                    del numbers[bisect.bisect_left(numbers, number)]
                    if not numbers:
                        del postings[word]
                        if postings is self._holding:
                            self._by_key[key].discard(word)
                    touched.add(key)
                for word in now - was:
                    key = word[:SHARD_LETTERS]
                    bisect.insort(postings.setdefault(word, []), number)
                    self._by_key.setdefault(key, set()).add(word)
                    touched.add(key)
            if before[:5] != after[:5]:
                self._files[_docs_file(number)] = _docs(rows, number)
        for key in touched:
            if self._by_key.get(key):
                self._files[shard_file(key)] = self._shard(key)
            else:
                self._by_key.pop(key, None)
                self._files.pop(shard_file(key), None)
        if set(self._by_key) != keys:
            self._files["keys.json"] = self._keys(len(rows))

    def _shard(self, key: str) -> bytes:
        words = sorted(self._by_key[key])
        return _json(
            {
                "w": {w: _deltas(self._holding[w]) for w in words},
                "t": {w: _deltas(self._titled[w]) for w in words if w in self._titled},
            }
        )

    def _keys(self, count: int) -> bytes:
        keys = {key: shard_file(key) for key in sorted(self._by_key)}
        shown = MAX_RESULTS  # as many results as the server lists
        return _json({"count": count, "docs": DOCS_PER_FILE, "shown": shown, "keys": keys})


def _docs_file(number: int) -> str:
    return f"docs-{number // DOCS_PER_FILE}.json"


def _docs(rows: list[list[str]], number: int) -> bytes:
    """The docs file holding row ``number``: what each of its rows' results shows."""
    start = number - number % DOCS_PER_FILE
    return _json([row[:5] for row in rows[start : start + DOCS_PER_FILE]])


def static_search_files(rows: list[list[str]]) -> dict[str, bytes]:
    """The export's search index files for these rows (see ``StaticSearchIndex``)."""
    return StaticSearchIndex().files(rows)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
