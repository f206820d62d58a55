"""Uploaded images and attachments: checked by what they contain, never by their name.

An image must open and verify in Pillow as JPEG, PNG, WebP or GIF and stay under a pixel
count (a "decompression bomb" is a tiny file that expands to gigabytes); a PDF must start with
``%PDF-`` and open in pypdf; office documents must be the zip archives their formats are.
The stored name comes from python-slugify and the extension from the detected type, under
``releases/uploads/YYYY/``; an existing file is never overwritten (``-2``, ``-3``... instead).
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from pressroom.config import Site
from pressroom.errors import PressroomError
from pressroom.slug import ascii_slug

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# Office formats are zip archives; one member tells which format (OOXML, then OpenDocument).
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_MAX_SUFFIX = 1000


class UploadError(PressroomError):
    """An upload was refused. ``message`` is an English msgid with ``{}`` fields."""


@dataclass(frozen=True)
class StoredUpload:
    """A file now under ``releases/uploads/``: its URL in front matter, its kind and size."""

    url: str
    kind: str  # the extension of the detected type: "png", "pdf", "docx"...
    size: int
    original_name: str


def image_extension(data: bytes) -> str:
    """The extension of an image's real format, or ``UploadError``."""
    if len(data) > MAX_IMAGE_BYTES:
        raise UploadError("The image is too large (at most {n} MB).", n=str(MAX_IMAGE_BYTES >> 20))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: make that a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError("The image has too many pixels.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise UploadError("This file is not an image that can be read.") from None
    if kind not in IMAGE_FORMATS:
        raise UploadError("Images must be JPEG, PNG, WebP or GIF.")
    if width * height > MAX_IMAGE_PIXELS:
        raise UploadError("The image has too many pixels.")
    return IMAGE_FORMATS[kind]


def _is_pdf(data: bytes) -> bool:
    if not data.startswith(b"%PDF-"):
        return False
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about repairable files: fine
            reader = PdfReader(io.BytesIO(data), strict=False)
            return len(reader.pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return False


def _office_extension(data: bytes) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                for prefix, extension in _OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return extension
            if "mimetype" in names:
                kind = archive.read("mimetype").strip()
                return _OPENDOCUMENT.get(kind)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def file_extension(data: bytes) -> str:
    """The extension of an attachment's real type (PDF, image, office document)."""
    if len(data) > MAX_FILE_BYTES:
        raise UploadError("The file is too large (at most {n} MB).", n=str(MAX_FILE_BYTES >> 20))
    if not data:
        raise UploadError("The file is empty.")
    if data.startswith(b"%PDF-"):
        if _is_pdf(data):
            return "pdf"
        raise UploadError("This PDF cannot be read.")
    office = _office_extension(data)
    if office:
        return office
    try:
        return image_extension(data)
    except UploadError as exc:
        if exc.message == "This file is not an image that can be read.":
            raise UploadError(
                "Attachments must be PDF files, images or office documents "
                "(Word, Excel, PowerPoint, OpenDocument)."
            ) from None
        raise


def safe_stem(original_name: str) -> str:
    """A lower-case ASCII name from the uploader's, without its extension or folders."""
    base = original_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return ascii_slug(stem, max_length=60, word_boundary=True) or "fichier"


def _create(folder: Path, stem: str, extension: str, data: bytes) -> Path:
    """Write a new file, adding ``-2``, ``-3``... rather than replacing one that exists."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, _MAX_SUFFIX):
        name = f"{stem}.{extension}" if number == 1 else f"{stem}-{number}.{extension}"
        path = folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path
    raise UploadError("Too many files already have this name.")


def store_upload(
    site: Site, original_name: str, data: bytes, when: datetime, *, image: bool
) -> StoredUpload:
    """Check an upload's content, then keep it under ``releases/uploads/YYYY/``."""
    extension = image_extension(data) if image else file_extension(data)
    folder = site.uploads_dir / f"{when.year:04d}"
    path = _create(folder, safe_stem(original_name), extension, data)
    url = "/uploads/" + path.relative_to(site.uploads_dir).as_posix()
    return StoredUpload(url, extension, len(data), original_name)
