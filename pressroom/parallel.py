"""Spreading a big batch of pure-Python work (parsing, rendering) over the machine's cores.

Python threads do not run Python code in parallel, so a cold build of a thousand releases forks
worker processes, which inherit everything already loaded (site, catalog, templates) for free.
Small batches, and machines without ``fork``, run in the calling process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn, TypeVar

from pressroom.errors import PressroomError

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 200  # below this, starting workers costs more than it saves

_LIMIT: list[int | None] = [None]  # see ``at_most``


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _workers() -> int:
    limit = _LIMIT[0]
    return min(cores(), 8, limit if limit is not None else 8)


@contextmanager
def at_most(workers: int | None) -> Iterator[None]:
    """Use at most this many processes in the block (``build --jobs``; 1: none forked), to
    leave cores to other work on a shared machine."""
    previous, _LIMIT[0] = _LIMIT[0], workers
    try:
        yield
    finally:
        _LIMIT[0] = previous


def forks(count: int, min_items: int | None = None) -> bool:
    """Whether ``fork_map`` spreads this many items over worker processes.

    What the workers would each load again is worth loading beforehand only then.
    """
    threshold = MIN_ITEMS if min_items is None else min_items
    return count >= threshold and _workers() >= 2 and hasattr(os, "fork")


def fork_map(
    function: Callable[[T], R],
    items: Sequence[T],
    min_items: int | None = None,
    meanwhile: Callable[[], object] | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[R]:
    """``[function(i) for i in items]``, over forked workers when the batch is big enough.

    The calling process is one of the workers: it forks one fewer process than it uses, and
    what it makes itself is neither pickled nor copied page by page from the memory it shares
    with the others. Workers take the items a chunk at a time (``Chunks``), so a process
    slowed down (by ``meanwhile``, or by a busy machine) simply takes fewer; the others send
    each chunk's results back pickled as they make them (``Results``), which the calling
    process takes between two of its own chunks (``function`` and ``items`` are not pickled:
    the workers inherit them).

    ``meanwhile`` is work of the calling process the workers do not need: it runs first
    (they are forked before it, and inherit none of it), then that process joins the batch.
    ``progress`` is told, in the calling process, how many items are made so far (counting
    those the other processes have taken, less the chunk each may still be working on).
    """
    if not forks(len(items), min_items):
        if meanwhile is not None:
            meanwhile()
        if progress is None:
            return [function(item) for item in items]
        made = []
        for item in items:
            made.append(function(item))
            progress(len(made))
        return made
    processes = _workers()
    chunk = max(1, len(items) // (processes * 32))
    chunks = Chunks(len(items), chunk)
    for stream in (sys.stdout, sys.stderr):  # a child must not write the parent's buffers again
        with suppress(Exception):
            stream.flush()
    # Objects the workers inherit are kept out of their garbage collector: a collection would
    # touch every one of them and copy, page by page, the memory that fork shares.
    gc.freeze()
    children: list[Results] = []
    try:
        for _ in range(processes - 1):
            results_of = Results()
            children.append(results_of)
            pid = os.fork()
            if pid == 0:  # pragma: no cover - a forked worker (coverage does not follow it)
                _work_and_exit(function, items, chunks, results_of)
            results_of.pid = pid
        if meanwhile is not None:
            meanwhile()
        results: list[Any] = [None] * len(items)
        shown = 0
        for first, stop in chunks.ranges():
            for index in range(first, stop):
                results[index] = function(items[index])
                if progress is not None:
                    others = (processes - 1) * chunk  # at most one chunk in each other's hands
                    done = chunks.taken() - others - chunk + index % chunk + 1
                    if done > shown:
                        shown = done
                        progress(done)
            for child in children:  # what they made meanwhile, before their last chunk
                for index, result in child.take():
                    results[index] = result
        for child in children:
            for index, result in child.wait():
                results[index] = result
        if progress is not None:
            progress(len(items))
        return results
    finally:
        for child in children:  # an error here: stop the others, leave no zombie
            child.stop()
        chunks.close()
        gc.unfreeze()


class Chunks:
    """A batch's chunks, which the processes take from a pipe holding their first items, as
    GNU make's job server hands out its tokens: each read takes one whole (every index has
    the same size and all are written before the fork), no two processes take the same, and
    one that dies takes no lock with it. ``multiprocessing``'s shared counter and its lock
    cost 4 ms to load, before a cold build could fork.
    """

    SIZE = array("I").itemsize  # bytes of an index
    # Written in one go before anyone reads: at most what a pipe takes at once (PIPE_BUF,
    # 4 KiB on Linux). ``fork_map`` makes fewer than 2 × 32 chunks a process, 8 processes.
    MAX_CHUNKS = 512

    def __init__(self, count: int, chunk: int) -> None:
        self.count = count
        self.chunk = chunk
        firsts = array("I", range(0, count, chunk))
        if len(firsts) > self.MAX_CHUNKS:
            raise ValueError(f"{len(firsts)} chunks: at most {self.MAX_CHUNKS} fit the pipe")
        self.total = len(firsts)
        self.read_end, write_end = os.pipe()
        try:
            os.write(write_end, firsts.tobytes())
        finally:
            os.close(write_end)  # read to the end, the pipe says there is no more

    def ranges(self) -> Iterator[tuple[int, int]]:
        """The chunks this process takes, one at a time: (first index, index after the last)."""
        while first := os.read(self.read_end, self.SIZE):
            start = int.from_bytes(first, sys.byteorder)
            yield start, min(start + self.chunk, self.count)

    def taken(self) -> int:
        """How many items the processes have taken so far, all together."""
        import fcntl  # POSIX's, as fork is
        import termios

        left = array("i", [0])
        fcntl.ioctl(self.read_end, termios.FIONREAD, left)
        return min((self.total - left[0] // self.SIZE) * self.chunk, self.count)

    def close(self) -> None:
        with suppress(OSError):
            os.close(self.read_end)


def _work_and_exit(
    function: Callable[[Any], Any],
    items: Sequence[Any],
    chunks: Chunks,
    results: Results,
) -> NoReturn:  # pragma: no cover - runs in a forked worker
    """A forked worker: its share of the batch, each chunk's results sent as they are made;
    a failure is sent as the last frame."""
    code = 0
    try:
        try:
            for first, stop in chunks.ranges():
                results.send(("ok", [(i, function(items[i])) for i in range(first, stop)]))
        except BaseException as exc:  # every failure goes back to the caller
            code = 1
            results.send_bytes(_pickled_failure(exc))
    except BaseException:  # nothing more can be said (memory, a signal)
        code = 1
    finally:
        os._exit(code)


def _pickled_failure(exc: BaseException) -> bytes:
    """The worker's exception as the caller will raise it; described in a ``WorkerError``
    when it cannot travel (its class takes arguments pickle cannot give back)."""
    try:
        payload = pickle.dumps(("error", exc), protocol=5)
        pickle.loads(payload)
        return payload
    except Exception:  # one that cannot travel is described instead
        described = WorkerError(
            "a worker process failed: {reason}", reason=f"{type(exc).__name__}: {exc}"
        )
        return pickle.dumps(("error", described), protocol=5)


class WorkerError(PressroomError):
    """A worker process failed in a way that cannot be told more precisely."""


class Results:
    """What one forked worker sends back, in frames (a length, then a pickle) it appends to a
    file in memory as it makes them: unlike a pipe, it never waits for the caller to read,
    and the caller takes the frames already there between two of its own chunks, so that
    the results of all but the last chunks are unpickled while the batch is still running.
    """

    HEADER = 8  # bytes of a frame's length

    def __init__(self) -> None:
        self.fd = _memory_file()
        self.pid = 0
        self.offset = 0  # what the caller has taken so far

    def send(self, value: object) -> None:  # pragma: no cover - in the worker
        self.send_bytes(pickle.dumps(value, protocol=5))

    def send_bytes(self, payload: bytes) -> None:  # pragma: no cover - in the worker
        frame = memoryview(len(payload).to_bytes(self.HEADER, "little") + payload)
        while frame:
            frame = frame[os.write(self.fd, frame) :]

    def take(self) -> list[tuple[int, Any]]:
        """The results of the frames sent whole so far; a failure sent is raised here."""
        taken: list[tuple[int, Any]] = []
        size = os.fstat(self.fd).st_size
        while size - self.offset >= self.HEADER:
            header = os.pread(self.fd, self.HEADER, self.offset)
            length = int.from_bytes(header, "little")
            end = self.offset + self.HEADER + length
            if end > size:
                break  # still being written
            data = os.pread(self.fd, length, self.offset + self.HEADER)
            self.offset = end
            kind, value = pickle.loads(data)  # our own bytes, from a process this one forked
            if kind == "error":
                raise value
            taken.extend(value)
        return taken

    def wait(self) -> list[tuple[int, Any]]:
        """The rest of the results, once the worker has ended."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        taken = self.take()
        if status != 0:  # it ended without saying why (killed)
            raise WorkerError(
                "a worker process ended without its results (status {status})",
                status=str(status),
            )
        return taken

    def stop(self) -> None:
        """Kill the worker if it still runs, wait for it, and free its file."""
        if self.pid:
            with suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with suppress(ChildProcessError):  # already waited for (a signal handler)
                os.waitpid(self.pid, 0)
            self.pid = 0
        with suppress(OSError):
            os.close(self.fd)


def _memory_file() -> int:
    """A file in memory (Linux), else an unnamed temporary one: both survive the fork."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("pressroom-results")
    import tempfile

    handle, name = tempfile.mkstemp(prefix="pressroom-results-")
    os.unlink(name)
    return handle
