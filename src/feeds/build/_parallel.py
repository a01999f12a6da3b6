"""Using both cores where it pays: a process pool above a size threshold.

Parsing and rendering are pure functions of their inputs, so running them in
worker processes gives the same results in the same order as running them
here; below the threshold the pool's start-up costs more than it saves.

What every call needs (the site, the article list, the writer) is the
*context*: worker processes are forked with it, so it is never pickled, and
only small items (paths, indexes) and small results cross between processes.

Worker processes end with the build: on Linux the kernel kills each one when
the process that forked it dies (``PR_SET_PDEATHSIG``), SIGKILL included;
elsewhere a thread in each worker watches for its parent to be gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

Context = TypeVar("Context")
Item = TypeVar("Item")
Result = TypeVar("Result")

PARALLEL_THRESHOLD = 1000
_context: Any = None  # in a worker process: the context it was forked with


def default_jobs() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ordered_map(
    function: Callable[[Context, Item], Result],
    context: Context,
    items: Sequence[Item],
    jobs: int,
) -> Iterator[Result]:
    """``function(context, item)`` for each item, in order; in worker processes when many."""
    with mapping(function, context, items, workers_for(len(items), jobs)) as results:
        yield from results


def workers_for(count: int, jobs: int) -> int:
    """``jobs`` if ``count`` things to do pay for starting worker processes, else 1."""
    return jobs if count >= PARALLEL_THRESHOLD else 1


@contextmanager
def mapping(
    function: Callable[[Context, Item], Result],
    context: Context,
    items: Sequence[Item],
    jobs: int,
) -> Iterator[Iterator[Result]]:
    """``ordered_map`` started at once, in ``jobs`` processes (the caller decides, see
    ``workers_for``): the workers run while the caller does other work."""
    if jobs <= 1 or len(items) <= 1:
        yield (function(context, item) for item in items)
        return
    # Imported here: a build with little to do starts no process (10 ms of imports).
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    chunk = max(1, len(items) // (jobs * 32))
    pool = ProcessPoolExecutor(
        jobs, mp_context=get_context("fork"), initializer=_receive, initargs=(context, os.getpid())
    )
    try:
        yield pool.map(partial(_call, function), items, chunksize=chunk)
    finally:  # after an error, drop the work not yet started
        pool.shutdown(wait=True, cancel_futures=True)


def _receive(context: object, parent: int) -> None:
    global _context
    _context = context
    _end_with(parent)


_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """End this worker process when ``parent`` ends, however it ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        watched = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        watched = False
    if os.getppid() != parent:  # the parent died before the kernel was asked to watch
        os._exit(1)
    if not watched:
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _call(function: Callable[[Any, Item], Result], item: Item) -> Result:
    return function(_context, item)
