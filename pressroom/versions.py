"""What version of pressroom makes the output, for the caches that keep what it made.

A kept page, a parsed release or a rendered PDF is reused only while its inputs are unchanged,
and pressroom itself is one of them: after an upgrade, or an edit of pressroom's code or
translations, the next build makes everything again rather than keep what the older one made.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from collections.abc import Sequence
from functools import cache

# The libraries whose versions change what a parsed release, a page, a feed or a PDF holds.
SHAPING_LIBRARIES = (
    "babel",
    "feedgen",
    "jinja2",
    "markdown-it-py",
    "mdit-py-plugins",
    "nh3",
    "phonenumbers",
    "python-frontmatter",
    "python-slugify",
    "pyyaml",
    "tzdata",
    "weasyprint",
)


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


def files_digest(root: str) -> str:
    """The name, size and modification time of every file under ``root`` (bytecode aside)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                stat = os.stat(path)
                found.append((os.path.relpath(path, root), stat.st_size, stat.st_mtime_ns))
    return _digest(found)


def _project(name: str) -> str:
    """A project's name as PEP 503 normalises it (``PyYAML``, ``pyyaml`` → ``pyyaml``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def library_versions(folders: Sequence[str], projects: Sequence[str]) -> list[str]:
    """The installed versions of these projects, as the names of their metadata folders
    (``jinja2-3.1.6.dist-info``): a listing of each folder, where ``importlib.metadata``
    would read each project's metadata, ten times slower."""
    wanted = {_project(name) for name in projects}
    found = []
    for folder in folders:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            stem, _, kind = name.rpartition(".")
            if kind in ("dist-info", "egg-info") and _project(stem.split("-")[0]) in wanted:
                found.append(name)
    return sorted(found)


@cache
def engine_digest() -> str:
    """pressroom's own files (code, translations) and the shaping libraries' versions, as one
    digest: a few milliseconds, once per process."""
    own = files_digest(os.path.dirname(os.path.abspath(__file__)))
    return _digest(own, library_versions(sys.path, SHAPING_LIBRARIES))
