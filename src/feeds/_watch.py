"""``feeds serve --watch``: rebuild on every change, and tell the open pages.

watch     the seeds, templates and static folders (``watchfiles``: the
          operating system's file events, debounced, editors' swap files
          ignored) and the configuration files (their stat signatures,
          looked at every half second: an editor that saves by renaming
          would end a watch on the file itself)
rebuild   ``feeds build`` with the same options, in a new process: the
          same code, messages and lock as a build from the terminal, and
          nothing a build keeps in memory (compiled templates, caches)
          outlives it; its output goes to the terminal
tell      ``LiveReload.publish``: the output's new version, or the build's
          error, which pages show over the last good build (which a failed
          build never changes)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from feeds._serve import LiveReload, output_version

_POLL_MS = 500  # how often the configuration files are looked at
_INTERRUPTED = 130  # the exit code of a feeds command stopped by Ctrl-C


@dataclass(frozen=True)
class Watched:
    """What a change to rebuilds: folders (watched with everything below them) and
    files (the configuration)."""

    folders: tuple[Path, ...]
    files: tuple[Path, ...]


def rebuild(command: Sequence[str], output: Path, live: LiveReload) -> bool:
    """Run the build ``command``, echo its output, publish the result; whether it built."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode in {_INTERRUPTED, -signal.SIGINT}:  # Ctrl-C stopped the preview too
        return False
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    error = None if done.returncode == 0 else (done.stderr or done.stdout).strip()
    live.publish(output_version(output), error)
    return error is None


def build_command(options: Sequence[str]) -> list[str]:
    """``feeds build`` with these options, run by this Python."""
    return [sys.executable, "-m", "feeds.cli", "build", *options]


def watch(
    watched: Callable[[], Watched],
    on_change: Callable[[list[str]], None],
    stop: threading.Event,
    ready: threading.Event | None = None,
) -> None:
    """Call ``on_change`` with the changed paths after each burst of changes until
    ``stop`` is set; ``watched`` is asked again after each (the configuration may
    name other folders). ``ready`` is set once changes are being watched."""
    pending: list[str] = []  # changes seen before a restart of the watch, not yet built
    while not stop.is_set():
        now = watched()
        signatures = _signatures(now.files)
        present = {folder for folder in now.folders if folder.is_dir()}
        for changes in _changes(now.folders, stop):
            if ready is not None:
                ready.set()  # the watches are in place: nothing from here on is missed
            changed, pending = [*pending, *sorted(changes)], []
            after = _signatures(now.files)
            if after != signatures:
                changed += [str(path) for path in now.files if after[path] != signatures[path]]
                signatures = after
            folders = {folder for folder in now.folders if folder.is_dir()}
            if folders != present:  # watch the folders there are first, then build
                pending = [*changed, *(str(folder) for folder in sorted(folders ^ present))]
                break
            if changed:
                on_change(changed)
            if watched() != now:
                break  # watch the folders the configuration names now


def _changes(folders: tuple[Path, ...], stop: threading.Event) -> Iterator[set[str]]:
    """Sets of changed paths below ``folders`` (empty ones every half second)."""
    existing = [folder for folder in folders if folder.is_dir()]
    if not existing:  # nothing to watch yet: look again for the folders and files
        while not stop.wait(_POLL_MS / 1000):
            yield set()
        return
    from watchfiles import watch as watch_files  # only --watch needs it

    for changes in watch_files(
        *existing,
        stop_event=stop,
        rust_timeout=_POLL_MS,
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        yield {path for _, path in changes}


def _signatures(paths: tuple[Path, ...]) -> dict[Path, tuple[int, ...] | None]:
    """Size, times and inode of each file (None where there is none)."""
    signatures: dict[Path, tuple[int, ...] | None] = {}
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            signatures[path] = None
            continue
        signatures[path] = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
    return signatures
