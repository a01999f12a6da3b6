"""A local preview server for a built folder, with the feeds' own content types.

It serves the folder at the site's root path (``/news/`` for a ``base_url`` of
``https://example.com/news/``), as the host will: the 404 page's absolute links
and every page's URL are then the ones readers get. ``/`` redirects there.

It serves regular files below the folder and nothing else: each name of a URL
path is opened relative to the folder it is in, refusing symlinks
(``O_NOFOLLOW``), so no path reaches outside the folder, even through a symlink
that points inside it. A folder answers with its ``index.html`` (never a
listing of its files); a folder's URL without its trailing slash redirects to
it. A path that cannot name a file (``%00``, a bad percent escape, ``..``, a
backslash) answers 400, a missing file the site's ``404.html``.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections.abc import Sequence
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import unquote

from feeds._media import media_type

NOT_FOUND_PAGE = "404.html"
INDEX_PAGE = "index.html"
# A '%' that does not start a percent escape, and what no file name below the output has.
_BAD_ESCAPE = re.compile("%(?![0-9A-Fa-f]{2})")
_NOT_IN_NAMES = re.compile("[\x00-\x1f\x7f\\\\]")
# A name of the URL path, opened without following a symlink; O_NONBLOCK: a FIFO
# never blocks the open (and is then refused as not a regular file).
_OPEN_NAME = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, root_path: str, **kwargs: Any) -> None:  # noqa: ANN401
        self.root_path = root_path
        super().__init__(*args, **kwargs)

    def send_head(self) -> BinaryIO | None:
        """Serve below the root path only; ``/`` (or the root without its slash) redirects."""
        path, question, query = self.path.partition("?")
        path = path.partition("#")[0]
        if not path.startswith(self.root_path):
            if path in {"/", self.root_path.rstrip("/")}:
                self._redirect(HTTPStatus.FOUND, self.root_path)
            else:
                self.send_error(HTTPStatus.NOT_FOUND)
            return None
        names = url_names(path.removeprefix(self.root_path))
        if names is None:
            self.send_error(HTTPStatus.BAD_REQUEST, "Not a path to a file")
            return None
        found = open_below(str(self.directory), names)
        if found is not None and stat.S_ISDIR(found[1].st_mode):
            os.close(found[0])
            if not path.endswith("/"):  # as static hosts do: the folder's URL, with its slash
                self._redirect(HTTPStatus.MOVED_PERMANENTLY, path + "/" + question + query)
                return None
            names = [*names, INDEX_PAGE]
            found = open_below(str(self.directory), names)
        elif found is not None and path.endswith("/"):  # a file's name, then a slash
            os.close(found[0])
            found = None
        file = regular_file(found)
        if file is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        status = os.fstat(file.fileno())
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", media_type(PurePosixPath(*names)))
        self.send_header("Content-Length", str(status.st_size))
        self.send_header("Last-Modified", self.date_time_string(int(status.st_mtime)))
        self.end_headers()
        return file

    def _redirect(self, code: HTTPStatus, location: str) -> None:
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> io.BytesIO | None:
        """Never list a folder's files (``send_head`` does not ask; this is in case)."""
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Serve the site's own 404.html for a missing page, as static hosts do."""
        page = None
        if code == HTTPStatus.NOT_FOUND:
            page = regular_file(open_below(str(self.directory), [NOT_FOUND_PAGE]))
        if page is None:
            super().send_error(code, message, explain)
            return
        with page:
            body = page.read()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def url_names(path: str) -> list[str] | None:
    """The folder and file names of a percent-encoded URL path below the root
    (``a/b%20c/`` → ``["a", "b c"]``), or None where it cannot name a file of
    the output: a bad percent escape or UTF-8, a control character, a
    backslash, a ``.`` or ``..`` name."""
    if _BAD_ESCAPE.search(path):
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if _NOT_IN_NAMES.search(decoded):
        return None
    names = [name for name in decoded.split("/") if name]
    if any(name in {".", ".."} for name in names):
        return None
    return names


def open_below(folder: str, names: Sequence[str]) -> tuple[int, os.stat_result] | None:
    """A descriptor of ``folder/names...`` open for reading, with its status, if no
    name on the way is a symlink (or missing). Each name is opened in the folder
    opened before it, so none can be swapped for a symlink once checked."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        for name in names:
            inner = os.open(name, _OPEN_NAME, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        return descriptor, os.fstat(descriptor)
    except (OSError, ValueError):  # missing, a symlink (ELOOP), not a folder, too long...
        os.close(descriptor)
        return None


def regular_file(found: tuple[int, os.stat_result] | None) -> BinaryIO | None:
    """The file ``open_below`` found, if it is a regular file (else its descriptor is closed)."""
    if found is None:
        return None
    descriptor, status = found
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        return None
    return os.fdopen(descriptor, "rb")


class _PreviewServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ANN401
        """A browser that closes its connection early is no error worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(
    folder: Path, host: str = "127.0.0.1", port: int = 8000, root_path: str = "/"
) -> ThreadingHTTPServer:
    """A server for ``folder`` at URL path ``root_path`` (``/news/``); call
    ``serve_forever()`` on it (port 0: any free port)."""
    handler = partial(_Handler, directory=str(folder), root_path=root_path)
    return _PreviewServer((host, port), handler)
