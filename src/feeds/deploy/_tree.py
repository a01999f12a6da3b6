"""Reading a folder tree without following links: what a deploy may publish.

A deploy publishes files, never what a link points at: ``ln -s /proc/self/environ
public/env.txt`` must not put the environment in a bucket. Every folder is
opened relative to its parent's descriptor, and every file relative to its
folder's, with ``O_NOFOLLOW`` (``feeds._below``): a link is reported as a link (never read through),
including one swapped in after the scan, and a folder link is never entered.
Only regular files are read (a FIFO would block the read forever).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from feeds._below import FILE_FLAGS, FOLDER_FLAGS, Refused, open_below
from feeds._digest import content_digest
from feeds.errors import DeployError

_NOT_FOLLOWED = frozenset({errno.ELOOP, errno.ENOTDIR})  # what O_NOFOLLOW makes of a link
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

FILE = "file"
LINK = "link"
OTHER = "other"  # a FIFO, socket or device


@dataclass(frozen=True)
class Entry:
    """One non-folder entry of a tree; ``size`` and ``digest`` for regular files only."""

    path: str
    kind: str
    size: int = 0
    digest: str = ""


class NotAFile(OSError):
    """A path that is a link, or not a regular file, where a file was to be read."""


def walk(root: Path, wanted: Callable[[str, bool], bool]) -> Iterator[Entry]:
    """Every entry below ``root`` that ``wanted(path, is_folder)`` accepts, links not
    followed; regular files are read for their digest. Raises DeployError naming a
    path that cannot be read."""
    try:
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise DeployError(f"{root}: cannot read it: {error.strerror}") from None
    try:
        yield from _walk(root, descriptor, "", wanted)
    finally:
        os.close(descriptor)


def _walk(
    root: Path, folder: int, prefix: str, wanted: Callable[[str, bool], bool]
) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        raise DeployError(f"{root / prefix}: cannot read it: {error.strerror}") from None
    for entry in entries:
        path = prefix + entry.name
        try:
            if entry.is_symlink():
                if wanted(path, False):
                    yield Entry(path, LINK)
            elif entry.is_dir(follow_symlinks=False):
                if wanted(path, True):
                    child = os.open(entry.name, FOLDER_FLAGS, dir_fd=folder)
                    try:
                        yield from _walk(root, child, path + "/", wanted)
                    finally:
                        os.close(child)
            elif wanted(path, False):
                if entry.is_file(follow_symlinks=False):
                    data = _read_at(folder, entry.name)
                    yield Entry(path, FILE, len(data), content_digest(data))
                else:
                    yield Entry(path, OTHER)
        except NotAFile:
            yield Entry(path, LINK if _is_link(folder, entry.name) else OTHER)
        except OSError as error:
            raise DeployError(f"{root / path}: cannot read it: {error.strerror}") from None


def read_inside(root: Path, path: str) -> bytes:
    """The bytes of the regular file ``path`` below ``root``, reached through real
    folders only (``feeds._below``); NotAFile if any part of it is a link, or it is
    not a regular file."""
    try:
        descriptor = open_below(root, path.split("/"))
    except Refused as refused:
        if refused.link or refused.errno in _NOT_FOLLOWED:
            raise NotAFile(f"{path}: {refused.shown} is a link or not a folder") from None
        raise
    return _read_open(descriptor, path)


def write_new(destination: Path, data: bytes) -> None:
    """Create ``destination`` (which must not exist, nor be a link) holding ``data``."""
    descriptor = os.open(destination, _NEW_FILE, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def is_regular(path: Path) -> bool:
    """Whether ``path`` itself (not what a link there points at) is a regular file."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _read_at(folder: int, name: str) -> bytes:
    try:
        descriptor = os.open(name, FILE_FLAGS, dir_fd=folder)
    except OSError as error:
        if error.errno in _NOT_FOLLOWED:
            raise NotAFile(f"{name} is a link") from error
        raise
    return _read_open(descriptor, name)


def _read_open(descriptor: int, name: str) -> bytes:
    """The bytes of the file open at ``descriptor`` (closed after), if a regular file."""
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotAFile(f"{name} is not a regular file")
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _is_link(folder: int, name: str) -> bool:
    with suppress(OSError):
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    return False
