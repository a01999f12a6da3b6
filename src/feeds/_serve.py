"""A local preview server for a built folder, with the feeds' own content types.

It serves the folder at the site's root path (``/news/`` for a ``base_url`` of
``https://example.com/news/``), as the host will: the 404 page's absolute links
and every page's URL are then the ones readers get. ``/`` redirects there.
"""

from __future__ import annotations

import os
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from feeds._media import media_type


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, root_path: str, **kwargs: Any) -> None:  # noqa: ANN401
        self.root_path = root_path
        super().__init__(*args, **kwargs)

    def send_head(self) -> BinaryIO | None:
        """Serve below the root path only; ``/`` (or the root without its slash) redirects."""
        if self.path.startswith(self.root_path):
            return super().send_head()
        if urlsplit(self.path).path in {"/", self.root_path.rstrip("/")}:
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", self.root_path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def translate_path(self, path: str) -> str:
        """The file of a URL path below the root path (``send_head`` checked it is)."""
        return super().translate_path("/" + path.removeprefix(self.root_path))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Serve the site's own 404.html for a missing page, as static hosts do."""
        page = Path(str(self.directory)) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def guess_type(self, path: Any) -> str:  # noqa: ANN401  (str or PathLike, as the base class)
        relative = os.path.relpath(path, self.directory)
        return media_type(PurePosixPath(Path(relative).as_posix()))


def make_server(
    folder: Path, host: str = "127.0.0.1", port: int = 8000, root_path: str = "/"
) -> ThreadingHTTPServer:
    """A server for ``folder`` at URL path ``root_path`` (``/news/``); call
    ``serve_forever()`` on it (port 0: any free port)."""
    handler = partial(_Handler, directory=str(folder), root_path=root_path)
    return ThreadingHTTPServer((host, port), handler)
