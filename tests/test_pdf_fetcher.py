"""What the PDF renderer may read: the site's uploads and theme, ``data:`` URLs, nothing else."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from pressroom.config import Site
from pressroom.render.fetcher import FetchLog, FetchRefused, SiteFetcher
from pressroom.render.pdf import render_pdf, site_origin
from pressroom.store import load_catalog
from tests.conftest import DATA

ORIGIN = "http://127.0.0.1:5000"
PNG_1PX = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    """A site with one upload and an upload that is a symlink pointing out of the site."""
    site = make_site({"hostile-images.md": (DATA / "pdf" / "hostile-images.md").read_text()})
    (site.uploads_dir / "logo.png").write_bytes(b"\x89PNG not really")
    os.symlink("/etc/hostname", site.uploads_dir / "escape.png")
    return site


@pytest.fixture
def fetcher(site: Site) -> SiteFetcher:
    return SiteFetcher(site, site_origin(site), FetchLog())


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://otherhost/etc/passwd",
        f"{ORIGIN}/etc/hostname",
        f"{ORIGIN}/uploads/../../../../etc/hostname",
        f"{ORIGIN}/uploads/%2e%2e/%2e%2e/%2e%2e/etc/hostname",
        f"{ORIGIN}/theme/../../../../etc/hostname",
        f"{ORIGIN}/uploads/escape.png",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/tracker.png",
        "ftp://example.org/x.png",
        "gopher://127.0.0.1:6379/_INFO",
        "HTTP://127.0.0.1:5001/uploads/logo.png",
    ],
)
def test_fetcher_refuses_what_is_not_the_sites(fetcher: SiteFetcher, url: str) -> None:
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.log is not None and fetcher.log.opened == []


def test_fetcher_serves_an_upload_by_absolute_path(fetcher: SiteFetcher, site: Site) -> None:
    got = fetcher.fetch(f"{ORIGIN}/uploads/logo.png")
    assert got.data == b"\x89PNG not really"
    assert fetcher.log is not None
    assert fetcher.log.opened == [(site.uploads_dir / "logo.png").resolve()]


def test_fetcher_serves_an_upload_relative_to_the_release(fetcher: SiteFetcher) -> None:
    got = fetcher.fetch(f"{ORIGIN}/espace-presse/some-release/uploads/logo.png")
    assert got.data == b"\x89PNG not really"


def test_fetcher_serves_theme_files(fetcher: SiteFetcher) -> None:
    got = fetcher.fetch(f"{ORIGIN}/theme/print/print.css")
    assert got.mime == "text/css"
    assert b"@page" in got.data


def test_fetcher_serves_files_by_url_inside_the_uploads(fetcher: SiteFetcher, site: Site) -> None:
    got = fetcher.fetch((site.uploads_dir / "logo.png").resolve().as_uri())
    assert got.data.startswith(b"\x89PNG")


def test_fetcher_decodes_data_urls(fetcher: SiteFetcher) -> None:
    got = fetcher.fetch(PNG_1PX)
    assert got.mime == "image/png"
    assert got.data.startswith(b"\x89PNG")


def test_refused_image_is_a_logged_warning(
    fetcher: SiteFetcher, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(FetchRefused):
        fetcher.fetch("file:///etc/passwd")
    assert "file:///etc/passwd" in caplog.text


def test_hostile_release_gives_a_pdf_and_reads_nothing_outside_the_site(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WeasyPrint's own opener (file, HTTP, FTP handlers) must never be reached.
    network: list[Any] = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda *args, **kw: network.append(args)
    )
    release = load_catalog(site).get("hostile-images")
    log = FetchLog()
    pdf = render_pdf(site, release, log=log)
    assert pdf.startswith(b"%PDF-")
    allowed = (site.uploads_dir.resolve(), *(d.resolve() for d in site.theme_dirs))
    outside = [p for p in log.opened if not any(root in p.parents for root in allowed)]
    assert outside == []
    assert network == []
    assert log.opened, "the theme's CSS and fonts were read through the fetcher"
    assert any("169.254.169.254" in url for url in log.refused)
    assert any(url.endswith("/etc/hostname") for url in log.refused)
    assert any(url.endswith("/uploads/escape.png") for url in log.refused)
