"""Rendered public pages kept in memory: each is rendered once per change of what it shows.

A key names everything a page depends on (the release's value, which is equal as long as its
file's content is; the templates' versions; the interface language...), so a changed input is a
new key and a stale page is never served; old entries fall off the end of the LRU.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pressroom.config import Site
from pressroom.release import Release, upload_name

MAX_PAGES = 2048


@dataclass(frozen=True)
class CachedPage:
    """A rendered page with its validators."""

    body: bytes
    etag: str
    last_modified: datetime


class PageCache:
    """A thread-safe LRU of rendered pages."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self.renders = 0  # how many times a page had to be rendered (for tests and benches)

    def get(
        self, key: Hashable, last_modified: datetime, render: Callable[[], str | bytes]
    ) -> CachedPage:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                return page
        content = render()
        body = content.encode("utf-8") if isinstance(content, str) else content
        page = CachedPage(body, hashlib.blake2b(body, digest_size=16).hexdigest(), last_modified)
        with self._lock:
            self.renders += 1
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return page


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def theme_version(site: Site) -> tuple[tuple[str, int], ...]:
    """The templates' files and modification times: any edit to the theme is a new version."""
    found: list[tuple[str, int]] = []
    for root in site.theme_dirs:
        for folder in ("page", "partials", "print"):
            try:
                entries = list(os.scandir(root / folder))
            except OSError:
                continue
            found += [(e.path, e.stat().st_mtime_ns) for e in entries if e.is_file()]
    return tuple(sorted(found))


def uploads_version(site: Site, release: Release) -> tuple[tuple[str, int], ...]:
    """Which of a release's images and files exist, and since when: a page links only those."""
    found = []
    for url in [i.src for i in release.images] + [f.url for f in release.files]:
        name = upload_name(url)
        if name is not None:
            found.append((name, _mtime(site.uploads_dir / name)))
    return tuple(found)


def release_mtime(site: Site, release: Release) -> datetime:
    """When the release's file last changed (its date if the file cannot be read)."""
    nanoseconds = _mtime(site.root / release.path)
    if not nanoseconds:
        return release.date
    return datetime.fromtimestamp(nanoseconds / 1e9, UTC)


def newest(*moments: datetime | int) -> datetime:
    """The latest of datetimes and ``st_mtime_ns`` values, for ``Last-Modified``."""
    values = [
        m if isinstance(m, datetime) else datetime.fromtimestamp(m / 1e9, UTC) for m in moments
    ]
    return max(values, default=datetime(2000, 1, 1, tzinfo=UTC))
