"""Full-text search over title, chapeau and body, ignoring case and accents ("etat" → "État").

An inverted index of folded words, rebuilt only when the catalog changes and then re-reading only
the releases that changed. A query term matches every word it begins ("numeri" finds
"numérique"); all terms must match. Visibility is applied at query time, so an embargo lifts in
search results the moment it lifts on the page.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pressroom.release import Release
from pressroom.store import Catalog

MAX_QUERY_TERMS = 12
MAX_RESULTS = 200

_WORD = re.compile(r"\w+")
# Combining diacritics, as the export's search.js removes them ("État" → "Etat" → "etat").
_MARKS = re.compile("[\u0300-\u036f]")
# Markup that is not text: kramdown IALs, HTML tags, link targets, bare URLs, entities.
_MARKUP = re.compile(
    r"\{:[^}]*\}|<[^>]{0,500}>|\]\([^)]*\)|https?://\S+|&[a-zA-Z]+;|&#\d+;", re.DOTALL
)


def fold(text: str) -> str:
    """Lower case without accents; a regex, not a loop per character: it runs over every body."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def words(text: str) -> set[str]:
    """The folded words of a text: lower case, without accents, markup left out."""
    return set(_WORD.findall(fold(_MARKUP.sub(" ", text))))


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


def static_index(entries: list[tuple[Release, str, str, str]]) -> list[dict[str, Any]]:
    """The index the static export ships as JSON: (release, url, date text, summary) each.

    The browser matches query terms against the start of each word in ``w``, as the server does.
    """
    out = []
    for release, url, date_text, summary in entries:
        doc = document(release)
        out.append(
            {
                "u": url,
                "t": release.title,
                "d": date_text,
                "c": release.category,
                "s": summary[:240],
                "w": " ".join(sorted(doc.all_words)),
                "h": " ".join(sorted(doc.title_words)),
            }
        )
    return out
