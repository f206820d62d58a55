"""A build spread over worker processes writes exactly what a build in one process writes.

Big sites fork workers (``pressroom.parallel``); the test sites are small, so the threshold is
lowered here to make every batch fork, and the two outputs are compared byte for byte.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom import build, parallel
from pressroom.build import build_site
from pressroom.buildcache import SEARCH_CACHE_FILE
from pressroom.cli import cli
from pressroom.config import Site
from tests.newsroom_sites import CORPUS_RELEASES, corpus_site, small_site
from tests.static_index import INDEX, holding, shown_rows

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork here"
)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _forking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(build, "AHEAD_MIN_TEXTS", 1)
    monkeypatch.setattr(parallel, "_workers", lambda: 2)


def _build(site: Site, out: Path) -> dict[str, bytes]:
    shutil.rmtree(site.instance_dir, ignore_errors=True)
    build_site(site, out, pdf=False)
    return _files(out)


@pytest.mark.skipif(not CORPUS_RELEASES.is_dir(), reason="corpus not available")
def test_forked_build_of_the_corpus_is_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = corpus_site(tmp_path / "site")
    alone = _build(site, tmp_path / "alone")
    _forking(monkeypatch)
    forked = _build(site, tmp_path / "forked")
    assert forked.keys() == alone.keys()
    assert [name for name in alone if forked[name] != alone[name]] == []


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Site, Path]:
    """The small site built once with every batch forked (and forking for the rest)."""
    _forking(monkeypatch)
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    return site, out


def test_forked_rebuild_updates_the_search_index_row_of_the_changed_release(
    built: tuple[Site, Path],
) -> None:
    site, out = built
    path = site.releases_dir / "2022-05-10-deuxieme-communique.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Un dossier", "Un dossier xylophone"), encoding="utf-8")
    report = build_site(site, out, pdf=False)
    assert "/espace-presse/deuxieme-communique/" in report.rendered
    assert holding(out, "xylophone") == ["/espace-presse/deuxieme-communique/"]
    urls = [row[0] for row in shown_rows(out)]
    assert len(urls) == len(set(urls))


def test_index_rows_lost_with_the_cache_are_made_again_for_unchanged_pages(
    built: tuple[Site, Path],
) -> None:
    """Rows the page workers did not make (their pages unchanged) are made by the build."""
    site, out = built
    index = out / INDEX
    first = _files(index)
    (site.instance_dir / SEARCH_CACHE_FILE).unlink()
    shutil.rmtree(index)
    report = build_site(site, out, pdf=False)
    assert sorted(report.rendered) == sorted("/" + INDEX + "/" + name for name in first)
    assert _files(index) == first


def test_jobs_bound_the_processes_a_build_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 4)
    assert parallel.forks(10_000)
    with parallel.at_most(1):
        assert not parallel.forks(10_000)  # one process: nothing forked
    with parallel.at_most(2):
        assert parallel._workers() == 2
    assert parallel._workers() == 4


def test_build_command_with_one_job_forks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forking(monkeypatch)  # every batch would fork...
    monkeypatch.setattr(parallel, "_workers", lambda: min(2, parallel._LIMIT[0] or 2))

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a worker was forked")

    monkeypatch.setattr(multiprocessing, "get_context", refused)
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["--site", str(site.root), "build", "--out", str(out), "--no-pdf", "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output  # ...but --jobs 1 keeps it in one process
    assert (out / "espace-presse" / "index.html").is_file()
    refused_zero = CliRunner().invoke(
        cli, ["--site", str(site.root), "build", "--out", str(out), "--jobs", "0"]
    )
    assert refused_zero.exit_code == 2
    assert "--jobs" in refused_zero.output


PRELOADED_DATES = """
import builtins, sys
from datetime import datetime, timezone
from pressroom.config import load_site
from pressroom.pages import load_page_templates
from pressroom.render.context import long_date

load_page_templates(load_site(sys.argv[1]), ["fr", "en"])
opened = []
real_open = builtins.open

def watched(file, *args, **kwargs):
    opened.append(str(file))
    return real_open(file, *args, **kwargs)

