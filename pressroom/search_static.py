"""The static export's search index: the files ``static/search.js`` reads.

Split as Pagefind splits its index, so that a search downloads only what it needs: words in
files by their first two letters ("numer" reads ``index/w-nu.json``), what results show in
files of ``DOCS_PER_FILE`` releases (a search reads those of the results it lists). The words
and ranking are the server's (``pressroom.search``), so both answer a query alike.
"""

from __future__ import annotations

import bisect
import json
from functools import lru_cache

from pressroom import search
from pressroom.release import Release


def index_words(release: Release) -> tuple[str, str]:
    """A release's words and its title's words, each sorted and joined by spaces: what the
    export's index keeps of its text (worked out when the file is read, like its digests)."""
    return _text_words(release.title, release.chapeau, release.body)


@lru_cache(maxsize=64)
def _text_words(title: str, chapeau: str, body: str) -> tuple[str, str]:
    """The words of a text are worked out once per process, like its Markdown (one rendering
    per distinct text in a build): a release filed twice is read once."""
    every, title_words = search.release_words(title, chapeau, body)
    return " ".join(sorted(every)), " ".join(sorted(title_words))


# A summary in a listing and in search results (the server's and the export's): long enough
# for a chapeau's first sentences.
SUMMARY_CHARACTERS = 320


def shortened(text: str, limit: int = SUMMARY_CHARACTERS) -> str:
    """The text cut at the last space before ``limit`` characters, ``…`` showing the cut
    (Jinja's ``truncate`` ends with three dots, which French typography does not use)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def static_row(
    release: Release, url: str, date_text: str, summary: str, words: tuple[str, str]
) -> list[str]:
    """A release's row of the export's index: what its result shows (url, title, date,
    category, summary as listings show it), then its ``index_words``. ``static_search_files``
    reads the rows."""
    return [url, release.title, date_text, release.category, summary, *words]


SHARD_LETTERS = 2  # words are filed by their first two letters
DOCS_PER_FILE = 500  # results' titles and summaries, this many releases a file


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
    files exist; each word file holds, for every word beginning with its key, the releases
    having it (``w``) and having it in their title (``t``); ``docs-K.json`` holds what the
    results of rows K×500 to K×500+499 show.

    Kept from one build to the next (in ``--watch``, and in ``instance/`` between one-shot
    builds): when a few rows changed in place, only the words they gained or lost are
    updated, and only the files holding those words are encoded again.
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
        shown = search.MAX_RESULTS  # as many results as the server lists
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
