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
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pressroom.config import Site
from pressroom.errors import Problem, ReleaseError
from pressroom.release import Release
from pressroom.store import Catalog, build_catalog, read_release, release_files

CACHE_FILE = "build-cache.pickle"
CACHE_VERSION = 1
MANIFEST_FILE = ".pressroom-build.json"

Parsed = tuple[tuple[int, int], Release | None, list[Problem]]


def digest(*parts: object) -> str:
    """A short, stable digest of values' ``repr`` (frozen dataclasses print all they hold)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


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
    try:
        with path.open("rb") as handle:
            # Our own file, in the site's instance/ (machine state no visitor can write).
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def cached_catalog(site: Site) -> Catalog:
    """The site's catalog, re-parsing only the files changed since the last build."""
    cache_path = site.instance_dir / CACHE_FILE
    old = _load_cache(cache_path)
    new: dict[str, Parsed] = {}
    entries: list[tuple[Path, Release | None, list[Problem]]] = []
    changed = False
    for path in release_files(site):
        try:
            stat = path.stat()
        except OSError:
            continue
        key = path.as_posix()
        version = (stat.st_mtime_ns, stat.st_size)
        hit = old.get(key)
        if hit is not None and hit[0] == version:
            release = _wrapped(hit[1]) if hit[1] is not None else None
            problems = hit[2]
        else:
            changed = True
            try:
                release, problems = read_release(site, path)
            except ReleaseError as exc:
                release, problems = None, [exc.problem]
        new[key] = (version, _plain(release) if release else None, problems)
        entries.append((path, release, problems))
    if changed or set(old) != set(new):
        with contextlib.suppress(OSError):
            site.ensure_instance()
            tmp = cache_path.with_suffix(".tmp")
            with tmp.open("wb") as handle:
                pickle.dump({"version": CACHE_VERSION, "entries": new}, handle, protocol=5)
            os.replace(tmp, cache_path)
    return build_catalog(sorted(entries, key=lambda e: e[0]))


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
