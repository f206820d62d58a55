"""What version of pressroom made the output: its files, and the libraries that shape it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pressroom import pdfcache, versions
from pressroom.buildcache import cache_format
from pressroom.config import Site
from pressroom.store import load_catalog
from pressroom.versions import engine_digest, files_digest, library_versions


def test_files_digest_follows_an_edited_file_not_bytecode(tmp_path: Path) -> None:
    (tmp_path / "pages.py").write_text("A = 1\n")
    (tmp_path / "__pycache__").mkdir()
    before = files_digest(str(tmp_path))
    (tmp_path / "__pycache__" / "pages.cpython-311.pyc").write_bytes(b"compiled")
    assert files_digest(str(tmp_path)) == before
    (tmp_path / "pages.py").write_text("A = 2\n")
    os.utime(tmp_path / "pages.py", ns=(1, 1))  # same size: the time tells
    assert files_digest(str(tmp_path)) != before


def test_library_versions_are_read_from_their_metadata_folders(tmp_path: Path) -> None:
    for name in (
        "PyYAML-6.0.2.dist-info",
        "markdown_it_py-4.3.0.dist-info",
        "Jinja2-3.1.6.egg-info",
        "pytest-9.0.0.dist-info",
        "markdown_it",
    ):
        (tmp_path / name).mkdir()
    found = library_versions([str(tmp_path), str(tmp_path / "missing")], versions.SHAPING_LIBRARIES)
    assert found == [
        "Jinja2-3.1.6.egg-info",
        "PyYAML-6.0.2.dist-info",
        "markdown_it_py-4.3.0.dist-info",
    ]


def test_every_shaping_library_is_found_installed() -> None:
    """A name that matches nothing would never notice that library's upgrades."""
    found = library_versions(sys.path, versions.SHAPING_LIBRARIES)
    assert len(found) == len(versions.SHAPING_LIBRARIES), found


def test_parsed_releases_are_kept_per_pressroom(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_format()
    monkeypatch.setattr("pressroom.buildcache.engine_digest", lambda: "an upgraded pressroom")
    assert cache_format() != before


def test_a_pdf_is_kept_per_pressroom(
    make_site: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    site: Site = make_site({"a.md": "---\ntitle: Un titre\ndate: 2021-01-01\n---\n\nCorps.\n"})  # type: ignore[operator]
    release = load_catalog(site).releases[0]
    before = pdfcache.cache_key(site, release, "pdf/ua-1")
    monkeypatch.setattr(pdfcache, "engine_digest", lambda: "an upgraded pressroom")
    assert pdfcache.cache_key(site, release, "pdf/ua-1") != before


def test_engine_digest_is_worked_out_once_per_process() -> None:
    assert engine_digest() == engine_digest()
    assert engine_digest.cache_info().currsize == 1
