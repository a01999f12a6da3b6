"""Fault points: where the crash and lock tests stop a build, without timing.

A build calls ``fault("commit.move")`` at each step worth interrupting. Set
``FEEDS_FAULT=<point>[@<n>]:<action>`` and, the ``n``-th time (default: the
first) a process passes ``point``:

- ``kill``: the process kills itself with SIGKILL, as a power cut or the OOM
  killer would (no cleanup, no ``finally``);
- ``pause=<file>``: it writes its process id to ``<file>.reached`` and waits
  until ``<file>`` exists, so that a test can start another build meanwhile.

Without the variable a fault point costs one test of a string.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

_SPEC = os.environ.get("FEEDS_FAULT", "")
_passed: dict[str, int] = {}


def fault(point: str) -> None:
    """Act here if ``FEEDS_FAULT`` names this point (tests only)."""
    if _SPEC:
        _act(point, _SPEC)


def _act(point: str, spec: str) -> None:
    where, _, action = spec.partition(":")
    name, _, nth = where.partition("@")
    if name != point:
        return
    _passed[point] = count = _passed.get(point, 0) + 1
    if count != int(nth or 1):
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action.startswith("pause="):
        gate = Path(action.removeprefix("pause="))
        gate.with_name(gate.name + ".reached").write_text(str(os.getpid()))
        while not gate.exists():
            time.sleep(0.01)
