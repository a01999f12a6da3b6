"""The preview server (``feeds serve``) over real HTTP: only regular files below the
output, no symlinks, no folder listings, and malformed paths refused cleanly."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from feeds._serve import LiveReload, make_server

GOLDEN = Path(__file__).parent / "golden"  # a built output of the test site, served at /news/
SECRET = b"root:x:0:0:a secret outside the output"


@pytest.fixture
def public(tmp_path: Path) -> Path:
    """A built output, with a secret file beside it (outside the output)."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return Path(shutil.copytree(GOLDEN, tmp_path / "public"))


@pytest.fixture
def origin(public: Path, capfd: pytest.CaptureFixture[str]) -> Iterator[str]:
    """``host:port`` of a preview server of ``public`` at /news/; after the test,
    nothing it wrote to stderr may be a traceback."""
    server = make_server(public, port=0, root_path="/news/")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
    logged = capfd.readouterr().err
    assert "Traceback" not in logged
    assert "Error" not in logged


def get(origin: str, path: str, method: str = "GET") -> tuple[int, Message, bytes]:
    """Status, headers and body of one request on a new connection."""
    connection = http.client.HTTPConnection(origin, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def raw_status(origin: str, request: bytes) -> bytes:
    """The status line answering raw request bytes (what http.client refuses to send)."""
    host, port = origin.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n" not in answer and (chunk := connection.recv(4096)):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def assert_still_serving(origin: str) -> None:
    status, headers, body = get(origin, "/news/rss.xml")
    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert body == (GOLDEN / "rss.xml").read_bytes()


def test_serves_files_and_folder_pages(origin):
    """Files and folders' index.html answer 200 with their bytes; HEAD sends no body."""
    status, headers, body = get(origin, "/news/articles/same-day-as-the-sample/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = GOLDEN / "articles" / "same-day-as-the-sample" / "index.html"
    assert body == page.read_bytes()
    status, headers, body = get(origin, "/news/tags/html-xml/feed.json?utm=x", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str((GOLDEN / "tags/html-xml/feed.json").stat().st_size)
    assert_still_serving(origin)


def test_folder_without_slash_redirects(origin):
    """A folder's URL without its trailing slash redirects to it, keeping the query."""
    status, headers, _ = get(origin, "/news/tags?x=1")
    assert status == 301
    assert headers["Location"] == "/news/tags/?x=1"


@pytest.mark.parametrize("path", ["/news/articles/", "/news/api/v1/", "/news/api/"])
def test_folders_are_never_listed(origin, path):
    """A folder without index.html is the site's 404 page, never a listing of its files."""
    status, _, body = get(origin, path)
    assert status == 404
    assert b"Page not found" in body
    assert b"Directory listing" not in body
    assert b"same-day-as-the-sample" not in body


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("leak.txt", "../secret.txt"),  # a file outside
        ("outside", ".."),  # a folder outside
        ("inside.xml", "rss.xml"),  # a file inside
        ("pages", "articles"),  # a folder inside
        ("tags/html-xml/latest.xml", "rss.xml"),  # deeper down
    ],
)
def test_symlinks_are_never_followed(public, origin, link, target):
    """A symlink anywhere on the path answers 404, even one that points inside the output."""
    (public / link).symlink_to(target)
    for path in (f"/news/{link}", f"/news/{link}/", f"/news/{link}/secret.txt"):
        status, _, body = get(origin, path)
        assert status == 404, path
        assert SECRET not in body
        assert b"<rss" not in body
    status, _, _ = get(origin, "/news/pages/same-day-as-the-sample/")
    assert status == 404
    assert_still_serving(origin)


def test_symlinked_folder_page_and_404_page_are_not_followed(public, origin):
    """A folder's index.html and the 404 page are not served through symlinks either."""
    page = public / "articles" / "same-day-as-the-sample" / "index.html"
    page.unlink()
    page.symlink_to("../../index.html")
    (public / "404.html").unlink()
    (public / "404.html").symlink_to("../secret.txt")
    status, _, body = get(origin, "/news/articles/same-day-as-the-sample/")
    assert status == 404
    assert SECRET not in body
    assert b"Page not found" not in body  # http.server's own page instead
    assert b"Articles for the feeds test suite" not in body  # not the home page


def test_only_regular_files_are_served(public, origin):
    """A FIFO in the output answers 404 at once, and the server goes on serving."""
    os.mkfifo(public / "pipe.xml")
    status, _, _ = get(origin, "/news/pipe.xml")
    assert status == 404
    assert_still_serving(origin)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/news/%00", 400),
        ("/%00", 404),  # outside the site's root path
        ("/news/rss.xml%00.html", 400),
        ("/news/%0a", 400),
        ("/news/%", 400),
        ("/news/%zzrss.xml", 400),
        ("/news/%C3%28", 400),  # not UTF-8
        ("/news/%FF", 400),
        ("/news/../../secret.txt", 400),
        ("/news/%2e%2e/secret.txt", 400),
        ("/news/..%2Fsecret.txt", 400),
        ("/news/tags/%2E%2E/%2E%2E/../secret.txt", 400),
        ("/news/./rss.xml", 400),
        ("/news/..\\secret.txt", 400),
        ("/news/%5C..%5Csecret.txt", 400),
        ("/news/" + "a" * 5000, 404),  # a name too long for the file system
        ("/news/" + "a/" * 3000, 404),  # a path too long
        ("/news/rss.xml/", 404),
        ("/news/rss.xml/x", 404),
        ("*", 404),
    ],
)
def test_malformed_paths_are_refused_cleanly(origin, path, expected):
    """Bad paths answer 400 or 404 with no traceback, and the server keeps serving."""
    status, _, body = get(origin, path)
    assert status == expected
    assert SECRET not in body
    assert_still_serving(origin)


