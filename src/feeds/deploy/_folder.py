"""A folder a web server serves as a deploy target: releases and a ``current`` symlink.

    ROOT/releases/20250823T093000123456Z/   one complete tree per deploy
    ROOT/current -> releases/<newest>       what the web server's root points at

A deploy writes a whole new release (unchanged files hard-linked from the
current one, so it costs little disk), then replaces ``current`` with
``rename(2)`` of a fresh symlink: the server sees the old tree or the new one,
never a mix. The newest ``keep_releases`` stay; ``rollback`` points ``current``
at the release before it. The web server sets the headers (see ``_headers``).

Links are never followed: files are read from the output through real folders
only (``feeds.deploy._tree``), a link found in the current release counts as a
file that is not there (the new release gets a copy of the built file), and a
file is hard-linked from the current release only if it is a regular file. One
deploy or rollback at a time: each holds the target's lock
(``feeds.build._lock``, ``.ROOT.lock`` beside it) while it changes the target.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from feeds.build._lock import locked
from feeds.build._write import _alive
from feeds.deploy._plan import LocalFile, Plan, RemoteFile, headers_digest
from feeds.deploy._tree import FILE, is_regular, walk, write_new
from feeds.errors import DeployError

RELEASES = "releases"
CURRENT = "current"
Progress = Callable[[int, int], None]


class FolderTarget:
    """Deploys by writing a release folder and switching ``current`` to it."""

    carries_headers = False

    def __init__(self, root: Path, keep_releases: int = 5) -> None:
        self.root = root.absolute()  # releases and 'current' compare as absolute paths
        self.keep_releases = keep_releases

    def __str__(self) -> str:
        return str(self.root)

    @property
    def current(self) -> Path | None:
        """The release ``current`` points at, if any."""
        link = self.root / CURRENT
        if not link.is_symlink():
            if link.exists():
                raise DeployError(f"{link} exists and is not a symlink; move it away first")
            return None
        return (self.root / link.readlink()).resolve()

    def releases(self) -> list[Path]:
        """Every finished release, oldest first."""
        folder = self.root / RELEASES
        if not folder.is_dir():
            return []
        return sorted(path for path in folder.iterdir() if path.is_dir() and "." not in path.name)

    @contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """Hold the target's lock: one deploy or rollback at a time."""
        with locked(self.root, "feeds deploy", timeout):
            yield

    def remote(self) -> dict[str, RemoteFile]:
        """The regular files of the current release (a link there counts as missing)."""
        current = self.current
        if current is None:
            return {}
        empty = headers_digest({})
        return {
            entry.path: RemoteFile(entry.digest, empty)
            for entry in walk(current, lambda path, folder: True)
            if entry.kind == FILE
        }

    def apply(self, plan: Plan, local: Mapping[str, LocalFile], progress: Progress) -> int:
        """Write a new release, switch ``current`` to it, prune old ones; return bytes copied."""
        if not plan.changed:
            return 0
        self._remove_abandoned()
        name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        release = self.root / RELEASES / name
        staging = release.with_name(f"{name}.{os.getpid()}.tmp")
        changed = {action.path for action in plan.uploads}
        try:
            staging.mkdir(parents=True)
            copied = self._fill(staging, local, changed, progress)
            staging.rename(release)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise DeployError(f"{self.root}: could not write release {name}: {error}") from error
        except DeployError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            self.switch(release)
        except OSError as error:
            raise DeployError(
                f"{self.root}: could not switch {CURRENT} to {name}: {error}"
            ) from error
        self._prune()
        return copied

    def setup(self) -> str:
        """Nothing to set up: the web server sets CORS (``_headers`` lists it)."""
        return f"{self.root}: a folder has no CORS settings; the web server sets them"

    def switch(self, release: Path) -> None:
        """Point ``current`` at ``release`` in one rename."""
        link = self.root / CURRENT
        temporary = self.root / f".{CURRENT}.{secrets.token_hex(4)}.tmp"
        temporary.symlink_to(release.relative_to(self.root))
        temporary.replace(link)

    def switch_to(self, name: str) -> tuple[Path, Path]:
        """Point ``current`` at the kept release called ``name``; return (from, to)."""
        current = self.current
        kept = {release.name: release for release in self.releases()}
        if name not in kept:
            names = ", ".join(kept) or "none"
            raise DeployError(f"{self.root}: no release {name!r} is kept here (kept: {names})")
        if current is None:
            raise DeployError(f"{self.root}: nothing deployed here yet")
        self.switch(kept[name])
        return current, kept[name]

    def rollback(self) -> tuple[Path, Path]:
        """Point ``current`` at the release before it; return (from, to)."""
        current = self.current
        releases = self.releases()
        if current is None or current not in releases:
            raise DeployError(f"{self.root}: nothing deployed here yet; nothing to roll back")
        index = releases.index(current)
        if index == 0:
            raise DeployError(f"{self.root}: {current.name} is the oldest release kept")
        self.switch(releases[index - 1])
        return current, releases[index - 1]

    def _fill(
        self, release: Path, local: Mapping[str, LocalFile], changed: set[str], progress: Progress
    ) -> int:
        """Copy changed files, hard-link unchanged ones from the current release."""
        current = self.current
        copied = 0
        for number, file in enumerate(local.values(), start=1):
            destination = release / file.path
            destination.parent.mkdir(parents=True, exist_ok=True)
            if (
                current is None
                or file.path in changed
                or not _linked(current / file.path, destination)
            ):
                write_new(destination, file.read())
                copied += file.size
            progress(number, len(local))
        return copied

    def _prune(self) -> None:
        current = self.current
        for old in self.releases()[: -self.keep_releases]:
            if old != current:
                shutil.rmtree(old, ignore_errors=True)

    def _remove_abandoned(self) -> None:
        """Remove release folders left by deploys that were killed."""
        for folder in (self.root / RELEASES).glob("*.tmp"):
            pid = folder.name.split(".")[1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def _linked(source: Path, destination: Path) -> bool:
    """Hard-link the regular file ``source`` at ``destination`` (never a link, nor
    what one points at); False where that is impossible."""
    if not is_regular(source):
        return False
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        return False  # another file system, or no hard links: the caller copies
    if not is_regular(destination):  # ``source`` became a link since the check
        destination.unlink()
        return False
    return True
