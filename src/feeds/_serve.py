"""A local preview server for a built folder, with the feeds' own content types.

It serves the folder at the site's root path (``/news/`` for a ``base_url`` of
``https://example.com/news/``), as the host will: the 404 page's absolute links
and every page's URL are then the ones readers get. ``/`` redirects there.

It serves regular files below the folder and nothing else: each name of a URL
path is opened relative to the folder it is in, refusing symlinks
(``feeds._below``), so no path reaches outside the folder, even through a symlink
that points inside it. A folder answers with its ``index.html`` (never a
listing of its files); a folder's URL without its trailing slash redirects to
it. A path that cannot name a file (``%00``, a bad percent escape, ``..``, a
backslash) answers 400, a missing file the site's ``404.html``.

Headers are production's: each file's Content-Type and CORS come from the
header rules the deploy and ``_headers`` use (``feeds._headers``); every answer
says ``Cache-Control: no-cache``, so a reload shows the latest build. The
``_redirects`` file is followed as Cloudflare Pages does (before any file): a
``from to [status]`` line answers a request for ``from`` (with or without its
trailing slash) with a redirect to ``to``, the query kept (301 unless it gives
another 3xx); lines with placeholders or splats are not followed.

With a ``LiveReload`` (``feeds serve --watch``, ``feeds._watch``), every HTML
answer gets one more line before ``</body>``: a script (``/.feeds-preview/live.js``)
that listens to ``/.feeds-preview/events`` (server-sent events) and reloads the
page when the output changes, or shows the build's error over the page while
the last good build stays served. Only this server adds it: ``public/`` never
holds it. No file of a site can have these URLs (the build writes no hidden
path but its manifest).
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

import orjson
from markupsafe import escape

from feeds import _below as below
from feeds._headers import CORS_HEADER, static_host_headers
from feeds.models import HeaderRule

NOT_FOUND_PAGE = "404.html"
INDEX_PAGE = "index.html"
# A '%' that does not start a percent escape, and what no file name below the output has.
_BAD_ESCAPE = re.compile("%(?![0-9A-Fa-f]{2})")
_NOT_IN_NAMES = re.compile("[\x00-\x1f\x7f\\\\]")
NO_CACHE = "no-cache"
REDIRECTS_FILE = "_redirects"
PREVIEW_ROOT = "/.feeds-preview/"  # the live-reload script and events: never a site's file
LIVE_SCRIPT = PREVIEW_ROOT + "live.js"
LIVE_EVENTS = PREVIEW_ROOT + "events"
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_KEEPALIVE_SECONDS = 15.0  # a comment down each event stream, so a closed one is noticed


@dataclass
class ServedSite:
    """What the server serves the output as: the site's root path and header rules
    (``feeds serve --watch`` updates them when the configuration changes)."""

    root_path: str = "/"
    rules: tuple[HeaderRule, ...] = ()


@dataclass
class LiveReload:
    """The state open pages follow: the output's version (``output_version``) and the
    last build's error (None after a good build). ``publish`` wakes every page."""

    version: str = ""
    error: str | None = None
    generation: int = 0
    closed: bool = False
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, version: str, error: str | None) -> None:
        """A build ended: the output is at ``version``; ``error`` if it failed."""
        with self._changed:
            self.version, self.error = version, error
            self.generation += 1
            self._changed.notify_all()

    def close(self) -> None:
        """End every event stream (the server is stopping)."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def state(self) -> tuple[int, bytes]:
        """The generation and the state as pages read it (JSON)."""
        with self._changed:
            body = orjson.dumps({"version": self.version, "error": self.error})
            return self.generation, body

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a generation after ``seen``; whether to go on
        (False once closed)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self.generation != seen, timeout)
            return not self.closed


def output_version(folder: Path) -> str:
    """A version of a built output: the digest of its manifest, which every build
    that changes a file rewrites (empty where there is none)."""
    found = regular_file(open_below(str(folder), [".feeds-manifest.json"]))
    if found is None:
        return ""
    with found:
        from feeds._digest import content_digest

        return content_digest(found.read())


class _Handler(SimpleHTTPRequestHandler):
    @property
    def _served(self) -> ServedSite:
        return cast("PreviewServer", self.server).served

    @property
    def _live(self) -> LiveReload | None:
        return cast("PreviewServer", self.server).live

    @property
    def root_path(self) -> str:
        return self._served.root_path

    def do_GET(self) -> None:
        """The live-reload events stream, or ``send_head``'s answer."""
        if self._live is not None and self.path.partition("?")[0] == LIVE_EVENTS:
            self._stream_events(self._live)
            return
        super().do_GET()

    def end_headers(self) -> None:
        """Every answer: no-cache, so that a reload shows the latest build."""
        self.send_header("Cache-Control", NO_CACHE)
        super().end_headers()

    def send_head(self) -> BinaryIO | None:
        """Serve below the root path only; ``/`` (or the root without its slash) redirects."""
        path, question, query = self.path.partition("?")
        path = path.partition("#")[0]
        if self._live is not None and path == LIVE_SCRIPT:
            return self._send_bytes(HTTPStatus.OK, "text/javascript; charset=utf-8", _live_script())
        redirect = self._redirect_for(path)
        if redirect is not None:
            code, location = redirect
            self._redirect(HTTPStatus(code), location + question + query)
            return None
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
        headers = static_host_headers(PurePosixPath(*names), self._served.rules)
        if self._live is not None and headers["Content-Type"].startswith("text/html"):
            with file:
                page = self._with_live_script(file.read())
            return self._send_bytes(HTTPStatus.OK, headers["Content-Type"], page)
        status = os.fstat(file.fileno())
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", headers["Content-Type"])
        if CORS_HEADER in headers:
            self.send_header(CORS_HEADER, headers[CORS_HEADER])
        self.send_header("Content-Length", str(status.st_size))
        self.send_header("Last-Modified", self.date_time_string(int(status.st_mtime)))
        self.end_headers()
        return file

    def _send_bytes(self, code: HTTPStatus, content_type: str, body: bytes) -> BinaryIO:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _with_live_script(self, page: bytes) -> bytes:
        """The page with the live-reload script before its last ``</body>`` (or at its end)."""
        assert self._live is not None
        version = escape(self._live.version)
        tag = f'<script src="{LIVE_SCRIPT}" data-version="{version}"></script>\n'.encode()
        end = page.lower().rfind(b"</body>")
        return page + tag if end < 0 else page[:end] + tag + page[end:]

    def _redirect_for(self, path: str) -> tuple[int, str] | None:
        """The status and target of the ``_redirects`` line for this path, if any."""
        rules = _redirects(str(self.directory))
        return rules.get(path) or rules.get(path.rstrip("/") or "/") or rules.get(path + "/")

    def _stream_events(self, live: LiveReload) -> None:
        """Server-sent events: the state now, then at each build, until the page goes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        seen = -1
        try:
            while True:
                generation, state = live.state()
                if generation != seen:
                    self.wfile.write(b"data: " + state + b"\n\n")
                    seen = generation
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
                if not live.wait(seen, _KEEPALIVE_SECONDS):
                    return
        except (ConnectionError, OSError):  # the page was closed or reloaded
            return

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
        if page is None and (self._live is None or code != HTTPStatus.NOT_FOUND):
            super().send_error(code, message, explain)
            return
        if page is None:  # no build yet: a page that reloads once there is one
            body = b"<!DOCTYPE html>\n<title>Not found</title>\n<h1>Not found</h1>\n"
        else:
            with page:
                body = page.read()
        if self._live is not None:
            body = self._with_live_script(body)
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
    name on the way is a symlink (or missing): ``feeds._below.open_below``."""
    try:
        descriptor = below.open_below(folder, names)
    except (OSError, ValueError):  # missing, a symlink (ELOOP), not a folder, too long...
        return None
    try:
        return descriptor, os.fstat(descriptor)
    except OSError:
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


