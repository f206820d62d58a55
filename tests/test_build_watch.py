"""``pressroom build --watch``: rebuilds on changes and at embargo time, survives bad files.

The loop is driven through its ``wait`` function: each test says which changes happen and
when, so nothing sleeps; one test runs it on watchfiles itself, in a thread.
"""

from __future__ import annotations

import queue
import re
import selectors
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from pressroom.config import Site
from pressroom.watch import MAX_WAIT, SiteWatch, notify_wait, watch_loop
from tests.newsroom_sites import TESTS, small_site
from tests.static_index import INDEX

NOW = datetime(2025, 1, 1, tzinfo=UTC)
DEUXIEME = "2022-05-10-deuxieme-communique.md"
DEUXIEME_PAGE = "espace-presse/deuxieme-communique/index.html"
EMBARGO_PAGE = "espace-presse/embargo/index.html"
EMBARGO_END = datetime(2030, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 +01:00 in its front matter
BAD_YAML = TESTS / "data" / "watch" / "2024-03-01-crochet-non-ferme.md"

Step = Callable[[float | None], set[Path] | None]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return small_site(tmp_path / "site")


def scripted(*steps: Step) -> Callable[[float | None], set[Path] | None]:
    """A ``wait`` that plays one step per call, then stops the loop."""
    pending = list(steps)

    def wait(timeout: float | None) -> set[Path] | None:
        return pending.pop(0)(timeout) if pending else None

    return wait


def edit(path: Path, old: str, new: str) -> Step:
    def step(_timeout: float | None) -> set[Path]:
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        return {path}

    return step


def run(watch: SiteWatch, *steps: Step) -> list[str]:
    lines: list[str] = []
    watch_loop(watch, scripted(*steps), lines.append)
    return lines


def _index_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (out / INDEX).iterdir()}


