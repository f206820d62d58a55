"""Full-text search over title, chapeau and body, ignoring case and accents ("etat" → "État").

An inverted index of folded words, rebuilt only when the catalog changes and then re-reading only
the releases that changed. A query term matches every word it begins ("numeri" finds
"numérique"); all terms must match. Visibility is applied at query time, so an embargo lifts in
search results the moment it lifts on the page.
"""

from __future__ import annotations

import bisect
import html
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable
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


def document(release: Release, known: tuple[str, str] | None = None) -> Document:
    """What the index keeps of a release; ``known``: its ``index_words`` worked out when its
    file was read, which saves reading its text again (0.3-0.5 s per thousand releases)."""
    if known is not None:
        text_words, title_words = known
        return Document(release, frozenset(title_words.split()), frozenset(text_words.split()))
    every, title = release_words(release.title, release.chapeau, release.body)
    return Document(release, frozenset(title), frozenset(every))


def release_words(title: str, chapeau: str, body: str) -> tuple[set[str], set[str]]:
    """All the words a release is found by (title, chapeau, body), and its title's."""
    title_words = words(title)
    return title_words | words(chapeau + "\n" + body), title_words


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
        # Lists first, sets at the end: twice as fast as a set per ``setdefault``, which makes
        # a set it throws away for every one of the million words of 5,000 releases.
        held: defaultdict[str, list[int]] = defaultdict(list)
        for number, found in words_of.items():
            for word in found:
                held[word].append(number)
        postings = {word: set(numbers) for word, numbers in held.items()}
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

    def get(
        self,
        catalog: Catalog,
        words_of: Callable[[Release], tuple[str, str] | None] | None = None,
    ) -> SearchIndex:
        """The index of this catalog; ``words_of`` gives the words of a release already
        known (``ReleaseStore.words_of``), else they are read from its text."""
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
                    known_words = words_of(release) if words_of is not None else None
                    doc = added[number] = document(release, known_words)
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
