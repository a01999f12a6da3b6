"""The memory of a build, measured one way for every tool: ``TreeSampler``.

While a command runs, every 50 ms, a thread finds the processes of its tree (the
command and its descendants, by the parent ids in ``/proc/<pid>/stat``) and reads

- each one's proportional set size (``Pss`` in ``/proc/<pid>/smaps_rollup``):
  its private pages, plus each shared page divided by the number of processes
  sharing it, so that the pages forked workers share with their parent count
  once. The sum over the tree, at its largest, is the build's memory;
- each one's peak resident size (``VmHWM`` in ``/proc/<pid>/status``, the
  kernel's high-water mark: a peak between two samples shows at the next one).

The peak resident sizes are read every 50 ms (a cheap read). Reading
``smaps_rollup`` walks the process's page tables (about 20 ms per GiB resident
on this machine), so the PSS of a large tree is summed less often: each PSS
sample waits at least 20 times the last one's cost, so that it takes at most
5 % of one core beside the build. The PSS sum is the largest sampled.

The command itself is the *main* process; every descendant is a *worker*
(feeds' rendering processes; Hugo and Pelican run as one process). Linux only:
elsewhere nothing is sampled and the figures stay 0.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

INTERVAL = 0.05  # seconds between samples, at least
DUTY = 20  # a pause of at least this many times the last sample's cost
PROC = Path("/proc")


@dataclass
class Memory:
    """What the samples found, in bytes: the largest sum of PSS over the tree, the
    main process's peak RSS, each worker's (by pid), and how many PSS sums were taken."""

    pss_total: int = 0
    main_rss: int = 0
    worker_rss: dict[int, int] = field(default_factory=dict)
    samples: int = 0

    @property
    def largest_worker_rss(self) -> int:
        return max(self.worker_rss.values(), default=0)


def _kib_field(text: str, name: str) -> int:
    """The value of a ``Name:   123 kB`` line, in bytes (0 if absent)."""
    prefix = f"{name}:"
    for line in text.splitlines():
        if line.startswith(prefix):
            return int(line.split()[1]) * 1024
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:  # the process ended meanwhile
        return ""


def parent_of(pid: int) -> int:
    """The parent id of a process (0 if it is gone): the field after the name,
    which is in parentheses and may itself hold spaces and parentheses."""
    stat = _read(PROC / str(pid) / "stat")
    if not stat:
        return 0
    return int(stat.rpartition(")")[2].split()[1])


class TreeSampler:
    """Samples the process tree of ``root`` in a thread until ``stop``."""

    def __init__(self, root: int, interval: float = INTERVAL) -> None:
        self.root = root
        self.interval = interval
        self.memory = Memory()
        self._parents: dict[int, int] = {}  # every pid seen, with its parent then
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeSampler:
        if PROC.joinpath("self", "smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> Memory:
        """Stop sampling (the command has ended); the figures."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.memory

    def _loop(self) -> None:
        next_pss = 0.0
        while True:
            started = time.perf_counter()
            cost = self.sample(with_pss=started >= next_pss)
            if cost:
                next_pss = started + DUTY * cost
            if self._stopped.wait(self.interval):
                return

    def tree(self) -> list[int]:
        """The root and its live descendants."""
        live = {int(entry) for entry in os.listdir(PROC) if entry.isdigit()}  # noqa: PTH208  (sampled: no Path)
        for pid in self._parents.keys() - live:  # ended: its pid may be reused
            del self._parents[pid]
        for pid in live - self._parents.keys():
            self._parents[pid] = parent_of(pid)
        children: dict[int, list[int]] = {}
        for pid, parent in self._parents.items():
            children.setdefault(parent, []).append(pid)
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, ()))
        return found

    def sample(self, *, with_pss: bool = True) -> float:
        """One sample: each process's peak RSS; with ``with_pss``, the sum of their PSS.
        The seconds spent reading PSS."""
        total, cost = 0, 0.0
        for pid in self.tree():
            folder = PROC / str(pid)
            peak = _kib_field(_read(folder / "status"), "VmHWM")
            if not peak:  # ended meanwhile, or a zombie
                continue
            if pid == self.root:
                self.memory.main_rss = max(self.memory.main_rss, peak)
            else:
                self.memory.worker_rss[pid] = max(self.memory.worker_rss.get(pid, 0), peak)
            if with_pss:
                started = time.perf_counter()
                total += _kib_field(_read(folder / "smaps_rollup"), "Pss")
                cost += time.perf_counter() - started
        if with_pss:
            self.memory.pss_total = max(self.memory.pss_total, total)
            self.memory.samples += 1
        return cost
