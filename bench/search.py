"""Search at 5,000 releases: the server's ``/espace-presse/recherche`` and the export's script.

Run by hand (never in the test suite): ``.venv/bin/python bench/search.py [--copies 62]``.
The corpus is copied until the site holds about 5,000 release files (each copy made distinct by
one sentence, so every release is its own document).

- Server: the app in-process (Flask's test client, no network), the first query (which builds
  the search index), each query of ``QUERIES`` repeated (median and slowest), then the first
  query after one release is saved (``--server-only`` stops there).
- Static export: ``pressroom build --no-pdf``, the size of its search index (raw and gzipped,
  as a web server sends it), then Debian's Chromium (Playwright) opening the export's search
  page from a plain static server on loopback, from navigation to the results shown; first
  with an empty browser cache, then with the index files cached; and how much of the index
  the search read (raw and gzipped). The copies share their words, so gzip flatters the
  sizes; the raw bytes read are the fair comparison.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import PRESSROOM, make_sources

# A common word, a rare one, one typed without its accent, a prefix, two terms, no match.
QUERIES = ["numerique", "cybersecurite", "etat", "numer", "france services", "zzzzqx"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]


def _note_file(fetched: set[str], request: Any) -> None:
    """Remember the name of each file the page asks for (Playwright's request event)."""
    fetched.add(request.url.rsplit("/", 1)[-1])


def server_queries(site: Path, repeats: int) -> None:
    from pressroom.web import create_app
    from pressroom.web.public import settle_memory

    app = create_app(site)
    client = app.test_client()
    start = time.perf_counter()
    response = client.get("/espace-presse/recherche?q=numerique")
    first = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    print(f"server   first query (builds the index)   {first * 1000:7.0f} ms")
    settle_memory()  # as ``pressroom serve`` and gunicorn's workers do once warmed up
    for query in QUERIES:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get("/espace-presse/recherche", query_string={"q": query})
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        hits = response.get_data(as_text=True).count('class="entry"')
        median, slowest = statistics.median(times) * 1000, max(times) * 1000
        print(
            f"server   q={query!r:18} {hits:3} shown   median {median:6.1f} ms"
            f"   slowest {slowest:6.1f} ms"
        )
    # One release saved as pressroom saves (a new file renamed over it): the next search
    # reads it again and updates the index for its words only. A release each time, 9 times.
    after_edit = []
    for edited in sorted((site / "releases").iterdir())[10:19]:
        fresh = edited.with_name(".edit.tmp")
        fresh.write_text(edited.read_text(encoding="utf-8") + "\nUne phrase ajoutée.\n")
        os.replace(fresh, edited)
        start = time.perf_counter()
        response = client.get("/espace-presse/recherche?q=numerique")
        after_edit.append(time.perf_counter() - start)
    median, slowest = statistics.median(after_edit) * 1000, max(after_edit) * 1000
    print(
        f"server   first query after a release saved   median {median:6.0f} ms"
        f"   slowest {slowest:6.0f} ms"
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""


def static_queries(out: Path, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    folder = out / "espace-presse" / "recherche" / "index"
    sizes = {
        p.name: (p.stat().st_size, len(gzip.compress(p.read_bytes(), 6))) for p in folder.iterdir()
    }
    raw = sum(r for r, _ in sizes.values())
    packed = sum(g for _, g in sizes.values())
    print(
        f"static   index: {len(sizes)} files, {raw / 1e6:5.2f} MB, gzipped {packed / 1e6:5.2f} MB"
        f" (largest file gzipped {max(g for _, g in sizes.values()) / 1e3:.0f} kB)"
    )
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/espace-presse/recherche/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for query in QUERIES:
                context = browser.new_context()  # an empty cache for the first visit
                page = context.new_page()
                fetched: set[str] = set()
                page.on("request", functools.partial(_note_file, fetched))
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    page.goto(base + "?q=" + query)
                    page.wait_for_selector("#search-results > p")
                    times.append(time.perf_counter() - start)
                shown = page.locator("#search-results li").count()
                context.close()
                read = [sizes[name] for name in fetched if name in sizes]
                raw_read, packed_read = sum(r for r, _ in read), sum(g for _, g in read)
                print(
                    f"static   q={query!r:18} {shown:3} shown   first {times[0] * 1000:6.0f} ms"
                    f"   cached median {statistics.median(times[1:]) * 1000:6.0f} ms"
                    f"   index read {raw_read / 1e3:5.0f} kB ({packed_read / 1e3:3.0f} kB gzipped)"
                )
            browser.close()
    finally:
        server.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=62, help="copies of the corpus (62: 5,022)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--server-only", action="store_true", help="skip the static export")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pressroom-search-") as tmp:
        root = Path(tmp)
        site, _jekyll, count = make_sources(root, args.copies, distinct=True)
        print(f"{count} release files")
        server_queries(site, args.repeats)
        if args.server_only:
            return 0
        out = root / "out"
        subprocess.run(
            [*PRESSROOM, "--site", str(site), "build", "--out", str(out), "--no-pdf"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        static_queries(out, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
