"""Uploads are judged by their content: real images and PDFs in, anything else out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from PIL import Image

from pressroom.config import Site
from pressroom.uploads import UploadError, safe_stem, store_upload
from tests.editor.conftest import pdf_bytes, png_bytes

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site()


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buffer, kind)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif")]
)
def test_images_of_the_allowed_formats_are_kept(site: Site, kind: str, extension: str) -> None:
    stored = store_upload(site, "photo", _image(kind), WHEN, image=True)
    assert stored.url == f"/uploads/2026/photo.{extension}"
    assert (site.uploads_dir / "2026" / f"photo.{extension}").read_bytes() == _image(kind)


def test_extension_comes_from_the_content_not_the_name(site: Site) -> None:
    stored = store_upload(site, "visuel.pdf", png_bytes(), WHEN, image=True)
    assert stored.url == "/uploads/2026/visuel.png"


def test_text_named_like_an_image_is_refused(site: Site) -> None:
    with pytest.raises(UploadError, match="not an image"):
        store_upload(site, "photo.jpg", b"<script>alert(1)</script>", WHEN, image=True)
    assert not (site.uploads_dir / "2026").exists()


def test_svg_is_not_an_accepted_image(site: Site) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    with pytest.raises(UploadError):
        store_upload(site, "logo.svg", svg, WHEN, image=True)


def test_bmp_is_refused_even_though_pillow_reads_it(site: Site) -> None:
    with pytest.raises(UploadError, match="JPEG, PNG, WebP or GIF"):
        store_upload(site, "scan.bmp", _image("BMP"), WHEN, image=True)


def test_decompression_bomb_is_refused(site: Site) -> None:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # 100 Mpx in a few kB
    with pytest.raises(UploadError, match="too many pixels"):
        store_upload(site, "bomb.png", buffer.getvalue(), WHEN, image=True)


def test_pdf_attachment_is_kept_as_pdf(site: Site) -> None:
    stored = store_upload(site, "Dossier de presse.PDF", pdf_bytes(), WHEN, image=False)
    assert stored.url == "/uploads/2026/dossier-de-presse.pdf"


def test_pdf_signature_without_a_readable_pdf_is_refused(site: Site) -> None:
    with pytest.raises(UploadError, match="PDF cannot be read"):
        store_upload(site, "faux.pdf", b"%PDF-1.7\n<html><script>x</script>", WHEN, image=False)


def test_office_document_is_recognised_by_its_zip_content(site: Site) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    stored = store_upload(site, "note.bin", buffer.getvalue(), WHEN, image=False)
    assert stored.kind == "docx"


def test_executable_attachment_is_refused(site: Site) -> None:
    with pytest.raises(UploadError, match="PDF files, images or office documents"):
        store_upload(site, "rapport.pdf.exe", b"MZ\x90\x00" + b"\x00" * 64, WHEN, image=False)


def test_file_over_the_size_limit_is_refused(site: Site) -> None:
    with pytest.raises(UploadError, match="too large"):
        store_upload(site, "gros.pdf", b"%PDF-" + b"0" * (25 * 1024 * 1024), WHEN, image=False)


def test_existing_upload_is_never_overwritten(site: Site) -> None:
    first = store_upload(site, "logo.png", png_bytes(), WHEN, image=True)
    second = store_upload(site, "logo.png", png_bytes(20, 20), WHEN, image=True)
    assert (first.url, second.url) == ("/uploads/2026/logo.png", "/uploads/2026/logo-2.png")
    assert (site.uploads_dir / "2026" / "logo.png").read_bytes() == png_bytes()


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\Été 2026 — «visuel».png", "ete-2026-visuel"),
        ("<script>.png", "script"),
        (".png", "fichier"),
    ],
)
def test_stored_names_are_safe(name: str, stem: str) -> None:
    assert safe_stem(name) == stem
