"""How fast PDFs are made and served (issue 4). Run by hand: ``.venv/bin/python bench/pdf.py``.

Prints, in one run, on the corpus (``shared/corpus``: communiqués and the seed):

1. the median cold render time per release (``render_pdf``: view, template, WeasyPrint);
2. its ratio to bare WeasyPrint on the same HTML (default fetcher, new font configuration
   each time, as a script calling ``HTML(string=...).write_pdf()`` would) — goal ≤ 1.15;
3. the time to serve a cached PDF through the Flask test client — goal < 1/100 of a render;
4. the speed-up of ``pressroom pdf --all`` on two cores over one — goal ≥ 1.7.

Timings are wall-clock on a machine others may share; run it twice when figures look odd.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import weasyprint

from pressroom.config import Site, load_site
from pressroom.pdfcache import pdf_for
from pressroom.pdfname import release_pdf_name
from pressroom.render.pdf import print_document, render_pdf
from pressroom.store import load_catalog
from pressroom.web import create_app

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PRESSROOM_CORPUS", REPO.parent / "shared" / "corpus"))
PRESSROOM = Path(sys.executable).with_name("pressroom")
THEME = REPO / "templates"


def make_site(root: Path) -> Site:
    """The corpus's communiqués and the seed as one site, with the demo settings."""
    (root / "releases").mkdir(parents=True)
    sources = sorted((CORPUS / "numerique-gouv" / "communiques").glob("*.m*"))
    for path in [*sources, CORPUS / "seed-communique.md"]:
        if path.suffix in (".md", ".markdown"):
            shutil.copyfile(path, root / "releases" / path.name)
    shutil.copyfile(REPO / "pressroom.toml", root / "pressroom.toml")
    return load_site(root)


def median_seconds(samples: list[float]) -> float:
    return statistics.median(samples)


def cold_renders(site: Site) -> tuple[float, float]:
    """Median seconds per release: ours, and bare WeasyPrint on the same HTML."""
    releases = load_catalog(site).public(datetime.now(UTC))
    render_pdf(site, releases[0])  # the fonts of a long-running process are loaded once
    ours, bare = [], []
    for release in releases:
        start = time.perf_counter()
        render_pdf(site, release)
        ours.append(time.perf_counter() - start)
        # The same HTML with the theme's CSS and fonts as plain file URLs, for the default fetcher.
        document = print_document(site, release)
        html = document.html.replace('href="/theme/', f'href="{THEME.as_uri()}/')
        start = time.perf_counter()
        weasyprint.HTML(string=html, base_url=document.base_url).write_pdf(pdf_variant="pdf/ua-1")
        bare.append(time.perf_counter() - start)
    return median_seconds(ours), median_seconds(bare)


def cached_serving(site: Site) -> float:
    """Median seconds to serve an already rendered PDF through the Flask test client."""
    release = load_catalog(site).public(datetime.now(UTC))[0]
    pdf_for(site, release)
    client = create_app(site, {"TESTING": True, "SECRET_KEY": "bench"}).test_client()
    url = release.url + release_pdf_name(release)
    samples = []
    for _ in range(50):
        start = time.perf_counter()
        response = client.get(url, buffered=True)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return median_seconds(samples)


def all_on(jobs: int, workdir: Path) -> float:
    """Seconds for ``pressroom pdf --all`` on a fresh copy of the site (empty cache)."""
    root = workdir / f"jobs{jobs}"
    make_site(root)
    start = time.perf_counter()
    subprocess.run(
        [str(PRESSROOM), "--site", str(root), "pdf", "--all", "--jobs", str(jobs)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-") as tmp:
        work = Path(tmp)
        site = make_site(work / "site")
        count = len(load_catalog(site).public(datetime.now(UTC)))
        ours, bare = cold_renders(site)
        served = cached_serving(site)
        one = all_on(1, work)
        two = all_on(2, work)
    print(f"releases rendered:          {count}")
    print(f"cold render, median:        {ours * 1000:.0f} ms per release")
    print(f"bare WeasyPrint, median:    {bare * 1000:.0f} ms  → ratio {ours / bare:.2f} (≤ 1.15)")
    print(
        f"cached PDF served, median:  {served * 1000:.2f} ms  → 1/{ours / served:.0f} of a render"
        " (goal: under 1/100)"
    )
    print(f"pdf --all, 1 core:          {one:.1f} s")
    print(f"pdf --all, 2 cores:         {two:.1f} s  → speed-up {one / two:.2f} (≥ 1.7)")


if __name__ == "__main__":
    main()
