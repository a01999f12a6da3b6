"""Running ``feeds serve --watch`` as a user does, for tests: in a site folder, on
any free port, its printed lines and its events stream at hand."""

from __future__ import annotations

import http.client
import json
import queue
import shutil
import subprocess
import sys
import threading
import time
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
        """The next state sent (keep-alive comments skipped), within WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            line = self.response.readline()
            if line.startswith(b"data: "):
                return json.loads(line[len(b"data: ") :])  # type: ignore[no-any-return]
            assert line in {b"\n", b": still here\n"}, line
        raise AssertionError(f"no event in {WAIT_SECONDS} s")

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
