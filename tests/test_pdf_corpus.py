"""Every public communiqué of the corpus gives a PDF that says what it should (issue 4).

The PDFs are made once per session by the real command (``pressroom pdf --all``, on every core)
and then read back with poppler's tools, as a journalist's viewer would, and with pypdf.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pressroom.cli import cli
from pressroom.config import load_site
from pressroom.pdfname import release_pdf_name
from pressroom.render.context import release_view
from pressroom.store import load_catalog
from tests.conftest import CORPUS, REPO, corpus_files

A4_POINTS = "595.276 x 841.89 pts (A4)"


def poppler(tool: str, *args: str) -> str:
    """Run one of poppler-utils' tools (``apt-get install poppler-utils``) and return its output."""
    assert shutil.which(tool), f"{tool} missing: apt-get install poppler-utils"
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=True)
    return done.stdout


def normalised(text: str) -> str:
    """Text as compared here: NFC, every run of spaces (no-break ones too) one space.

    Hyphens are left out: pdftotext joins a line ending in ``-`` to the next and drops the
    ``-`` (it takes it for a hyphenation), so ``2018 -`` at the end of a line reads ``2018``.
    """
    text = unicodedata.normalize("NFC", text).replace("-", " ").replace("\u2010", " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class CorpusPdf:
    """One public release and what its PDF reads as."""

    slug: str
    title: str
    date_line: str
    email: str
    lang: str
    path: Path
    text: str


@pytest.fixture(scope="session")
def corpus_pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[CorpusPdf]:
    """The corpus (communiqués and the seed) as one site, every public PDF made by the CLI."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS} (set PRESSROOM_CORPUS)")
    root = tmp_path_factory.mktemp("corpus-site")
    (root / "releases").mkdir()
    for path in corpus_files("numerique-gouv/communiques", "seed-communique.md"):
        shutil.copyfile(path, root / "releases" / path.name)
    shutil.copyfile(REPO / "pressroom.toml", root / "pressroom.toml")
    out = root / "out"
    result = CliRunner().invoke(
        cli, ["--site", str(root), "pdf", "--all", "--out", str(out), "--jobs", "2"]
    )
    assert result.exit_code == 0, result.output
    site = load_site(root)
    found = []
    for release in load_catalog(site).public(datetime.now(UTC)):
        view = release_view(site, release)
        path = out / release.slug / release_pdf_name(release)
        text = poppler("pdftotext", str(path), "-") if path.is_file() else ""
        found.append(
            CorpusPdf(
                release.slug, view.title, view.date_line, view.contact.email, view.lang, path, text
            )
        )
    return found


def test_every_public_corpus_release_gets_a_pdf(corpus_pdfs: list[CorpusPdf]) -> None:
    missing = [pdf.slug for pdf in corpus_pdfs if not pdf.path.is_file()]
    assert len(corpus_pdfs) > 50
    assert missing == []


def test_every_pdf_shows_its_title(corpus_pdfs: list[CorpusPdf]) -> None:
    wrong = [p.slug for p in corpus_pdfs if normalised(p.title) not in normalised(p.text)]
    assert wrong == []


def test_every_pdf_shows_its_date_line(corpus_pdfs: list[CorpusPdf]) -> None:
    wrong = [p.slug for p in corpus_pdfs if normalised(p.date_line) not in normalised(p.text)]
    assert wrong == []


def test_every_pdf_shows_its_press_contact_email(corpus_pdfs: list[CorpusPdf]) -> None:
    assert all(p.email for p in corpus_pdfs), "the demo settings give a default contact"
    wrong = [p.slug for p in corpus_pdfs if normalised(p.email) not in normalised(p.text)]
    assert wrong == []


def test_every_pdf_embeds_all_its_fonts(corpus_pdfs: list[CorpusPdf]) -> None:
    wrong = []
    for pdf in corpus_pdfs:
        rows = poppler("pdffonts", str(pdf.path)).splitlines()[2:]
        # Columns: name type encoding emb sub uni object ID; the name may hold no spaces.
        if not rows or any(row.split()[-5] != "yes" for row in rows):
            wrong.append(pdf.slug)
    assert wrong == []


def test_every_pdf_is_a4_tagged_and_titled(corpus_pdfs: list[CorpusPdf]) -> None:
    wrong = []
    for pdf in corpus_pdfs:
        info = poppler("pdfinfo", str(pdf.path))
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        if (
            normalised(fields.get("Title", "")) != normalised(pdf.title)
            or fields.get("Tagged", "").strip() != "yes"
            or fields.get("Page size", "").strip() != A4_POINTS
        ):
            wrong.append(pdf.slug)
    assert wrong == []


def test_every_pdf_declares_its_language(corpus_pdfs: list[CorpusPdf]) -> None:
    wrong = [
        pdf.slug
        for pdf in corpus_pdfs
        if PdfReader(pdf.path).trailer["/Root"].get("/Lang") != pdf.lang
    ]
    assert wrong == []


def test_drafts_get_no_pdf_from_all(corpus_pdfs: list[CorpusPdf]) -> None:
    out = corpus_pdfs[0].path.parents[1]
    written = {path.parent.name for path in out.glob("*/*.pdf")}
    assert written == {pdf.slug for pdf in corpus_pdfs}
