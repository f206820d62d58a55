"""``fork_map``: the calling process works as one of the workers, results come back in order,
and a worker's failure is raised in the caller without leaving processes behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
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


class _Unpicklable(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")


def _children() -> set[str]:
    """This process's children, exited but not waited for included (Linux's /proc)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


FAILURES = {
    "in a worker": (False, PressroomError("{name}: cannot be read", name="release.md")),
    "in a worker, unpicklable": (False, _Unpicklable(7, "odd")),
    "in the caller": (True, PressroomError("stopped here")),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failure_is_raised_in_the_caller_and_leaves_no_process(case: str) -> None:
    in_caller, error = FAILURES[case]

    def failing(item: int) -> int:
        time.sleep(0.002)
        if (os.getpid() == CALLER) == in_caller:
            raise error
        return item

    before = _children()
    with pytest.raises(PressroomError) as raised:
        fork_map(failing, list(range(300)))
    if isinstance(error, PressroomError):  # as it was raised
        assert str(raised.value) == str(error)
        assert raised.value.params == error.params
    else:  # described
        assert isinstance(raised.value, WorkerError)
        assert "_Unpicklable: 7 odd" in str(raised.value)
    assert _children() == before  # every worker waited for


def test_a_worker_killed_mid_batch_is_said_and_leaves_no_process() -> None:
    """Killed (by the kernel's out-of-memory killer, say), a worker sends no failure: the
    caller says it ended without its results, and stops the others."""

    def dying(item: int) -> int:
        time.sleep(0.002)
        if item == 150 and os.getpid() != CALLER:
            os.kill(os.getpid(), signal.SIGKILL)
        return item

    before = _children()
    with pytest.raises(WorkerError, match="ended without its results"):
        fork_map(dying, list(range(300)), meanwhile=lambda: time.sleep(0.3))  # 150 is theirs
    assert _children() == before


def test_the_caller_takes_the_workers_results_while_the_batch_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between two of its own chunks: only the last chunks' results are left to unpickle
    when the batch ends (those of a thousand parsed releases took 20 ms)."""
    taken: list[tuple[str, int]] = []
    take, wait = parallel.Results.take, parallel.Results.wait

    def counting_take(self: parallel.Results) -> list[tuple[int, object]]:
        results = take(self)
        taken.append(("running", len(results)))
        return results

    def marking_wait(self: parallel.Results) -> list[tuple[int, object]]:
        taken.append(("ended", 0))
        return wait(self)

    monkeypatch.setattr(parallel.Results, "take", counting_take)
    monkeypatch.setattr(parallel.Results, "wait", marking_wait)
    assert [item for item, _ in fork_map(_slow_pid, list(range(300)))] == list(range(300))
    first_end = taken.index(("ended", 0))
    assert sum(count for _, count in taken[:first_end]) > 100  # most of the workers' 200


def test_small_batches_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 200)
    assert {pid for _, pid in fork_map(_slow_pid, list(range(10)))} == {os.getpid()}


@pytest.mark.parametrize("processes", [1, 3])
def test_progress_is_told_as_items_are_made(
    processes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted in the caller while it works, never more than are made, up to all of them."""
    monkeypatch.setattr(parallel, "_workers", lambda: processes)
    made: list[int] = []
    told: list[tuple[int, int]] = []  # (told, made by then, counted in the caller)

    def slow(item: int) -> int:
        time.sleep(0.002)
        if os.getpid() == CALLER:
            made.append(item)
        return item

    fork_map(slow, list(range(300)), progress=lambda done: told.append((done, len(made))))
    values = [done for done, _ in told]
    assert values == sorted(set(values))  # rising
    assert values[-1] == 300
    assert len(values) > 10  # while working, not only at the end
    if processes == 1:
        assert all(done == mine for done, mine in told)


def test_a_worker_killed_mid_batch_leaves_the_chunks_to_the_others() -> None:
    """Chunks are handed out like a job server's tokens, with no lock a dead process could
    keep: the others take every chunk it did not, each once."""
    chunks = parallel.Chunks(100, 3)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked process
        next(chunks.ranges())  # takes its first chunk, then dies without a word
        os.kill(os.getpid(), 9)
    os.waitpid(pid, 0)
    taken = [index for first, stop in chunks.ranges() for index in range(first, stop)]
    chunks.close()
    assert taken == list(range(3, 100))  # all but the dead one's chunk, in order


def test_taken_counts_the_chunks_every_process_took() -> None:
    chunks = parallel.Chunks(10, 4)  # items 0–3, 4–7, 8–9
    claimed = chunks.ranges()
    assert chunks.taken() == 0
    assert next(claimed) == (0, 4)
    assert chunks.taken() == 4
    rest = list(claimed)
    assert rest == [(4, 8), (8, 10)]
    assert chunks.taken() == 10  # not 12: the last chunk is short
    chunks.close()


def _double(item: int) -> int:
    return item * 2


def test_batches_leave_no_descriptor_open() -> None:
    """A watch forks a batch at every big rebuild, for days: pipes must not pile up."""
    fork_map(_double, list(range(50)))
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        assert fork_map(_double, list(range(50))) == [i * 2 for i in range(50)]
    assert len(os.listdir("/proc/self/fd")) == before


def test_chunks_beyond_what_a_pipe_takes_at_once_are_refused() -> None:
    """Written before anyone reads, more indices than the pipe holds would block for ever."""
    with pytest.raises(ValueError, match="513 chunks"):
        parallel.Chunks(513, 1)


@pytest.mark.parametrize("count", [255, 511, 512, 5000])
def test_eight_processes_make_no_more_chunks_than_the_pipe_takes(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "_workers", lambda: 8)  # at most 8, whatever the machine
    assert fork_map(_double, list(range(count))) == [i * 2 for i in range(count)]
