"""Spreading a big batch of pure-Python work (parsing, rendering) over the machine's cores.

Python threads do not run Python code in parallel, so a cold build of a thousand releases forks
worker processes, which inherit everything already loaded (site, catalog, templates) for free.
Small batches, and machines without ``fork``, run in the calling process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_ITEMS = 200  # below this, starting workers costs more than it saves

_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None
_LIMIT: list[int | None] = [None]  # see ``at_most``


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _run(index: int) -> Any:
    assert _WORK is not None
    function, items = _WORK
    return function(items[index])


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
    return (
        count >= threshold and _workers() >= 2 and "fork" in multiprocessing.get_all_start_methods()
    )


def fork_map(
    function: Callable[[T], R],
    items: Sequence[T],
    min_items: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[R]:
    """``[function(i) for i in items]``, over forked workers when the batch is big enough.

    Results travel back pickled; ``function`` and ``items`` do not (the workers inherit them).
    ``meanwhile`` is work of the calling process the workers do not need: it runs while they
    work (they are forked first, and inherit none of it), or first when the batch runs here.
    """
    global _WORK
    if not forks(len(items), min_items):
        if meanwhile is not None:
            meanwhile()
        return [function(item) for item in items]
    workers = _workers()
    _WORK = (function, items)
    # Objects the workers inherit are kept out of their garbage collector: a collection would
    # touch every one of them and copy, page by page, the memory that fork shares.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            chunk = max(1, len(items) // (workers * 32))
            result = pool.map_async(_run, range(len(items)), chunksize=chunk)
            if meanwhile is not None:
                meanwhile()
            return result.get()
    finally:
        _WORK = None
        gc.unfreeze()
