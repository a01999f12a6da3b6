"""A local preview server for a built folder, with the feeds' own content types."""

from __future__ import annotations

import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

from feeds._media import media_type


class _Handler(SimpleHTTPRequestHandler):
    def guess_type(self, path: Any) -> str:  # noqa: ANN401  (str or PathLike, as the base class)
        relative = os.path.relpath(path, self.directory)
        return media_type(PurePosixPath(Path(relative).as_posix()))


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``folder``; call ``serve_forever()`` on it (port 0: any free port)."""
    return ThreadingHTTPServer((host, port), partial(_Handler, directory=str(folder)))
