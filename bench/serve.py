"""Requests per second on a communiqué page, served by gunicorn, measured with wrk on loopback.

Run by hand: ``.venv/bin/python bench/serve.py [--workers 2] [--seconds 10]``. Needs gunicorn
(``pip install -e '.[bench]'``) and Debian's ``wrk``. Serves a copy of the demo site on
127.0.0.1 only; wrk's run is bounded in time and connections, then the server is stopped.

The server is started twice, with pressroom's gunicorn settings (each worker reads the
releases as it starts): the time from the start to the page's first answer is printed for a
first start (nothing in ``instance/``) and for a restart (what the first left there).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
PAGE = "/espace-presse/numerique-letat-recrute-300-postes-lors-de-son-forum-de-lemploi-tech/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=seconds) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"bench: {url} did not answer in {seconds} s")


def serve(gunicorn: Path, env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn with pressroom's settings (``-c``), on a free loopback port."""
    port = free_port()
    command = [str(gunicorn), "-c", "python:pressroom.web.gunicorn_conf", "--workers", str(workers)]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "pressroom.web:create_app()",
    ]
    return subprocess.Popen(command, env=env), port


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=int, default=10, help="length of the wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--corpus-copies",
        type=int,
        default=0,
        help="serve the corpus copied this many times instead of the demo site (62: 5,022)",
    )
    args = parser.parse_args()
    gunicorn = REPO / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists() or shutil.which("wrk") is None:
        print("bench: needs gunicorn (pip install -e '.[bench]') and wrk (apt-get install wrk)")
        return 2
    page = PAGE
    with tempfile.TemporaryDirectory(prefix="pressroom-serve-") as tmp:
        site = Path(tmp) / "site"
        if args.corpus_copies:
            # Every request checks the releases are current: at 5,000 files that must stay
            # cheaper than the page itself.
            from build import make_sources

            from pressroom.config import load_site
            from pressroom.store import load_catalog

            site, _jekyll, count = make_sources(Path(tmp), args.corpus_copies, distinct=True)
            page = load_catalog(load_site(site)).releases[0].url
            print(f"{count} release files; page {page}")
        else:
            shutil.copytree(REPO / "releases", site / "releases")
            shutil.copytree(REPO / "pages", site / "pages")
            shutil.copyfile(REPO / "pressroom.toml", site / "pressroom.toml")
        env = {**os.environ, "PRESSROOM_SITE": str(site), "PRESSROOM_SECRET_KEY": "bench"}
        url = f"http://127.0.0.1:{{port}}{quote(page)}"
        for start in ("first start", "restart"):
            server, port = serve(gunicorn, env, args.workers)
            try:
                began = time.perf_counter()
                wait_until_up(url.format(port=port), seconds=120)
                print(f"{start}: the page answered {time.perf_counter() - began:.2f} s after")
            finally:
                stop(server)
        server, port = serve(gunicorn, env, args.workers)
        try:
            wait_until_up(url.format(port=port), seconds=120)
            target = url.format(port=port)
            wrk = ["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s", target]
            result = subprocess.run(
                wrk,
                check=True,
                capture_output=True,
                text=True,
                timeout=args.seconds + 30,
            )
        finally:
            stop(server)
    print(result.stdout)
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if found:
        print(f"communiqué page under gunicorn ({args.workers} workers): {found[1]} requests/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
