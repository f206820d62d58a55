"""What the PDF renderer may read: the site's uploads, its theme, and ``data:`` URLs. Nothing else.

A release is written by people and may name any URL (``file:///etc/passwd``, a cloud metadata
address, ``/../../etc/hostname``); the renderer must not become a way to read the server's
files or to reach its network. Every URL WeasyPrint wants goes through ``SiteFetcher.fetch``,
which maps it to a file under an allowed folder (real paths compared, symlinks resolved) or
refuses it. A refusal is logged as a warning and the PDF comes out without that resource.

This module holds the policy only; ``pressroom.render.pdf`` adapts it to WeasyPrint.
"""

from __future__ import annotations

import io
import logging
import mimetypes
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

from pressroom.config import Site
from pressroom.errors import PressroomError

logger = logging.getLogger(__name__)

# Where the theme's files appear to the renderer: /theme/print/print.css, /theme/fonts/...
THEME_PREFIX = "/theme/"
UPLOADS_PREFIX = "/uploads/"
MAX_FETCH_BYTES = 64 * 1024 * 1024
# A photo printed across an A4 text column (17 cm) needs no more than ~240 dpi.
MAX_IMAGE_SIDE = 1600
JPEG_QUALITY = 82
_RESAMPLED = {"JPEG", "PNG", "WEBP", "TIFF", "BMP"}


class FetchRefused(PressroomError):
    """The renderer asked for something outside the site's uploads and theme."""


@dataclass(frozen=True)
class Fetched:
    """A resource handed to the renderer: its bytes and what they are."""

    url: str
    data: bytes
    mime: str


@dataclass
class FetchLog:
    """Every URL asked for and every file opened, so a test can prove what was read."""

    requested: list[str] = field(default_factory=list)
    opened: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or root in path.parents for root in roots)


class SiteFetcher:
    """Maps the URLs of one release's print HTML to the site's own files, refusing the rest.

    ``origin`` is the address the HTML is rendered at (the site's ``base_url``), so that
    ``/uploads/x.jpg``, ``uploads/x.jpg`` relative to the release, and the site's own absolute
    URLs all name the same upload, and links in the PDF point to the public site.
    """

    def __init__(self, site: Site, origin: str, log: FetchLog | None = None) -> None:
        self.site = site
        parts = urlsplit(origin)
        self.scheme = parts.scheme.lower()
        self.netloc = parts.netloc.lower()
        self.base_path = parts.path.rstrip("/")
        self.uploads_root = site.uploads_dir.resolve()
        self.theme_roots = tuple(d.resolve() for d in site.theme_dirs)
        self.log = log
        self._lock = threading.Lock()

    def fetch(self, url: str) -> Fetched:
        """The resource at ``url``, or ``FetchRefused`` saying why it may not be read."""
        if self.log is not None:
            with self._lock:
                self.log.requested.append(url)
        try:
            return self._fetch(url)
        except FetchRefused as exc:
            if self.log is not None:
                with self._lock:
                    self.log.refused.append(url)
            logger.warning("PDF: %s", exc)
            raise

    def _fetch(self, url: str) -> Fetched:
        if url[:5].lower() == "data:":
            return self._data(url)
        try:
            parts = urlsplit(url)
        except ValueError:
            raise FetchRefused(f"malformed URL {url[:200]!r} not fetched") from None
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise FetchRefused(f"{url[:200]} is on another machine; not fetched")
            path = Path(unquote(parts.path))
            return self._file(url, path, self.uploads_root, *self.theme_roots)
        if scheme == self.scheme and parts.netloc.lower() == self.netloc:
            return self._site_path(url, unquote(parts.path))
        raise FetchRefused(f"{url[:200]} is not a file of this site; the PDF leaves it out")

    def _site_path(self, url: str, path: str) -> Fetched:
        if self.base_path and path.startswith(self.base_path + "/"):
            path = path[len(self.base_path) :]
        if "\\" in path or "\x00" in path:
            raise FetchRefused(f"{url[:200]}: unusual characters in the path; not fetched")
        if path.startswith(THEME_PREFIX):
            name = path[len(THEME_PREFIX) :]
            for root in self.theme_roots:
                candidate = root / name
                if candidate.is_file():
                    return self._file(url, candidate, root)
            raise FetchRefused(f"{url[:200]}: no such theme file")
        # A release's relative ``uploads/x.jpg`` resolves under its own URL: same upload.
        marker = path.find(UPLOADS_PREFIX)
        if marker >= 0:
            name = path[marker + len(UPLOADS_PREFIX) :]
            return self._file(url, self.site.uploads_dir / name, self.uploads_root)
        raise FetchRefused(f"{url[:200]} is neither an upload nor a theme file; not fetched")

    def _file(self, url: str, path: Path, *roots: Path) -> Fetched:
        """Read a file only if its real path (symlinks and ``..`` resolved) is under a root."""
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise FetchRefused(f"{url[:200]}: file not found") from None
        if not _inside(real, roots):
            raise FetchRefused(f"{url[:200]} is outside the site's uploads and theme")
        if not real.is_file():
            raise FetchRefused(f"{url[:200]} is not a file")
        if real.stat().st_size > MAX_FETCH_BYTES:
            raise FetchRefused(f"{url[:200]} is larger than {MAX_FETCH_BYTES >> 20} MB")
        if self.log is not None:
            with self._lock:
                self.log.opened.append(real)
        data = real.read_bytes()
        mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        if mime.startswith("image/"):
            data, mime = downscale(data, mime)
        return Fetched(url, data, mime)

    def _data(self, url: str) -> Fetched:
        if len(url) > MAX_FETCH_BYTES:
            raise FetchRefused("data: URL too large; not used")
        try:
            with urllib.request.DataHandler().data_open(urllib.request.Request(url)) as resp:
                data = resp.read()
                mime = resp.headers.get_content_type()
        except (ValueError, OSError):
            raise FetchRefused("malformed data: URL; not used") from None
        return Fetched("data:", data, mime)


def downscale(data: bytes, mime: str) -> tuple[bytes, str]:
    """Shrink a photo larger than print needs, so a 12-megapixel upload stays a light PDF.

    Small images, vector images, animations and anything Pillow cannot read pass unchanged.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in _RESAMPLED or max(image.size) <= MAX_IMAGE_SIDE:
                return data, mime
            if getattr(image, "n_frames", 1) > 1:
                return data, mime
            fitted = ImageOps.exif_transpose(image)
            fitted.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            if fitted.mode in ("RGBA", "LA", "P") and image.format != "JPEG":
                fitted.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            fitted.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        logger.warning("PDF: an image could not be read for resizing; used as it is")
        return data, mime
