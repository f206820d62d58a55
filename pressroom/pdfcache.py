"""Rendered PDFs kept in the site's ``instance/cache/pdf/``, one file per version of a release.

A version is everything that changes the PDF's bytes: the release file, the uploads it shows,
the theme's print templates, CSS and fonts, the translations, the settings, the PDF variant,
and pressroom's and WeasyPrint's versions (``versions.engine_digest``). Its hash names the
cached file and is the ETag. Serving a cached PDF costs a few ``stat`` calls and one hash of
the release file (file contents are hashed once per (size, mtime) and remembered). Two first
requests for the same version wait on one lock file: the second finds the PDF the first
rendered.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from pressroom.config import Site
from pressroom.i18n import TRANSLATIONS_DIR
from pressroom.pdfname import release_pdf_name
from pressroom.pdfsupport import pdf_cache_dir
from pressroom.release import Release, upload_name
from pressroom.render.pdf import PdfError, render_pdf, site_variant
from pressroom.store import write_atomic
from pressroom.versions import engine_digest

# Theme folders whose files can change a PDF; pages and emails do not.
THEME_PARTS = ("print", "partials", "fonts")
LOCK_TIMEOUT = 180.0
# `/uploads/x.jpg`, `uploads/x.jpg` as Markdown, HTML or front matter name them.
_UPLOAD_REF = re.compile(r"""(?:^|[\s"'(=/])(/?uploads/[^\s"'()<>?#]+)""")


@dataclass(frozen=True)
class CachedPdf:
    """A rendered PDF on disk: where it is, its version key (the ETag) and its file name."""

    path: Path
    key: str
    name: str


class _Digests:
    """SHA-256 of files, recomputed only when a file's (size, mtime) changes.

    Paths are plain strings: this runs for every PDF request, where pathlib's overhead shows.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int, int, str]] = {}

    def of(self, path: str) -> str:
        try:
            stat = os.stat(path)
        except OSError:
            return "missing"
        with self._lock:
            known = self._known.get(path)
        if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        try:
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return "unreadable"
        with self._lock:
            self._known[path] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest


_DIGESTS = _Digests()


def _tree(root: str) -> Iterator[tuple[str, str]]:
    """(path relative to ``root``, full path) of the files under ``root``, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        relative = os.path.relpath(folder, root)
        for name in sorted(files):
            yield os.path.normpath(os.path.join(relative, name)), os.path.join(folder, name)


def _upload_names(site: Site, release: Release) -> list[str]:
    """Uploads a release may show: its images, those its text names, the issuer's logo."""
    named = [image.src for image in release.images] + [site.settings.issuer_logo]
    named += [m.group(1) for m in _UPLOAD_REF.finditer(release.body + "\n" + release.chapeau)]
    names = {name for url in named if (name := upload_name(url)) is not None}
    return sorted(names)


def cache_key(site: Site, release: Release, variant: str) -> str:
    """The hash of everything a release's PDF is made from."""
    h = hashlib.sha256()

    def add(*parts: str) -> None:
        for part in parts:
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")

    add(engine_digest(), variant, repr(site.settings), release.url)
    source = os.path.join(site.root, release.path)
    add("release", _DIGESTS.of(source) if os.path.isfile(source) else repr(release))
    for index, theme in enumerate(site.theme_dirs):
        for part in THEME_PARTS:
            for name, path in _tree(os.path.join(theme, part)):
                add(f"theme{index}", part, name, _DIGESTS.of(path))
    for name, path in _tree(str(TRANSLATIONS_DIR)):
        add("po", name, _DIGESTS.of(path))
    uploads = str(site.uploads_dir)
    for name in _upload_names(site, release):
        add("upload", name, _DIGESTS.of(os.path.join(uploads, name)))
    return h.hexdigest()[:32]


def _release_id(release: Release) -> str:
    return hashlib.sha256(release.url.encode("utf-8")).hexdigest()[:12]


def _prune(folder: Path, release_id: str, keep: Path) -> None:
    """Remove the older versions of one release's PDF (and their lock files)."""
    for old in folder.glob(f"{release_id}-*"):
        if old != keep and not old.name.startswith(keep.name):
            old.unlink(missing_ok=True)


def cached_pdf(site: Site, release: Release) -> CachedPdf | None:
    """The release's PDF if this version is already rendered, else None; never renders."""
    variant = site_variant(site)
    key = cache_key(site, release, variant)
    path = pdf_cache_dir(site) / f"{_release_id(release)}-{key}.pdf"
    return CachedPdf(path, key, release_pdf_name(release)) if path.is_file() else None


def pdf_for(site: Site, release: Release) -> CachedPdf:
    """The release's PDF for its current version: from the cache, or rendered once and kept."""
    variant = site_variant(site)
    key = cache_key(site, release, variant)
    folder = pdf_cache_dir(site)
    release_id = _release_id(release)
    path = folder / f"{release_id}-{key}.pdf"
    found = CachedPdf(path, key, release_pdf_name(release))
    if path.is_file():
        return found
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT):
            if not path.is_file():
                write_atomic(path, render_pdf(site, release, variant=variant))
                _prune(folder, release_id, keep=path)
    except Timeout:
        raise PdfError("another process has been rendering this PDF for too long") from None
    return found


def prerender(site: Site, release: Release) -> CachedPdf:
    """Render a release's PDF ahead of its first download (what a publish task calls)."""
    return pdf_for(site, release)


def export_pdf(site: Site, release: Release, out_dir: Path) -> Path:
    """Write a release's PDF as ``out_dir/<slug>/<NAME>.pdf``, the public URL's last parts."""
    cached = pdf_for(site, release)
    target = out_dir / release.slug / cached.name
    write_atomic(target, cached.path.read_bytes())
    return target
