"""One release to PDF: pages, metadata, photos, variants, what a missing image does."""

from __future__ import annotations

import io
import logging
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from pressroom.config import Site
from pressroom.render.fetcher import FetchLog
from pressroom.render.pdf import PdfError, pdf_variant, render_pdf
from pressroom.store import load_catalog
from tests.conftest import DATA

SETTINGS = """\
[issuer]
name = "Direction de la communication"
address = "1 rue de l'Exemple, 75001 Paris"
logo = "/uploads/logo.png"

[press_contact]
name = "Service de presse"
email = "presse@example.org"
"""


def pdftotext(path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext missing: apt-get install poppler-utils"
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    files = {p.name: p.read_text(encoding="utf-8") for p in (DATA / "pdf").glob("*.md")}
    site = make_site(files, settings=SETTINGS)
    Image.new("RGB", (240, 80), (0, 0, 145)).save(site.uploads_dir / "logo.png")
    return site


def render(site: Site, slug: str, tmp_path: Path, **options: str) -> Path:
    release = load_catalog(site).get(slug)
    path = tmp_path / f"{slug}.pdf"
    path.write_bytes(render_pdf(site, release, **options))
    return path


def test_two_page_release_numbers_its_pages(site: Site, tmp_path: Path) -> None:
    path = render(site, "two-pages", tmp_path)
    pages = pdftotext(path).split("\f")
    assert len(PdfReader(path).pages) == 2
    assert "page 1/2" in pages[0]
    assert "page 2/2" in pages[1]


def test_footer_gives_the_issuers_address_on_every_page(site: Site, tmp_path: Path) -> None:
    pages = [p for p in pdftotext(render(site, "two-pages", tmp_path)).split("\f") if p.strip()]
    assert all("1 rue de l'Exemple, 75001 Paris" in page for page in pages)


def test_press_contact_block_stays_on_one_page(site: Site, tmp_path: Path) -> None:
    pages = pdftotext(render(site, "two-pages", tmp_path)).split("\f")
    holding = [p for p in pages if "CONTACT PRESSE" in p]
    assert len(holding) == 1
    assert "camille.martin@example.org" in holding[0]


def test_pdf_metadata_come_from_the_release(site: Site, tmp_path: Path) -> None:
    reader = PdfReader(render(site, "metadata", tmp_path))
    info = reader.metadata
    assert info is not None
    assert info.title == "Numérique : l’État ouvre ses données"
    assert info.author == "Direction de la communication"
    assert info.subject == "Le gouvernement publie ses données."
    assert info["/Keywords"] == "Open data, Etalab"
    assert info.creation_date is not None and info.creation_date.year == 2023
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_category_gives_the_label(site: Site, tmp_path: Path) -> None:
    assert "NOTE AUX RÉDACTIONS" in pdftotext(render(site, "metadata", tmp_path))


def test_issuer_logo_upload_is_printed(site: Site, tmp_path: Path) -> None:
    release = load_catalog(site).get("metadata")
    log = FetchLog()
    render_pdf(site, release, log=log)
    assert (site.uploads_dir / "logo.png").resolve() in log.opened


def test_pdf_is_tagged_pdf_ua_by_default(site: Site, tmp_path: Path) -> None:
    reader = PdfReader(render(site, "metadata", tmp_path))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


# WeasyPrint 70 opens its sRGB profile for PDF/A and leaves the closing to the garbage collector.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_pdf_a_variant_is_a_setting(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSROOM_PDF_VARIANT", "pdf/a-3b")
    root = PdfReader(render(site, "metadata", tmp_path)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfaid" in xmp
    assert bool(root["/MarkInfo"]["/Marked"])


def test_unknown_variant_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSROOM_PDF_VARIANT", "pdf/z-9")
    with pytest.raises(PdfError, match="PRESSROOM_PDF_VARIANT"):
        pdf_variant()


def test_missing_image_is_a_warning_and_the_pdf_comes_out(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        path = render(site, "photo", tmp_path)
    assert PdfReader(path).pages
    assert "photo-12mp.jpg: file not found" in caplog.text


def test_twelve_megapixel_photo_gives_a_pdf_under_one_megabyte(site: Site, tmp_path: Path) -> None:
    # Noise is the worst case for JPEG: what would be a 10+ MB camera file.
    noise = random.Random(4).randbytes(4000 * 3000 * 3)
    photo = io.BytesIO()
    Image.frombytes("RGB", (4000, 3000), noise).save(photo, "JPEG", quality=92)
    (site.uploads_dir / "photo-12mp.jpg").write_bytes(photo.getvalue())
    assert len(photo.getvalue()) > 5_000_000
    path = render(site, "photo", tmp_path)
    assert path.stat().st_size < 1_000_000
    photos = [i for page in PdfReader(path).pages for i in page.images if i.name.endswith(".jpg")]
    assert len(photos) == 1
