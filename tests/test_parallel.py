"""``fork_map``: the calling process works as one of the workers, results come back in order,
and a worker's failure is raised in the caller without leaving processes behind."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from pressroom import parallel
from pressroom.errors import PressroomError
from pressroom.parallel import WorkerError, fork_map

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork here"
)


@pytest.fixture(autouse=True)
def three_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(parallel, "_workers", lambda: 3)


def _slow_pid(item: int) -> tuple[int, int]:
    time.sleep(0.002)  # long enough for every process to take a share
    return item, os.getpid()


def test_results_come_in_order_from_the_caller_and_two_forked_processes() -> None:
    results = fork_map(_slow_pid, list(range(300)))
    assert [item for item, _ in results] == list(range(300))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids  # the caller took a share, its results were not pickled
    assert len(pids) == 3


def test_a_busy_caller_takes_fewer_items() -> None:
    """Items are claimed a few at a time: work done meanwhile leaves the rest to the others."""
    results = fork_map(_slow_pid, list(range(300)), meanwhile=lambda: time.sleep(0.3))
    mine = sum(1 for _, pid in results if pid == os.getpid())
    assert mine < 100  # a third would be its share without the wait


CALLER = os.getpid()


def _fails_in_a_worker(item: int) -> int:
    time.sleep(0.002)
    if os.getpid() != CALLER:
        raise PressroomError("{name}: cannot be read", name="release.md")
    return item


def _children() -> set[str]:
    """This process's children, exited but not waited for included (Linux's /proc)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


def test_a_worker_failure_is_raised_in_the_caller_as_it_was() -> None:
    before = _children()
    with pytest.raises(PressroomError, match=r"release\.md: cannot be read") as raised:
        fork_map(_fails_in_a_worker, list(range(300)))
    assert raised.value.params == {"name": "release.md"}
    assert _children() == before  # all waited for


class _Unpicklable(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")


def _fails_oddly(item: int) -> int:
    time.sleep(0.002)
    if os.getpid() != CALLER:
        raise _Unpicklable(7, "odd")
    return item


def test_an_exception_that_cannot_travel_is_described() -> None:
    before = _children()
    with pytest.raises(WorkerError, match="_Unpicklable: 7 odd"):
        fork_map(_fails_oddly, list(range(300)))
    assert _children() == before


def _fails_here(item: int) -> int:
    time.sleep(0.002)
    if os.getpid() == CALLER:
        raise PressroomError("stopped here")
    return item


def test_a_failure_in_the_caller_stops_the_workers() -> None:
    before = _children()
    with pytest.raises(PressroomError, match="stopped here"):
        fork_map(_fails_here, list(range(300)))
    assert _children() == before


def test_small_batches_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 200)
    assert {pid for _, pid in fork_map(_slow_pid, list(range(10)))} == {os.getpid()}