def test_raw_bytes_in_the_path_are_refused(origin):
    """A NUL byte, an over-long request line or a broken absolute URL, sent raw, answer
    400, 414 and 404; then the server goes on serving."""
    assert raw_status(origin, b"GET /news/\x00 HTTP/1.1\r\nHost: x\r\n\r\n").split()[1] == b"400"
    too_long = b"GET /news/" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"
    assert raw_status(origin, too_long).split()[1] == b"414"
    bad_url = b"GET http://[bad/news/ HTTP/1.1\r\nHost: x\r\n\r\n"
    assert raw_status(origin, bad_url).split()[1] == b"404"
    assert_still_serving(origin)


def test_every_answer_says_no_cache(origin):
    """Files, folders' pages, the 404 page and redirects all say Cache-Control: no-cache,
    so a reload shows the latest build."""
    for path in (
        "/news/rss.xml",
        "/news/articles/same-day-as-the-sample/",
        "/news/nope",
        "/news/tags",
    ):
        _, headers, _ = get(origin, path)
        assert headers["Cache-Control"] == "no-cache", path


@pytest.mark.parametrize(
    ("path", "content_type", "cors"),
    [
        ("/news/feed.json", "application/feed+json; charset=utf-8", "*"),
        ("/news/tags/html-xml/feed.json", "application/feed+json; charset=utf-8", "*"),
        ("/news/api/v1/index.json", "application/json; charset=utf-8", "*"),
        ("/news/atom.xml", "application/atom+xml; charset=utf-8", None),
        ("/news/index.html", "text/html; charset=utf-8", None),
        ("/news/style.css", "text/css; charset=utf-8", None),
    ],
)
def test_files_get_productions_content_type_and_cors(origin, path, content_type, cors):
    """Content-Type and CORS are those the deploy and _headers give each file."""
    _, headers, _ = get(origin, path)
    assert headers["Content-Type"] == content_type
    assert headers["Access-Control-Allow-Origin"] == cors


