"""A build that cannot write stops with a message naming the file, and leaves no half-written
file behind: the next build, with room again, makes the whole site.

The file-size limit of the process (``RLIMIT_FSIZE``) makes writes fail for real, as a full
disk does, without a disk to fill; the build runs in a process of its own, forking its
workers or not.
"""

from __future__ import annotations

import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pressroom.config import Site
from tests.newsroom_sites import small_site

BUILD = """
import sys
from pressroom import build, parallel
from pressroom.cli import main

if sys.argv.pop(1) == "forked":  # as a big site's build does
    parallel.MIN_ITEMS = build.AHEAD_MIN_TEXTS = 1
    parallel._workers = lambda: 2
sys.argv = ["pressroom", "--site", sys.argv[1], "build", "--out", sys.argv[2], "--no-pdf"]
main()
"""
LIMIT = 20_000  # bytes: the theme's fonts and the feeds are bigger


def _build(
    site: Site, out: Path, how: str, limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limited() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-c", BUILD, how, str(site.root), str(out)]
    return subprocess.run(command, capture_output=True, text=True, preexec_fn=limited)


def _files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize("how", ["in-process", "forked"])
def test_a_write_that_fails_stops_the_build_with_the_file_named(tmp_path: Path, how: str) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    failed = _build(site, out, how, limit=LIMIT)
    assert failed.returncode == 1
    said = re.fullmatch(r"Error: construction interrompue : (.+) : File too large\n", failed.stderr)
    assert said, failed.stderr
    assert Path(said[1]).is_relative_to(out)
    assert not [name for name in _files(out) if name.endswith(".tmp")]

    again = _build(site, out, how)
    assert again.returncode == 0, again.stderr
    complete = _build(site, tmp_path / "complete", how)
    assert complete.returncode == 0, complete.stderr
    assert _files(out) == _files(tmp_path / "complete")


WATCH = """
import resource, signal, sys
from pathlib import Path
from pressroom.config import load_site
from pressroom.watch import SiteWatch

site = load_site(sys.argv[1])
watch = SiteWatch(site, Path(sys.argv[2]), pdf=False)
print(watch.first_build().lines("fr")[-1])
page = site.releases_dir / "2022-05-10-deuxieme-communique.md"
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
for limit, text in ((2_000, "au milieu"), (soft, "au cœur")):  # a full disk, then room again
    page.write_text(page.read_text().replace("au centre", text), encoding="utf-8")
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    print(watch.build([page]).lines("fr")[-1])
    page.write_text(page.read_text().replace(text, "au centre"), encoding="utf-8")
"""


def test_a_watch_says_a_failed_write_and_builds_again_once_there_is_room(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    command = [sys.executable, "-c", WATCH, str(site.root), str(out)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    first, failed, again = result.stdout.splitlines()
    assert re.fullmatch(r"\d+ pages réécrites .*en \d+ ms", first)
    stopped = rf"erreur : construction interrompue : {re.escape(str(out))}/\S+ : File too large"
    assert re.fullmatch(stopped, failed)  # the first file of the rebuild (a feed)
    page = out / "espace-presse" / "deuxieme-communique" / "index.html"
    assert re.fullmatch(r"\d+ pages réécrites en \d+ ms", again)
    assert "au cœur" in page.read_text(encoding="utf-8")
    assert not [p for p in out.rglob("*.tmp")]
