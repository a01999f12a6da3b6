"""Opening a file below a folder without following any link on the way.

Three readers take a path below a folder they trust and must never leave it: the
images a seed names (below the seeds folder), the files the preview server sends
(below ``public/``) and the files a deploy uploads (below ``public/``). A check
of the path first and an ``open`` after it would race with a link swapped in
between; instead each name is opened relative to the folder opened before it,
with ``O_NOFOLLOW``, so a link anywhere below the folder is refused when it is
met, never read through. The folder itself may be a link: it is the one the
user named.

``open_below`` returns the descriptor; each reader checks what it opened (a
regular file, its size) and says in its own words why a path is refused, from
``Refused``: which name, and whether it is a link.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from contextlib import suppress

FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOCTTY: a terminal
# device is never made the process's own.
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOT_NAMES = frozenset({"", ".", ".."})


class Refused(OSError):
    """A name on the way that could not be opened: ``shown`` is the path up to it
    ('/'-separated, below the folder), ``link`` whether it is a symbolic link."""

    def __init__(self, error: OSError, shown: str, *, link: bool) -> None:
        super().__init__(error.errno, error.strerror)
        self.shown = shown
        self.link = link

    @property
    def missing(self) -> bool:
        """Whether the name is not there (or a folder on the way is a file)."""
        return not self.link and self.errno in (errno.ENOENT, errno.ENOTDIR)


def open_below(folder: str | os.PathLike[str], names: Sequence[str]) -> int:
    """A descriptor of ``folder/names[0]/.../names[-1]``, opened for reading without
    following a link below ``folder``: ``Refused`` at the first name that cannot be
    opened (a link, missing, not a folder...) or is no name of a file in a folder
    (empty, ``.``, ``..``, with a ``/`` or a NUL: the callers split paths, this
    checks they did), OSError if ``folder`` cannot."""
    for depth, name in enumerate(names, 1):
        if name in _NOT_NAMES or "/" in name or "\0" in name:  # each must be a name in its folder
            shown = "/".join(names[:depth])
            raise Refused(OSError(errno.EINVAL, "not a name below the folder"), shown, link=False)
    descriptor = os.open(folder, _ROOT_FLAGS)
    try:
        for depth, name in enumerate(names, 1):
            flags = FILE_FLAGS if depth == len(names) else FOLDER_FLAGS
            try:
                inner = os.open(name, flags, dir_fd=descriptor)
            except OSError as error:
                shown = "/".join(names[:depth])
                raise Refused(error, shown, link=_is_link(descriptor, name)) from None
            os.close(descriptor)
            descriptor = inner
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _is_link(folder: int, name: str) -> bool:
    with suppress(OSError, ValueError):
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    return False
