"""Killing the process in the middle of a save leaves the previous file intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pressroom.config import Site
from pressroom.store import load_catalog, release_files
from tests.conftest import REPO
from tests.editor.conftest import Person, release_file, version_in

SLUG = "la-dinum-ouvre-un-nouveau-service"


def test_release_survives_a_kill_between_write_and_rename(editor: Person, demo_site: Site) -> None:
    editor.create()
    path = release_file(demo_site.root, SLUG)
    before = path.read_bytes()
    version = version_in(editor.edit_page(SLUG))
    child = subprocess.Popen(
        [
            sys.executable, "-m", "tests.editor.save_then_hang",
            str(demo_site.root), SLUG, str(editor.account.id), version,
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.startswith("PAUSED "), (line, child.stderr.read() if child.stderr else "")
        temporary = Path(line.split(" ", 1)[1].strip())
        assert temporary.stat().st_size > 800_000  # the new version is written, not renamed
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert temporary.exists()  # left behind by the crash...
    assert temporary not in list(release_files(demo_site))  # ...and never read as a release
    catalog = load_catalog(demo_site)
    assert catalog.get(SLUG).title == "La DINUM ouvre un nouveau service"
    assert not [p for p in catalog.problems if ".tmp" in p.path]
