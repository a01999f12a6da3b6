"""``feeds serve --watch`` run as a user runs it: it rebuilds on each change to seeds,
templates, static files or configuration, tells open pages through its events
stream, and keeps serving the last good build when one fails."""

from __future__ import annotations

import http.client
import json
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SEEDS, SITE_CONFIG

ARTICLE = "/news/articles/script-tags-and-cdata-ends/"
WAIT_SECONDS = 60  # the longest any one step may take on a busy machine


@dataclass
class Preview:
    """A running ``feeds serve --watch``: its address and what it printed."""

    process: subprocess.Popen[str]
    origin: str = ""
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.origin, timeout=WAIT_SECONDS)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def printed(self, text: str) -> str:
        """The next line printed that holds ``text`` (waiting for it, boundedly)."""
        while True:
            line = self.lines.get(timeout=WAIT_SECONDS)
            if text in line:
                return line


class Events:
    """The events stream an open page follows."""

    def __init__(self, origin: str) -> None:
        self.connection = http.client.HTTPConnection(origin, timeout=WAIT_SECONDS)
        self.connection.request("GET", "/.feeds-preview/events")
        self.response = self.connection.getresponse()

    def next(self) -> dict[str, str | None]:
        """The next state sent (keep-alive comments skipped)."""
        while True:
            line = self.response.readline()
            if line.startswith(b"data: "):
                return json.loads(line[len(b"data: ") :])  # type: ignore[no-any-return]
            assert line in {b"\n", b": still here\n"}, line

    def close(self) -> None:
        self.connection.close()


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A site folder: the test seeds, [tool.feeds] in pyproject.toml, empty templates/."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "pyproject.toml").write_text("[tool.feeds]\n" + SITE_CONFIG.read_text())
    (tmp_path / "templates").mkdir()
    return tmp_path


@pytest.fixture
def preview(project: Path) -> Iterator[Preview]:
    """``feeds serve --watch --port 0`` in the project, once it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "feeds.cli", "serve", "--watch", "--port", "0"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Preview(process)
    reader = threading.Thread(target=_read_lines, args=(process.stdout, running.lines))
    reader.start()
    try:
        line = running.printed("serving public/ at http://127.0.0.1:")
        running.origin = line.split("http://", 1)[1].split("/", 1)[0]
        yield running
    finally:
        process.terminate()
        process.wait(timeout=WAIT_SECONDS)
        reader.join(timeout=WAIT_SECONDS)  # it has read to the end
        assert process.stdout is not None
        process.stdout.close()


def test_an_edited_article_is_rebuilt_and_open_pages_told(project, preview):
    """Saving an article rebuilds the site: the page serves the new text and the
    events stream sends the new version of the output."""
    events = Events(preview.origin)
    first = events.next()
    assert first["error"] is None
    seed = project / "seeds" / "escaping.txt"
    seed.write_text(seed.read_text() + "\nA paragraph written while previewing.\n")
    assert events.next()["version"] != first["version"]
    status, page = preview.get(ARTICLE)
    assert status == 200
    assert b"A paragraph written while previewing." in page
    assert b"live.js" not in (project / "public" / ARTICLE[6:] / "index.html").read_bytes()
    preview.printed("changed: seeds/escaping.txt; rebuilding")
    events.close()


def test_a_template_error_is_shown_and_the_last_good_site_kept(project, preview):
    """A broken template: the terminal and the events stream give ``templates/<file>:<line>:``,
    the last good page is still served; fixing it rebuilds and clears the error."""
    events = Events(preview.origin)
    good = events.next()
    _, page_before = preview.get(ARTICLE)
    (project / "templates" / "base.html").write_text(
        '{% extends "feeds/base.html" %}\n{% block footer %}{{ site.title }\n'
    )
    failed = events.next()
    assert (failed["error"] or "").startswith("templates/base.html:2: unexpected '}'")
    assert failed["version"] == good["version"]
    preview.printed("templates/base.html:2: unexpected '}'")
    assert preview.get(ARTICLE) == (200, page_before)
    (project / "templates" / "base.html").write_text(
        '{% extends "feeds/base.html" %}\n{% block footer %}<p>Fixed footer</p>{% endblock %}\n'
    )
    fixed = events.next()
    assert fixed["error"] is None
    assert fixed["version"] != good["version"]
    assert b"<p>Fixed footer</p>" in preview.get(ARTICLE)[1]
    events.close()


def test_static_files_and_configuration_are_watched(project, preview):
    """A new static file is copied in, and an edit to pyproject.toml (the site's title)
    rebuilds every page with it."""
    events = Events(preview.origin)
    events.next()
    (project / "static").mkdir()  # a folder that did not exist when the preview started
    events.next()
    (project / "static" / "logo.svg").write_text("<svg/>")
    events.next()
    assert preview.get("/news/logo.svg") == (200, b"<svg/>")
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('title = "Test & <Site>"', 'title = "Renamed"'))
    events.next()
    assert b"Renamed" in preview.get("/news/")[1]
    events.close()


def test_the_preview_answers_on_localhost_only(preview):
    """By default the preview listens on 127.0.0.1, not on every interface."""
    assert preview.origin.startswith("127.0.0.1:")
