"""Using both cores where it pays: a process pool above a size threshold.

Parsing and rendering articles are pure functions of their inputs, so running
them in worker processes gives the same results in the same order as running
them here; below the threshold the pool's start-up costs more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

PARALLEL_THRESHOLD = 1000


def default_jobs() -> int:
    """The number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ordered_map(
    function: Callable[[Item], Result], items: Sequence[Item], jobs: int
) -> Iterator[Result]:
    """``map(function, items)``, in worker processes when there are enough items."""
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        yield from map(function, items)
        return
    chunk = max(1, len(items) // (jobs * 8))
    with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
        yield from pool.map(function, items, chunksize=chunk)
