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
    with the others. Workers take the items a few at a time from a shared counter, so a
    process slowed down (by ``meanwhile``, or by a busy machine) simply takes fewer; the
    others send their results back pickled at the end (``function`` and ``items`` are not
    pickled: the workers inherit them).

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
    children: list[tuple[int, int]] = []
    try:
        for _ in range(processes - 1):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - a forked worker (coverage does not follow it)
                os.close(read_end)
                _work_and_exit(function, items, chunks.claim, write_end)
            os.close(write_end)
            children.append((pid, read_end))
        if meanwhile is not None:
            meanwhile()
        results: list[Any] = [None] * len(items)
        shown = 0
        for index in chunks.claim():
            results[index] = function(items[index])
            if progress is not None:
                others = (processes - 1) * chunk  # at most one chunk in each other's hands
                done = chunks.taken() - others - chunk + index % chunk + 1
                if done > shown:
                    shown = done
                    progress(done)
        while children:
            pid, read_end = children.pop(0)
            for index, result in _collect(pid, read_end):
                results[index] = result
        if progress is not None:
            progress(len(items))
        return results
    finally:
        for pid, read_end in children:  # an error here: stop the others, leave no zombie
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            _collect(pid, read_end, quiet=True)
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

    def claim(self) -> Iterator[int]:
        """The indices of the items this process takes, a chunk at a time."""
        while first := os.read(self.read_end, self.SIZE):
            start = int.from_bytes(first, sys.byteorder)
            yield from range(start, min(start + self.chunk, self.count))

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
    claim: Callable[[], Iterator[int]],
    write_end: int,
) -> NoReturn:  # pragma: no cover - runs in a forked worker
    """A forked worker: its share of the batch, sent back pickled once all made (sent as it
    went, it would wait on a full pipe while the calling process, busy with its own share,
    does not read)."""
    code = 0
    try:
        try:
            payload = pickle.dumps(("ok", [(i, function(items[i])) for i in claim()]), protocol=5)
        except BaseException as exc:  # every failure goes back to the caller
            code = 1
            payload = _pickled_failure(exc)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # the caller is gone (interrupted): nothing to say
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


def _collect(pid: int, read_end: int, quiet: bool = False) -> list[tuple[int, Any]]:
    """A worker's results, once it has sent them and ended; its exception is raised here."""
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    status = 0
    with suppress(ChildProcessError):  # already waited for by someone else (a signal handler)
        status = os.waitpid(pid, 0)[1]
    if quiet:
        return []
    if not data:
        raise WorkerError(
            "a worker process ended without its results (status {status})", status=str(status)
        )
    # Our own bytes, from a process this one forked.
    kind, value = pickle.loads(data)
    if kind == "error":
        raise value
    return list(value)
