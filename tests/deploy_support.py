"""Helpers for deploy tests: request recording, remote snapshots, a fault-injecting proxy."""

from __future__ import annotations

import gzip
import http.client
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import boto3

from feeds._headers import HEADERS_PATH, headers_for
from feeds.build._write import MANIFEST
from feeds.deploy._s3 import MANIFEST_KEY
from feeds.models import Site
from feeds.render.crawlers import REDIRECTS_PATH

FAKE_KEY_ID = "AKIAFEEDSFAKEKEY0001"
FAKE_SECRET = "feedsFakeSecret/0123456789+abcdefghijklmnop"


@dataclass
class Recorder:
    """A boto3 session that records each HTTP request and each key put or deleted, in order."""

    requests: list[str] = field(default_factory=list)
    operations: list[tuple[str, str]] = field(default_factory=list)
    fail_keys: set[str] = field(default_factory=set)

    def session(self) -> boto3.session.Session:
        session = boto3.session.Session()
        session.events.register("before-send.s3", self._sent)
        session.events.register("before-parameter-build.s3.PutObject", self._put)
        session.events.register("before-parameter-build.s3.DeleteObjects", self._delete)
        return session

    def puts(self) -> list[str]:
        """Keys put, in order, without the manifest."""
        return [key for kind, key in self.operations if kind == "put" and MANIFEST_KEY not in key]

    def clear(self) -> None:
        self.requests.clear()
        self.operations.clear()

    def _sent(self, event_name: str, **_: Any) -> None:
        self.requests.append(event_name.rsplit(".", 1)[-1])

    def _put(self, params: dict[str, Any], **_: Any) -> None:
        if params["Key"] in self.fail_keys:
            raise ConnectionResetError(f"injected fault on {params['Key']}")
        self.operations.append(("put", params["Key"]))

    def _delete(self, params: dict[str, Any], **_: Any) -> None:
        for item in params["Delete"]["Objects"]:
            self.operations.append(("delete", item["Key"]))


def new_bucket(client: Any) -> str:
    name = f"site-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name


def remote_keys(client: Any, bucket: str, prefix: str = "") -> dict[str, str]:
    """Every key below ``prefix`` (without it) and its ETag, the manifest left out."""
    keys = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            keys[item["Key"].removeprefix(prefix)] = item["ETag"]
    keys.pop(MANIFEST_KEY, None)
    return keys


def local_files(output: Path, *, bucket: bool = True) -> dict[str, bytes]:
    """The built files a deploy publishes: to a bucket without ``_headers`` and ``_redirects``
    (static hosts' files), to a folder with them."""
    skipped = {MANIFEST, HEADERS_PATH, REDIRECTS_PATH} if bucket else {MANIFEST}
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in output.rglob("*")
        if path.is_file() and path.relative_to(output).as_posix() not in skipped
    }


def assert_remote_equals_local(
    client: Any, bucket: str, output: Path, site: Site, prefix: str = ""
) -> None:
    """The bucket holds exactly the built files, with their bodies and headers."""
    local = local_files(output)
    assert set(remote_keys(client, bucket, prefix)) == set(local)
    for path, data in local.items():
        stored = client.get_object(Bucket=bucket, Key=prefix + path)
        body = stored["Body"].read()
        expected = headers_for(PurePosixPath(path), site.headers)
        if expected.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == data, path
        assert stored["ContentType"] == expected["Content-Type"], path
        assert stored.get("CacheControl") == expected.get("Cache-Control"), path
        assert stored.get("ContentEncoding") == expected.get("Content-Encoding"), path


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 in front of the S3 server that injects faults.

    Every ``every``-th request (counting from 1) is not forwarded: it gets a 500,
    a 503 or a reset connection, in turn (``faults``). ``delay`` slows every
    request down, so a test can kill a deploy half-way.
    """

    def __init__(
        self,
        upstream: str,
        every: int = 0,
        faults: tuple[str, ...] = ("500", "503", "reset"),
        delay: float = 0.0,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.every, self.faults, self.delay = every, faults, delay
        self.requests = 0
        self.injected: list[str] = []
        self.puts = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        handler = type("Handler", (_ProxyHandler,), {"proxy": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_fault(self, method: str) -> str | None:
        """Count a request; the fault to inject into it, if any."""
        with self._lock:
            self.requests += 1
            if method == "PUT":
                self.puts += 1
            if not self.every or self.requests % self.every:
                return None
            fault = self.faults[(self.requests // self.every - 1) % len(self.faults)]
            self.injected.append(fault)
            return fault

    def connection(self) -> http.client.HTTPConnection:
        """This thread's connection to the S3 server."""
        if getattr(self._local, "connection", None) is None:
            self._local.connection = http.client.HTTPConnection(
                self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=30
            )
        return self._local.connection  # type: ignore[no-any-return]


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    proxy: FaultProxy

    def do_GET(self) -> None:
        self._relay()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def log_message(self, *_: object) -> None:
        """No request log on stderr."""

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.proxy.delay:
            time.sleep(self.proxy.delay)
        fault = self.proxy.next_fault(self.command)
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault:
            code = "InternalError" if fault == "500" else "SlowDown"
            self._answer(
                int(fault),
                [("Content-Type", "application/xml")],
                f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode(),
            )
            return
        headers = {name: value for name, value in self.headers.items() if name.lower() != "expect"}
        connection = self.proxy.connection()
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            raise
        kept = [
            (name, value)
            for name, value in response.getheaders()
            if name.lower() not in {"transfer-encoding", "connection", "content-length"}
        ]
        self._answer(response.status, kept, data, head=self.command == "HEAD")

    def _answer(
        self, status: int, headers: list[tuple[str, str]], data: bytes, head: bool = False
    ) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)
