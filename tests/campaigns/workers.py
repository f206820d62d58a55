"""Real processes for the worker tests: an SMTP sink and ``pressroom worker``s."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.mail.conftest import _free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Sink:
    """The sink process's port and the file it appends ``<time> <address>`` lines to."""

    port: int
    log: Path

    def lines(self) -> list[tuple[float, str]]:
        found = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            stamp, _, address = line.partition(" ")
            found.append((float(stamp), address))
        return found

    def copies(self) -> Counter[str]:
        return Counter(address for _, address in self.lines())


@contextmanager
def sink_process(folder: Path) -> Iterator[Sink]:
    """``python -m tests.campaigns.sink`` on a free port, stopped afterwards."""
    port, log = _free_port(), folder / "sink.log"
    log.touch()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.campaigns.sink", str(port), str(log)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield Sink(port, log)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def pressroom_command() -> str:
    found = Path(sys.executable).with_name("pressroom")
    return str(found) if found.exists() else (shutil.which("pressroom") or "pressroom")


def start_worker(site_root: Path, env: dict[str, str], workers: int = 1) -> subprocess.Popen[bytes]:
    """``pressroom --site ROOT worker`` in its own process."""
    return subprocess.Popen(
        [pressroom_command(), "--site", str(site_root), "worker", "--workers", str(workers)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr is not None:
        process.stderr.close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` (another process's progress) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