builtins.open = watched  # as a forked worker, from here: what does a date still read?
long_date(datetime(2021, 11, 18, tzinfo=timezone.utc), "fr")
long_date(datetime(2021, 11, 18, tzinfo=timezone.utc), "en")
print([name for name in opened if name.endswith(".dat")])
"""


def _printed(script: str, site: Site) -> str:
    """What a Python script prints, run on the site in a process of its own."""
    command = [sys.executable, "-c", script, str(site.root)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def test_workers_inherit_the_date_formats_of_the_site_languages(tmp_path: Path) -> None:
    """Loaded before the fork, Babel's CLDR data is not read again by every worker."""
    assert _printed(PRELOADED_DATES, small_site(tmp_path / "site")) == "[]"


PRELOADED_FEEDS_AND_PHONES = """
import sys
from pressroom.config import load_site
from pressroom.pages import load_page_templates

load_page_templates(load_site(sys.argv[1]), ["fr"], feeds=True)
loaded = set(sys.modules)
import pressroom.feeds  # as a forked worker, from here: what does a feed or a phone link load?
from pressroom.phones import tel_uri

assert tel_uri("01 71 21 12 50", "Europe/Paris") == "tel:+33171211250"
print(sorted(set(sys.modules) - loaded))
"""


def test_workers_inherit_the_feed_generator_and_the_numbering_plan(tmp_path: Path) -> None:
    """feedgen with lxml (13–17 ms) and phonenumbers (12–14 ms) are loaded once before the fork,
    not again by every worker making a feed or a page with a phone."""
    assert _printed(PRELOADED_FEEDS_AND_PHONES, small_site(tmp_path / "site")) == "[]"


EXIT_WITHOUT_COLLECTING = """
import atexit, gc, sys
from pressroom.cli import main

atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0))  # runs after main's
sys.argv = ["pressroom", "--version"]
main()
"""


def test_the_command_leaves_its_objects_out_of_the_last_collection() -> None:
    """Python's collection at exit walks every object of a built site to free memory the
    process hands back anyway (40 ms of a 1.2 s build)."""
    result = subprocess.run(
        [sys.executable, "-c", EXIT_WITHOUT_COLLECTING], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "frozen True"


ENDING = """
import atexit, os, sys
from pressroom.cli import main


def finalising(event, args, write=os.write):  # an audit hook outlives the modules
    if event == "cpython.PyInterpreterState_Clear":  # Python's own shutdown, at its end
        write(1, b"torn down\\n")


sys.addaudithook(finalising)
atexit.register(lambda: print("exit functions ran"))
sys.argv = ["pressroom", *sys.argv[1:]]
main()
"""


def _ending(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", ENDING, *args]
    return subprocess.run(command, capture_output=True, text=True)


def test_a_finished_build_ends_without_tearing_python_down(tmp_path: Path) -> None:
    """Freeing a built site's objects one by one at exit cost 8 ms of a 0.85 s build; the
    output is flushed and the exit functions run all the same, even into a pipe."""
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    result = _ending("--site", str(site.root), "build", "--out", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "exit functions ran"
    assert "torn down" not in lines
    assert lines[0].startswith(f"{out} : ") and "pages écrites" in lines[0]
    assert (out / "espace-presse" / "index.html").is_file()


def test_a_build_started_with_its_output_closed_ends_without_a_word(tmp_path: Path) -> None:
    """Python gives such a process no ``sys.stdout``: nothing to flush, nothing to say."""
    site = small_site(tmp_path / "site")
    command = [sys.executable, "-c", ENDING, "--site", str(site.root), "build", "--out"]
    result = subprocess.run(
        [*command, str(tmp_path / "out"), "--no-pdf"],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert (tmp_path / "out" / "espace-presse" / "index.html").is_file()


def test_other_endings_tear_python_down_as_usual(tmp_path: Path) -> None:
    """A command that did not ask it, and a build that failed, end the usual way."""
    assert "torn down" in _ending("--version").stdout.splitlines()
    site = small_site(tmp_path / "site")
    (site.root / "templates" / "page").mkdir(parents=True)
    (site.root / "templates" / "page" / "base.html").write_text("{% if %}", encoding="utf-8")
    failed = _ending("--site", str(site.root), "build", "--out", str(tmp_path / "out"))
    assert failed.returncode == 1
    assert "base.html:1" in failed.stderr
    assert failed.stdout.splitlines()[-2:] == ["exit functions ran", "torn down"]


def test_the_build_module_leaves_the_page_renderers_to_the_parse() -> None:
    """Jinja and Markdown (45 ms) are imported while a cold build's workers read the files."""
    code = "import sys, pressroom.cli.build, pressroom.build; " + (
        "print(sorted({'jinja2', 'markdown_it', 'pressroom.pages'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