def test_changed_release_is_rewritten(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    watch = SiteWatch(site, out, pdf=False, clock=lambda: NOW)
    before: dict[str, bytes] = {}
    change = edit(site.releases_dir / DEUXIEME, "au centre", "toujours au centre")

    def look_then_change(timeout: float | None) -> set[Path] | None:
        before.update(_index_files(out))
        return change(timeout)

    lines = run(watch, look_then_change)
    assert "toujours au centre" in (out / DEUXIEME_PAGE).read_text(encoding="utf-8")
    after = _index_files(out)
    changed = sorted(name for name in after if before.get(name) != after[name])
    # Of the search index, only the file of the new word and the list of files ("to" is new).
    assert changed == ["keys.json", "w-to.json"]
    assert re.fullmatch(r"6 pages réécrites en \d+ ms", lines[-1])  # page, 3 feeds, 2 index


def test_rebuild_rewrites_only_the_pages_concerned(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    watch = SiteWatch(site, out, pdf=False, clock=lambda: NOW)
    watch.first_build()
    (site.releases_dir / DEUXIEME).write_text(
        (site.releases_dir / DEUXIEME).read_text().replace("Un dossier", "Un grand dossier")
    )
    rebuild = watch.build({site.releases_dir / DEUXIEME})
    assert rebuild.report is not None
    rendered = set(rebuild.report.rendered)
    assert "/espace-presse/deuxieme-communique/" in rendered
    assert "/espace-presse/" in rendered
    assert "/espace-presse/premier-communique/" not in rendered


def test_bad_release_is_reported_with_its_line_and_skipped(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    bad = site.releases_dir / BAD_YAML.name

    def add_bad(_timeout: float | None) -> set[Path]:
        shutil.copyfile(BAD_YAML, bad)
        return {bad}

    watch = SiteWatch(site, out, pdf=False, clock=lambda: NOW)
    lines = run(watch, add_bad, edit(site.releases_dir / DEUXIEME, "au centre", "au cœur"))
    assert f"releases/{bad.name}:5: error: syntaxe YAML" in "\n".join(lines)  # where it is seen
    assert "au cœur" in (out / DEUXIEME_PAGE).read_text(encoding="utf-8")  # the watch went on
    assert not (out / "espace-presse/un-communique-dont-le-yaml-est-casse").exists()


def test_embargo_end_wakes_the_watch_and_publishes(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    timeouts: list[float | None] = []
    with time_machine.travel(datetime(2030, 1, 15, 6, 55, tzinfo=UTC), tick=False) as clock:

        def time_passes(timeout: float | None) -> set[Path]:
            timeouts.append(timeout)
            clock.move_to(EMBARGO_END)
            return set()  # watchfiles' timeout: no file changed

        watch = SiteWatch(site, out, pdf=False)
        lines = run(watch, time_passes)
    assert timeouts == [300.0]
    assert (out / EMBARGO_PAGE).is_file()
    assert len(lines) == 2


def test_far_embargo_is_waited_for_in_steps(site: Site, tmp_path: Path) -> None:
    timeouts: list[float | None] = []

    def record(timeout: float | None) -> set[Path]:
        timeouts.append(timeout)
        return set()

    with time_machine.travel(datetime(2029, 1, 1, tzinfo=UTC), tick=False):
        run(SiteWatch(site, tmp_path / "out", pdf=False), record)
    assert timeouts == [MAX_WAIT]


def test_early_wake_before_the_embargo_builds_nothing(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with time_machine.travel(datetime(2030, 1, 15, 6, 0, tzinfo=UTC), tick=False):
        watch = SiteWatch(site, out, pdf=False)
        lines = run(watch, lambda _timeout: set())
    assert not (out / EMBARGO_PAGE).exists()
    assert len(lines) == 1  # the first build only


def test_changes_the_export_does_not_use_cause_no_rebuild(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    note = site.root / "instance" / "notes.txt"
    watch = SiteWatch(site, out, pdf=False, clock=lambda: NOW)
    lines = run(watch, lambda _timeout: {note, out / DEUXIEME_PAGE})
    assert len(lines) == 1


def test_settings_change_rebuilds_every_page(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    settings = site.root / "pressroom.toml"
    watch = SiteWatch(site, out, pdf=False, clock=lambda: NOW)
    lines = run(watch, edit(settings, "[site]\n", '[site]\nname = "Salle de presse"\n'))
    assert "Salle de presse" in (out / DEUXIEME_PAGE).read_text(encoding="utf-8")
    # Every page of the first build; not the search index, which shows no setting.
    index_files = len(list((out / INDEX).iterdir()))
    assert int(lines[-1].split()[0]) == int(lines[0].split()[0]) - index_files


def test_broken_settings_are_reported_and_the_old_ones_kept(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "out"
    settings = site.root / "pressroom.toml"
    watch = SiteWatch(site, out, pdf=False, clock=lambda: NOW)
    lines = run(watch, edit(settings, "per_page = 2", "per_page = 'deux'"))
    assert lines[-1].startswith("erreur : pressroom.toml : [site] per_page doit être de type int")
    assert watch.site.settings.per_page == 2


@pytest.fixture
def watching(site: Site, tmp_path: Path) -> Iterator[queue.Queue[str]]:
    """The watch on watchfiles, in a thread; its lines arrive in the queue."""
    lines: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    watch = SiteWatch(site, tmp_path / "out", pdf=False, clock=lambda: NOW)

    def loop() -> None:
        with notify_wait(site.root, stop) as wait:
            watch_loop(watch, wait, lines.put)

    thread = threading.Thread(target=loop)
    thread.start()
    yield lines
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_watchfiles_sees_a_saved_release(
    watching: queue.Queue[str], site: Site, tmp_path: Path
) -> None:
    assert "réécrites" in watching.get(timeout=30)  # the first build
    path = site.releases_dir / DEUXIEME
    path.write_text(path.read_text().replace("au centre", "au milieu"), encoding="utf-8")
    # The page, 3 feeds, and the search index's files that changed.
    assert re.match(r"\d+ pages réécrites", watching.get(timeout=30))
    assert "au milieu" in (tmp_path / "out" / DEUXIEME_PAGE).read_text(encoding="utf-8")


def test_watch_command_builds_then_stops_cleanly_on_sigterm(site: Site, tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from pressroom.cli import main; main()"]
    command += ["--site", str(site.root), "build", "--out", str(tmp_path / "out"), "--no-pdf"]
    command += ["--watch"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while not any("réécrites" in line for line in lines) and selector.select(timeout=60):
            lines.append(process.stdout.readline())
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert rest.splitlines()[-1] == "Arrêté."
    assert (tmp_path / "out" / DEUXIEME_PAGE).is_file()
