"""The scale-out web server: gunicorn with pressroom's settings (``pressroom.web.gunicorn_conf``).

A real gunicorn on loopback: each worker says when it has read and indexed the releases,
then serves the newsroom.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from tests.campaigns.workers import stop
from tests.mail.conftest import _free_port
from tests.newsroom_sites import small_site

pytest.importorskip("gunicorn", reason="pip install -e '.[test]'")


def test_gunicorn_workers_read_the_releases_before_the_first_visitor(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    port = _free_port()
    env = {**os.environ, "PRESSROOM_SITE": str(site.root), "PRESSROOM_SECRET_KEY": "test"}
    command = [sys.executable, "-m", "gunicorn", "-c", "python:pressroom.web.gunicorn_conf"]
    command += ["-w", "1", "-b", f"127.0.0.1:{port}", "--log-level", "info"]
    with subprocess.Popen(
        [*command, "pressroom.web:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        watchdog = threading.Timer(30, server.kill)  # a worker that never says it: its log ends
        watchdog.start()
        try:
            assert server.stderr is not None
            seen = []
            for line in server.stderr:  # gunicorn's log
                seen.append(line)
                if "pressroom: ready" in line:
                    break
            assert seen and "releases read and indexed" in seen[-1], "".join(seen)
            url = f"http://127.0.0.1:{port}/espace-presse/premier-communique/"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                assert "Premier communiqué" in response.read().decode("utf-8")
        finally:
            watchdog.cancel()
            stop(server)  # type: ignore[arg-type]