def test_the_sites_header_rules_apply(public):
    """A header rule of the site (a content type, CORS) changes what the preview sends."""
    from feeds.models import HeaderRule

    rule = HeaderRule(glob="robots.txt", content_type="text/x-robots; charset=utf-8", cors=True)
    server = make_server(public, port=0, root_path="/news/", rules=[rule])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        _, headers, _ = get(f"127.0.0.1:{server.server_address[1]}", "/news/robots.txt")
    finally:
        server.shutdown()
        server.server_close()
    assert headers["Content-Type"] == "text/x-robots; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_redirects_file_is_followed_with_301s(public, origin):
    """Each _redirects line answers its old path (with or without the slash) with a 301
    to the new one, query kept; comments, splats and rewrites are not followed."""
    (public / "_redirects").write_text(
        "# old slugs\n"
        "/news/articles/old-slug/ /news/articles/same-day-as-the-sample/ 301\n"
        "/news/moved /news/tags/ 302\n"
        "/news/blog/* /news/articles/:splat 301\n"
        "/news/rewritten /news/rss.xml 200\n"
    )
    for path in ("/news/articles/old-slug/", "/news/articles/old-slug"):
        status, headers, _ = get(origin, path + "?ref=feed")
        assert status == 301
        assert headers["Location"] == "/news/articles/same-day-as-the-sample/?ref=feed"
    status, headers, _ = get(origin, "/news/moved")
    assert (status, headers["Location"]) == (302, "/news/tags/")
    assert get(origin, "/news/blog/x")[0] == 404
    assert get(origin, "/news/rewritten")[0] == 404
    (public / "_redirects").write_text("/news/moved /news/rss.xml 301\n")  # read again
    assert get(origin, "/news/moved")[1]["Location"] == "/news/rss.xml"


def test_a_redirects_file_that_is_a_symlink_is_not_followed(public, origin, tmp_path):
    """_redirects is read like any file: a symlink is never followed."""
    (tmp_path / "elsewhere").write_text("/news/rss.xml /news/leak 301\n")
    (public / "_redirects").symlink_to(tmp_path / "elsewhere")
    assert_still_serving(origin)


@pytest.fixture
def live_origin(public: Path) -> Iterator[tuple[str, LiveReload]]:
    """``host:port`` of a preview server of ``public`` that reloads pages, and its state."""
    live = LiveReload(version="v1")
    server = make_server(public, port=0, root_path="/news/", live=live)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", live
    finally:
        server.shutdown()
        server.server_close()


LIVE_TAG = b'<script src="/.feeds-preview/live.js" data-version="v1"></script>\n</body>'


def test_live_pages_get_the_reload_script_and_public_does_not(public, live_origin):
    """With live reload, HTML answers (404 page included) carry the script before </body>;
    feeds and the files in public/ are as built."""
    origin, _ = live_origin
    path = "articles/same-day-as-the-sample/index.html"
    status, headers, body = get(origin, "/news/" + path)
    assert status == 200
    assert body == (GOLDEN / path).read_bytes().replace(b"</body>", LIVE_TAG)
    assert headers["Content-Length"] == str(len(body))
    assert LIVE_TAG in get(origin, "/news/no/such/page")[2]
    assert get(origin, "/news/rss.xml")[2] == (GOLDEN / "rss.xml").read_bytes()
    assert b"live.js" not in (public / path).read_bytes()
    status, headers, script = get(origin, "/.feeds-preview/live.js")
    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"EventSource" in script


def test_without_live_reload_there_is_no_script_and_no_events(origin):
    """A plain preview adds nothing to pages and has no events URL."""
    assert get(origin, "/.feeds-preview/live.js")[0] == 404
    assert get(origin, "/.feeds-preview/events")[0] == 404


def test_events_tell_pages_each_build(live_origin):
    """The events stream sends the state at once, then each build's: a new version, or
    the error of a failed build."""
    origin, live = live_origin
    connection = http.client.HTTPConnection(origin, timeout=10)
    connection.request("GET", "/.feeds-preview/events")
    response = connection.getresponse()
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"

    def event() -> dict[str, object]:
        line = response.readline()
        assert response.readline() == b"\n"
        assert line.startswith(b"data: ")
        return json.loads(line[len(b"data: ") :])

    assert event() == {"version": "v1", "error": None}
    live.publish("v2", None)
    assert event() == {"version": "v2", "error": None}
    live.publish("v2", "templates/base.html:3: unexpected '}'")
    assert event() == {"version": "v2", "error": "templates/base.html:3: unexpected '}'"}
    connection.close()
