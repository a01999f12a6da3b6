"""One writer at a time: a lock on an output folder (and its cache), or a deploy target.

Shape. The lock is a file beside the folder, never inside it (``.public.lock``
for ``public/``): a first build renames a whole staging folder into place, and a
deploy must never upload the lock. Its holder keeps an exclusive ``flock`` on
it and writes its process id and command into it, so that a process that waits
can say who holds it. The kernel drops the lock when the holder's process ends,
however it ends (SIGKILL included): a lock left by a killed build is free at
once, with no guess about staleness and no race on a reused process id. Worker
processes forked by the holder share the lock's open file; they end with their
parent (``_parallel``), so a killed build leaves no holder behind.

Waiting: a process polls the lock every 0.1 s for ``timeout`` seconds (the
``lock_timeout`` setting), then fails naming the holder.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from feeds.build._faults import fault
from feeds.errors import LockError, WriteError

_POLL_SECONDS = 0.1
_HOLDER_BYTES = 200  # what is read of a holder's note: a process id and a short command


def lock_path(folder: Path) -> Path:
    """The lock file of a folder: beside it, hidden."""
    folder = Path(os.path.abspath(folder))  # noqa: PTH100  (resolve() would follow links)
    return folder.with_name(f".{folder.name}.lock")


@contextmanager
def locked(folder: Path, command: str, timeout: float) -> Iterator[None]:
    """Hold ``folder``'s lock for the block; wait at most ``timeout`` seconds for it."""
    descriptor = _open(lock_path(folder), folder)
    try:
        _acquire(descriptor, folder, timeout)
        _note_holder(descriptor, command)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _open(path: Path, folder: Path) -> int:
    """The lock file, made if need be; read-only where it cannot be written (a read-only
    disk: nothing can change there, yet a deploy reading it still excludes a build)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        with suppress(OSError):
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        raise WriteError(f"{folder}: cannot lock it: {error.strerror} ({path})") from None


def _acquire(descriptor: int, folder: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fault("lock.busy")
            if time.monotonic() >= deadline:
                raise LockError(
                    f"{folder} is in use by {_holder(descriptor)}; waited {timeout:g} s. "
                    f"Try again when it ends, or raise lock_timeout"
                ) from None
            time.sleep(_POLL_SECONDS)
        else:
            return


def _note_holder(descriptor: int, command: str) -> None:
    """Write who holds the lock into its file (best effort: the lock holds without it)."""
    with suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()} {command}\n".encode(), 0)


def _holder(descriptor: int) -> str:
    """``process 1234 (feeds build)``, as its holder wrote it."""
    try:
        note = os.pread(descriptor, _HOLDER_BYTES, 0).decode("utf-8", "replace")
    except OSError:
        note = ""
    pid, _, command = note.strip().partition(" ")
    if not pid.isdigit():
        return "another process"
    shown = "".join(c if c.isprintable() else "?" for c in command)[:80]
    return f"process {pid} ({shown})" if shown else f"process {pid}"
