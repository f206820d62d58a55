"""What an incremental static build remembers between runs: parsed releases and page inputs.

Parsing a thousand front matters takes longer than rendering the one page that changed, so the
build keeps its parsed releases in the site's ``instance/`` (machine state, git-ignored), keyed
by each file's (mtime, size) as ``ReleaseStore`` does in memory. A long-lived build
(``--watch``) keeps the same ``ReleaseCache`` in memory instead. The output folder keeps a
manifest of each page's input digest, so a page is written again only when what it shows changed.

A release's digest is that of its file's version, not of its parsed value: the same file read
with the same settings gives the same release, and hashing a (path, mtime, size) is a thousand
times cheaper than hashing a whole communiqué.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import timedelta, timezone
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pressroom.config import PressContact, Site
from pressroom.errors import Message, Problem, ReleaseError
from pressroom.legal import LegalPages
from pressroom.newsroom import uploads_used
from pressroom.parallel import fork_map, forks
from pressroom.release import Attachment, Image, Release, fixed_zone
from pressroom.search_static import StaticSearchIndex, index_words
from pressroom.store import (
    Catalog,
    Uploads,
    Version,
    build_catalog,
    read_release,
    scan_releases,
    upload_problems,
    uploads_stamp,
)
from pressroom.versions import engine_digest

CACHE_FILE = "build-cache.pickle"
SEARCH_CACHE_FILE = "build-search.pickle"
CACHE_VERSION = 9  # also the format of the search index files kept with the rows
MANIFEST_FILE = ".pressroom-build.json"


def digest(*parts: object) -> str:
    """A short, stable digest of values' ``repr`` (frozen dataclasses print all they hold)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


def cache_format(classes: tuple[type, ...] | None = None) -> str:
    """The format of the parsed releases kept in ``instance/``: ``CACHE_VERSION``, the
    fields of every class pickled there, and ``engine_digest`` (another pressroom may read
    a file otherwise). A server loads them at each start: a pressroom whose release model
    gained or lost a field must read the files again rather than serve releases pickled by
    the older one (they would lack an attribute mid-request)."""
    pickled = classes or (Release, Image, Attachment, PressContact, Problem, Message, Facts)
    shapes = [(c.__qualname__, [f.name for f in fields(c)]) for c in pickled]
    return digest(CACHE_VERSION, shapes, engine_digest())


