"""Helpers for deploy tests: a moto S3 server, request recording, remote snapshots."""

from __future__ import annotations

import gzip
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import boto3

from feeds._headers import HEADERS_PATH, headers_for
from feeds._write import MANIFEST
from feeds.deploy._s3 import MANIFEST_KEY
from feeds.models import Site

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
    """The built files a deploy publishes: to a bucket without ``_headers``, to a folder with it."""
    skipped = {MANIFEST, HEADERS_PATH} if bucket else {MANIFEST}
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