def _redirects(folder: str) -> dict[str, tuple[int, str]]:
    """The output's ``_redirects`` as path → (status, target); read again when it changes."""
    found = regular_file(open_below(folder, [REDIRECTS_FILE]))
    if found is None:
        return {}
    with found:
        status = os.fstat(found.fileno())
        signature = (folder, status.st_ino, status.st_mtime_ns, status.st_size)
        with _REDIRECTS_LOCK:
            if _redirects_read is not None and _redirects_read[0] == signature:
                return _redirects_read[1]
        rules = parse_redirects(found.read().decode("utf-8", "replace"))
    _remember_redirects(signature, rules)
    return rules


def _remember_redirects(signature: tuple[object, ...], rules: dict[str, tuple[int, str]]) -> None:
    global _redirects_read
    with _REDIRECTS_LOCK:
        _redirects_read = (signature, rules)


_REDIRECTS_LOCK = threading.Lock()
# The signature (folder, inode, mtime, size) and the rules of the _redirects read last.
_redirects_read: tuple[tuple[object, ...], dict[str, tuple[int, str]]] | None = None


def parse_redirects(text: str) -> dict[str, tuple[int, str]]:
    """``from to [status]`` lines (Netlify's and Cloudflare's format) as from →
    (status, to); comments, placeholders, splats and rewrites (200) are skipped."""
    rules: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2 or "*" in parts[0] or ":" in parts[0]:
            continue
        code = parts[2].rstrip("!") if len(parts) > 2 else "301"
        if code.isdigit() and int(code) in _REDIRECT_CODES:
            rules.setdefault(parts[0], (int(code), parts[1]))  # the first line wins
    return rules


@cache
def _live_script() -> bytes:
    return files("feeds").joinpath("preview", "live.js").read_bytes()


class PreviewServer(ThreadingHTTPServer):
    """The preview server: ``served`` says how, ``live`` (if any) what pages follow."""

    def __init__(self, address: tuple[str, int], handler: Any, served: ServedSite) -> None:  # noqa: ANN401
        self.served = served
        self.live: LiveReload | None = None
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ANN401
        """A browser that closes its connection early is no error worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        if self.live is not None:
            self.live.close()  # ends the event streams
        super().server_close()


def make_server(
    folder: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    root_path: str = "/",
    *,
    rules: Sequence[HeaderRule] = (),
    live: LiveReload | None = None,
) -> PreviewServer:
    """A server for ``folder`` at URL path ``root_path`` (``/news/``), with the site's
    header ``rules``; with ``live``, pages reload when it says so. Call
    ``serve_forever()`` on it (port 0: any free port)."""
    handler = partial(_Handler, directory=str(folder))
    server = PreviewServer((host, port), handler, ServedSite(root_path, tuple(rules)))
    server.live = live
    return server