def _proxy(items: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(items)


def _reduce_proxy(value: MappingProxyType[str, Any]) -> tuple[Any, tuple[dict[str, Any]]]:
    return _proxy, (dict(value),)


def _reduce_zone(zone: timezone) -> tuple[Any, tuple[timedelta]]:
    return fixed_zone, (zone.utcoffset(None),)


# A release's metadata is a read-only MappingProxyType, which pickle refuses: our own pickler
# stores it as a dict and loads it back as a proxy (no copy of the release on either side).
# A fixed time zone is loaded back as the one object every release of that offset shares
# (``fixed_zone``), not one object per release: sorting releases loaded from instance/
# would otherwise work out two UTC offsets per comparison.
_DISPATCH: dict[type, Callable[[Any], Any]] = {
    **copyreg.dispatch_table,
    MappingProxyType: _reduce_proxy,
    timezone: _reduce_zone,
}


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


Parsed = tuple[Release | None, list[Problem]]


def _pack(parsed: Parsed) -> bytes:
    """A parsed file as the bytes a worker sends back and instance/ keeps."""
    return _dumps(parsed)


def _unpack(blob: bytes) -> Parsed:
    # Our own bytes, from a worker or the site's instance/ (machine state no visitor can write).
    release, problems = pickle.loads(blob)
    return release, problems


@dataclass(frozen=True)
class Facts:
    """What every build asks of a release, worked out once per version of its file."""

    digest: str  # changes exactly when the file (or the settings) does
    listed: str  # digest of what a listing shows of it
    uploads: frozenset[str]  # the uploads it shows or links
    words: tuple[str, str] = ("", "")  # its words for the export's search (``index_words``)


def listed_digest(release: Release) -> str:
    """What a listing shows of a release; its body only when the summary comes from it."""
    fallback = release.body[:3000] if not any(c.isalnum() for c in release.chapeau) else ""
    shown = (release.url, release.title, release.date, release.category, release.chapeau)
    return digest(shown, release.language, fallback)


@dataclass(frozen=True)
class Entry:
    """One release file as last read: its version, facts, and parsed result (pickled).

    The process that parsed the file also keeps the result itself (``fresh``, never pickled):
    a build or a watch rebuild that parses in-process then skips unpickling what it just made.
    """

    version: Version
    facts: Facts | None  # None for a file that could not be read as a release
    # (Release | None, problems) packed by ``_pack``: what instance/ stores; empty once
    # dropped (``ReleaseCache.drop_bytes``), when ``fresh`` holds the result.
    blob: bytes
    fresh: Parsed | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[Callable[..., Entry], tuple[Version, Facts | None, bytes]]:
        return _unpickled_entry, (self.version, self.facts, self.blob)

    def parsed(self) -> Parsed:
        if self.fresh is not None:
            return self.fresh
        return _unpack(self.blob)


def _unpickled_entry(version: Version, facts: Facts | None, blob: bytes) -> Entry:
    """An entry as a worker sent it or ``instance/`` kept it, its release unpacked now: where
    ``fork_map`` unpickles a worker's results while the batch still runs, not after it."""
    try:
        fresh = _unpack(blob) if blob else None
    except Exception:  # ``parsed`` raises it again, where a failure means "read the file again"
        fresh = None
    return Entry(version, facts, blob, fresh)


def _parse(
    site: Site, settings: str, item: tuple[str, Version], *, words: bool = True, pack: bool = True
) -> Entry:
    """Read one release file into what the cache keeps (bytes: cheap to send from a worker).

    Missing uploads are left out of its problems: they change with the uploads folder, not
    with the file, and ``ReleaseCache`` checks them at each change of that folder. ``words``:
    work out its search words (half the cost of reading a file), ``pack``: pickle it now (a
    worker sends it so; in-process, ``save`` pickles it if it ever comes to that).
    """
    path, version = item
    parsed: Parsed
    try:
        parsed = read_release(site, path, check_uploads=False)
    except ReleaseError as exc:
        parsed = (None, [exc.problem])
        return Entry(version, None, _pack(parsed) if pack else b"", parsed)
    release = parsed[0]
    # uploads_used's memo serves the server's repeated questions; a fresh release would only
    # be hashed (its whole body) to miss it.
    used = uploads_used.__wrapped__(release)
    found = index_words(release) if words else ("", "")
    facts = Facts(digest(settings, path, version), listed_digest(release), used, found)
    return Entry(version, facts, _pack(parsed) if pack else b"", parsed)


class ReleaseCache:
    """A site's parsed release files by path, re-parsing only those whose (mtime, size) changed.

    One instance serves many builds (``--watch``) or a server's life (``ReleaseStore``);
    ``load``/``save`` carry it between processes through ``instance/``. ``parallel``: parse
    many files over forked workers (a build; a server, whose threads forking would copy
    mid-request, reads in its own process). ``savable``: its entries hold all a build needs
    (search words), so ``save`` may write them; a command that only reads the releases once
    (``load_catalog``) skips the words, half the cost of reading a file.
    """

    def __init__(self, site: Site, *, parallel: bool = True, savable: bool = True) -> None:
        self.site = site
        self.parallel = parallel
        self.savable = savable
        self.settings = digest(site.settings)
        self._entries: dict[str, Entry] = {}
        self._parsed: dict[str, Parsed] = {}
        self._catalog: Catalog | None = None
        self._facts: dict[str, Facts] = {}
        self._read: dict[str, Release] = {}  # the releases the facts are of, by ``path``
        self._scanned: tuple[tuple[str, Version], ...] = ()  # the files of the last catalog
        self._uploads: tuple[tuple[str, int], ...] | None = None  # ``uploads_stamp`` last seen
        self._missing: dict[str, list[Problem]] = {}  # missing-upload warnings, by file
        self._dirty = False
        self._holding: set[str] = set()  # the files whose entries hold their pickled form
        self._versions: dict[str, Version] = {}
        self.changed: list[str] = []  # files (re-)read by the last ``catalog()``

    @classmethod
    def load(cls, site: Site, *, parallel: bool = True) -> ReleaseCache:
        """The cache of the last build, if it was made with the same settings."""
        data = _load_pickle(site.instance_dir / CACHE_FILE)
        entries = data.get("entries")
        same_settings = data.get("settings") == digest(site.settings)
        fits = data.get("version") == cache_format() and same_settings
        cache = cls(site, parallel=parallel)
        if fits and isinstance(entries, dict):
            cache._keep(entries)
        return cache

    def _keep(self, entries: dict[str, Entry]) -> None:
        """Start from entries kept in ``instance/``; one that cannot be unpacked any more (a
        file damaged, a pressroom changed) is left out, so its release file is read again."""
        for path, entry in entries.items():
            try:
                parsed = entry.parsed()
            except Exception:  # a cache: any failure means "read the file again"
                continue
            self._entries[path] = entry
            self._parsed[path] = parsed
            self._versions[path] = entry.version
            self._holding.add(path)

    def catalog(
        self,
        files: Sequence[tuple[str, Version]] | None = None,
        meanwhile: Callable[[], object] | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> Catalog:
        """The site's catalog now; the same object as last time if no file changed, nor the
        uploads folder. ``files``: a ``scan_releases`` just made (else one is made here).
        ``meanwhile``: work for this process while worker processes read the files; not run
        when they are read here (a few files changed: the work is likely not needed).
        ``progress``: told (files read, files to read) as they are read."""
        if files is None:
            files = scan_releases(str(self.site.releases_dir))[0]
        uploads = uploads_stamp(self.site)
        same_uploads = uploads == self._uploads
        scanned = tuple(files)
        if scanned == self._scanned and same_uploads and self._catalog is not None:
            self.changed = []
            return self._catalog  # the very files of last time: no need to look further
        found = dict(scanned)
        old = self._entries
        versions = self._versions.items()  # (path, version) pairs, looked up by hash, in C
        stale = [item for item in scanned if item not in versions]
        self.changed = [p for p, _ in stale]
        if not stale and len(found) == len(old) and same_uploads and self._catalog is not None:
            self._scanned = scanned
            return self._catalog
        parse = partial(_parse, self.site, self.settings, words=self.savable, pack=self.parallel)
        told = (lambda done: progress(done, len(stale))) if progress else None
        if self.parallel:
            idle = meanwhile if forks(len(stale)) else None
            fresh = fork_map(parse, stale, meanwhile=idle, progress=told)
        else:
            fresh = [parse(item) for item in stale]
        # Copied (in C) and updated rather than rebuilt in Python: after one edit at 5,000
        # releases, a few tenths of a millisecond instead of a few milliseconds per mapping.
        entries, parsed, versions_now = dict(old), dict(self._parsed), dict(self._versions)
        if len(old) + sum(p not in old for p, _ in stale) != len(found):
            for path in [p for p in old if p not in found]:
                del entries[path], versions_now[path]
                parsed.pop(path, None)
        for (path, version), entry in zip(stale, fresh, strict=True):
            entries[path] = entry
            versions_now[path] = version
            parsed[path] = entry.parsed()
        # Missing uploads: checked again for the files just read, and for all of them when a
        # file came to or left the uploads folder (one ``stat`` per upload named).
        missing = self._missing if same_uploads else {}
        exists = Uploads(self.site)
        reread = set(self.changed)
        rows = []
        facts = {}
        read = {}
        for path in found:  # in Path order, as ReleaseStore gives them to build_catalog
            release, problems = parsed[path]
            known = entries[path].facts
            if release is not None:
                if path in reread or path not in missing:
                    missing[path] = upload_problems(self.site, release, exists)
                if missing[path]:
                    problems = problems + missing[path]
                if known is not None:
                    facts[release.path] = known
                    read[release.path] = release
            rows.append((path, release, problems))
        if len(missing) != len(found):
            missing = {p: w for p, w in missing.items() if p in found}
        catalog = build_catalog(rows)
        # All that the next call compares against changes together, once nothing can fail.
        self._entries, self._parsed, self._versions = entries, parsed, versions_now
        self._holding = {p for p in self._holding if p in found}.union(self.changed)
        self._dirty = self._dirty or bool(stale) or len(entries) != len(old)
        self._missing, self._uploads, self._scanned = missing, uploads, scanned
        self._facts, self._read, self._catalog = facts, read, catalog
        return catalog

    @property
    def current(self) -> Catalog | None:
        """The catalog of the last ``catalog()`` call (None before the first)."""
        return self._catalog

    @property
    def facts(self) -> Mapping[str, Facts]:
        """Each release's facts by ``Release.path``, as of the last ``catalog()``."""
        return self._facts

    def words_of(self, release: Release) -> tuple[str, str] | None:
        """The search words (``index_words``) of this very release, if this cache read it
        (not an older or newer version of its file)."""
        facts = self._facts.get(release.path)
        if not self.savable or facts is None or self._read.get(release.path) is not release:
            return None  # (an unsavable cache has worked out no words)
        return facts.words

    def save(self) -> None:
        """Keep the parsed files in ``instance/`` for the next build (if anything changed)."""
        if self._dirty and self.savable:
            entries = {
                path: entry if entry.blob else Entry(entry.version, entry.facts, _pack(parsed))
                for path, entry in self._entries.items()
                for parsed in [self._parsed.get(path) or entry.parsed()]
            }
            data = {"version": cache_format(), "settings": self.settings, "entries": entries}
            _save_pickle(self.site, CACHE_FILE, data)
            self._dirty = False

    def drop_bytes(self) -> None:
        """Forget the pickled form of the files read (``save`` makes it again if need be): a
        server keeps only the releases themselves, 40 MB less at 5,000 releases."""
        if self._catalog is None:
            return
        entries, parsed = self._entries, self._parsed
        for path in self._holding:
            entry = entries.get(path)
            if entry is not None and entry.blob:
                entries[path] = Entry(entry.version, entry.facts, b"", parsed[path])
        self._holding = set()


class SearchRows:
    """The static search index's rows (``search.static_row``) by release digest, and the
    index files made of them, kept between builds.

    A row needs the release's summary (its chapeau rendered); a rebuild after one edit would
    otherwise render a thousand chapeaux again to make one row.
    """

    def __init__(
        self,
        site: Site,
        rows: dict[str, list[str]] | None = None,
        index: StaticSearchIndex | None = None,
    ) -> None:
        self.site = site
        self.rows: dict[str, list[str]] = rows if rows is not None else {}
        # The index files made of the rows, kept too: a one-shot rebuild then updates the
        # files of the words that changed instead of inverting every row again.
        self.index = index if index is not None else StaticSearchIndex()
        self._dirty = False

    @classmethod
    def load(cls, site: Site) -> SearchRows:
        data = _load_pickle(site.instance_dir / SEARCH_CACHE_FILE)
        fits = data.get("version") == _rows_format()
        rows, index = (data.get("rows"), data.get("index")) if fits else (None, None)
        return cls(
            site,
            rows if isinstance(rows, dict) else None,
            index if isinstance(index, StaticSearchIndex) else None,
        )

    def index_files(self, rows: list[list[str]]) -> dict[str, bytes]:
        """The export's search index files for these rows (see ``StaticSearchIndex``)."""
        self._dirty = True
        return self.index.files(rows)

    def keep(self, rows: dict[str, list[str]]) -> None:
        """Remember these rows only (those of the releases of the index just made)."""
        if rows.keys() != self.rows.keys():
            self.rows = rows
            self._dirty = True

    def save(self) -> None:
        if self._dirty:
            data = {"version": _rows_format(), "rows": self.rows, "index": self.index}
            _save_pickle(self.site, SEARCH_CACHE_FILE, data)
            self._dirty = False


def _rows_format() -> str:
    # Rows are kept by release digest: another pressroom may make another row of the same file.
    return digest(CACHE_VERSION, engine_digest())


def _load_pickle(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            # Our own file, in the site's instance/ (machine state no visitor can write).
            data = pickle.load(handle)
    # A file damaged, or written by a pressroom whose classes moved: as if there were none.
    except (
        OSError,
        EOFError,
        ImportError,
        AttributeError,
        TypeError,
        ValueError,
        pickle.PickleError,
    ):
        return {}
    return data if isinstance(data, dict) else {}


def _save_pickle(site: Site, name: str, data: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        site.ensure_instance()
        path = site.instance_dir / name
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # a watch and a one-shot build may overlap
        with tmp.open("wb") as handle:
            pickle.dump(data, handle, protocol=5)
        os.replace(tmp, path)


def load_manifest(out: Path) -> dict[str, Any]:
    """The previous build's record of pages and their input digests (empty if none)."""
    try:
        data = json.loads((out / MANIFEST_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_manifest(out: Path, manifest: dict[str, Any]) -> None:
    tmp = out / f"{MANIFEST_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out / MANIFEST_FILE)


@dataclass
class BuildMemory:
    """What the builds of one site share: its parsed releases, legal pages and search rows.

    A one-shot build loads it from ``instance/`` and saves it back; ``--watch`` keeps one for
    the whole session, so a rebuild re-reads only the files that changed.
    """

    releases: ReleaseCache
    rows: SearchRows
    legal: LegalPages

    @classmethod
    def load(cls, site: Site) -> BuildMemory:
        return cls(ReleaseCache.load(site), SearchRows.load(site), LegalPages(site))

    def save(self) -> None:
        self.releases.save()
        self.rows.save()
