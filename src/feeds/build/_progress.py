"""A build's progress on the terminal: ``feeds: rendering 4,200/10,000``, one line.

Shown only where a person watches: stderr is a terminal, and not in CI (``CI``
set, as every CI service sets it); and only once the build has run
``SHOW_AFTER`` seconds, so a quick build prints nothing but its summary. The
line is rewritten in place at most ten times a second and erased at the end.
The pipeline reports through ``advance``, which costs one global lookup when
nothing is shown.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

SHOW_AFTER = 2.0  # seconds a build runs before its progress is shown
_EVERY = 0.1  # seconds between two updates of the line
_ERASE = "\r\x1b[K"  # back to the line's start, and clear it


class Progress:
    """The progress line of one build, on a terminal stream."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.next_update = self.started + SHOW_AFTER
        self.shown = False

    def advance(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        now = time.monotonic()
        if now < self.next_update and done != total:
            return
        if now - self.started < SHOW_AFTER:
            return
        self.next_update = now + _EVERY
        counts = f" {done:,}/{total:,}" if done is not None and total is not None else " ..."
        self.stream.write(f"{_ERASE}feeds: {stage}{counts}")
        self.stream.flush()
        self.shown = True

    def erase(self) -> None:
        if self.shown:
            self.stream.write(_ERASE)
            self.stream.flush()


def wanted(stream: TextIO) -> bool:
    """Whether a person watches ``stream``: a terminal, outside CI."""
    try:
        return stream.isatty() and not os.environ.get("CI")
    except (AttributeError, ValueError):  # closed, or no stream at all
        return False


_current: Progress | None = None


@contextmanager
def showing(stream: TextIO | None) -> Iterator[None]:
    """Show the progress of the build in the block on ``stream`` (None: nowhere)."""
    global _current
    if stream is None or not wanted(stream):
        yield
        return
    _current = Progress(stream)
    try:
        yield
    finally:
        _current.erase()
        _current = None


def advance(stage: str, done: int, total: int) -> None:
    """``done`` of ``total`` things of a stage are done (``reading``, ``rendering``)."""
    if _current is not None:
        _current.advance(stage, done, total)


def stage(name: str) -> None:
    """A stage that counts nothing has begun (``checking``, ``writing``)."""
    if _current is not None:
        _current.advance(name)
