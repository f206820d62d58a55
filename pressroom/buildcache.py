"""What an incremental static build remembers between runs: parsed releases and page inputs.

Parsing a thousand front matters takes longer than rendering the one page that changed, so the
build keeps its parsed releases in the site's ``instance/`` (machine state, git-ignored), keyed
by each file's (mtime, size) as ``ReleaseStore`` does in memory. The output folder keeps a
manifest of each page's input digest, so a page is written again only when what it shows changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from dataclasses import replace
from functools import lru_cache, partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pressroom.config import Site
from pressroom.errors import Problem, ReleaseError
from pressroom.parallel import fork_map
from pressroom.release import Release
from pressroom.store import Catalog, build_catalog, read_release, release_files

CACHE_FILE = "build-cache.pickle"
SEARCH_CACHE_FILE = "build-search.pickle"
CACHE_VERSION = 1
MANIFEST_FILE = ".pressroom-build.json"

Parsed = tuple[tuple[int, int], Release | None, list[Problem]]


def digest(*parts: object) -> str:
    """A short, stable digest of values' ``repr`` (frozen dataclasses print all they hold)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


@lru_cache(maxsize=16384)
def release_digest(release: Release) -> str:
    """A release's digest, once per value: several pages of a build depend on each release."""
    return digest(release, release.metadata.get("permalink"))


def _plain(release: Release) -> Release:
    # MappingProxyType cannot be pickled: store plain dicts, wrap them again on load.
    return replace(release, metadata=dict(release.metadata), key_lines=dict(release.key_lines))


def _wrapped(release: Release) -> Release:
    return replace(
        release,
        metadata=MappingProxyType(dict(release.metadata)),
        key_lines=MappingProxyType(dict(release.key_lines)),
    )


def _load_cache(path: Path) -> dict[str, Parsed]:
    data = _load_pickle(path)
    entries = data.get("entries") if data.get("version") == CACHE_VERSION else None
    return entries if isinstance(entries, dict) else {}


def _parse(site: Site, item: tuple[Path, tuple[int, int]]) -> Parsed:
    """Read one release file, as the cache keeps it (picklable, for worker processes)."""
    path, version = item
    try:
        release, problems = read_release(site, path)
    except ReleaseError as exc:
        return version, None, [exc.problem]
    return version, _plain(release), problems


def cached_catalog(site: Site) -> Catalog:
    """The site's catalog, re-parsing only the files changed since the last build."""
    cache_path = site.instance_dir / CACHE_FILE
    old = _load_cache(cache_path)
    new: dict[str, Parsed] = {}
    entries: list[tuple[Path, Release | None, list[Problem]]] = []
    stats: list[tuple[Path, tuple[int, int]]] = []
    for path in release_files(site):
        try:
            stat = path.stat()
        except OSError:
            continue
        stats.append((path, (stat.st_mtime_ns, stat.st_size)))
    stale = [(p, v) for p, v in stats if (hit := old.get(p.as_posix())) is None or hit[0] != v]
    fresh = dict(zip([p for p, _ in stale], fork_map(partial(_parse, site), stale), strict=True))
    for path, _version in stats:
        key = path.as_posix()
        parsed = fresh.get(path) or old[key]
        new[key] = parsed
        release = _wrapped(parsed[1]) if parsed[1] is not None else None
        entries.append((path, release, parsed[2]))
    changed = bool(stale)
    if changed or set(old) != set(new):
        _save_pickle(site, CACHE_FILE, {"version": CACHE_VERSION, "entries": new})
    return build_catalog(sorted(entries, key=lambda e: e[0]))


def load_rows(site: Site) -> dict[str, Any]:
    """The static search index's rows of the last build, by release digest."""
    data = _load_pickle(site.instance_dir / SEARCH_CACHE_FILE)
    rows = data.get("rows") if data.get("version") == CACHE_VERSION else None
    return rows if isinstance(rows, dict) else {}


def save_rows(site: Site, rows: dict[str, Any]) -> None:
    _save_pickle(site, SEARCH_CACHE_FILE, {"version": CACHE_VERSION, "rows": rows})


def _load_pickle(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            # Our own file, in the site's instance/ (machine state no visitor can write).
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_pickle(site: Site, name: str, data: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        site.ensure_instance()
        path = site.instance_dir / name
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(data, handle, protocol=5)
        os.replace(tmp, path)


def load_manifest(out: Path) -> dict[str, Any]:
    """The previous build's record of pages and their input digests (empty if none)."""
    try:
        data = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_manifest(out: Path, manifest: dict[str, Any]) -> None:
    tmp = out / (MANIFEST_FILE + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out / MANIFEST_FILE)
