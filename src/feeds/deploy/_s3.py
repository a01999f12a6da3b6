"""An S3-compatible bucket as a deploy target (AWS S3, Cloudflare R2, MinIO, ...).

Credentials come only from boto3's standard chain (environment, ``AWS_PROFILE``,
shared files, instance roles); endpoint and region from the configuration or
``AWS_ENDPOINT_URL_S3`` / ``AWS_REGION``, checked first so that a bad one is
named in the message. Every error is reported through ``DeployError`` with any
credential (and any ``user:password@`` of a URL) scrubbed out of its text.

Progress survives a failed deploy. The manifest records only what is known to
be up: the entries of the last manifest that this deploy does not change, and
each upload once the store confirmed it. It is saved when a step fails, every
``CHECKPOINT_EVERY`` uploads (so a killed deploy keeps most of its work too),
and at the end; the next run then sends only what is still missing, still in
tiers. The manifest has a client of its own, so that uploads that used up
botocore's retry budget on a flaky network do not keep their progress from
being saved.

Racing deploys. Before each step (a tier, the deletions, a save of the
manifest) the deploy checks with a HEAD that the manifest is still the one it
read or last wrote; if another deploy wrote it in between, this one stops at
once, before writing its own (which would record objects the other may have
replaced) and before deleting anything, and says so. The next run starts
from what is there, so the two converge.
"""

from __future__ import annotations

import gzip
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import orjson
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from feeds._order import upload_tier
from feeds.deploy._plan import Action, LocalFile, Plan, RemoteFile
from feeds.deploy._redact import mask_userinfo
from feeds.errors import DeployError
from feeds.models import DeploySettings

if TYPE_CHECKING:
    from botocore.config import _RetryDict
    from mypy_boto3_s3 import S3Client

MANIFEST_KEY = ".feeds-deploy.json.gz"
MANIFEST_VERSION = 1
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
CHECKPOINT_EVERY = 1000  # uploads between two saves of the manifest in a long tier
INVALIDATION_BATCH = 1000  # CloudFront: at most 3,000 paths in progress at once
RETRIES: _RetryDict = {"mode": "standard", "max_attempts": 8}  # 5xx, throttling, resets: backoff
CORS_RULES = [
    {
        "AllowedOrigins": ["*"],
        "AllowedMethods": ["GET", "HEAD"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 86400,
    }
]
Progress = Callable[[int, int], None]
Entry = tuple[str, str, str]  # body digest, headers digest, ETag
# botocore's check of a region name (a host label)
_REGION = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")
_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
TIERS = ("article pages", "lists and indexes", "the feeds", "the API index")  # by upload_tier


class RemoteChanged(DeployError):
    """Another deploy wrote the bucket's manifest while this one ran."""


@dataclass(frozen=True)
class Location:
    """``s3://bucket/prefix``: a bucket, and a key prefix ending in ``/`` (or empty)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, netloc: str, path: str) -> Location:
        """The location of an ``s3://`` URL's host and path."""
        prefix = path.strip("/")
        return cls(netloc, f"{prefix}/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


class S3Target:
    """Deploys by paged listing, ordered concurrent PUTs, batched deletes, manifest last."""

    carries_headers = True

    def __init__(
        self,
        location: Location,
        settings: DeploySettings,
        session: boto3.session.Session | None = None,
    ) -> None:
        self.location = location
        self.settings = settings
        self._secrets: list[str] = []
        self._known: dict[str, Entry] = {}
        self._manifest_etag: str | None = None  # as last read or written; None: no manifest
        self._uploaded = 0  # files this deploy sent and recorded in the manifest's entries
        self._unsaved = 0  # of those, how many the bucket's manifest does not list yet
        with self._errors():
            self._session = session or boto3.session.Session()
            try:
                self._secrets = _credential_strings(self._session)
                self.client: S3Client = _client(self._session, settings)
                # Listing, deletions and the manifest: a retry budget of their own.
                self._control: S3Client = _client(self._session, settings)
            except ValueError as error:  # botocore's checks of the rest of the AWS settings
                raise DeployError(
                    f"{self.location}: the AWS settings are not valid: {self._scrub(str(error))}"
                ) from None

    def __str__(self) -> str:
        return str(self.location)

    def lock(self, timeout: float) -> AbstractContextManager[None]:
        """No lock on a bucket: a race shows as a changed manifest (see the module)."""
        return nullcontext()

    def remote(self) -> dict[str, RemoteFile]:
        """The bucket's files below the prefix, verified against the manifest's ETags."""
        with self._errors():
            listed = self._list()
            manifest = self._read_manifest() if MANIFEST_KEY in listed else {}
        listed.pop(MANIFEST_KEY, None)
        remote = {}
        for path, etag in listed.items():
            entry = manifest.get(path)
            if entry is not None and entry[2] == etag:
                self._known[path] = entry
                remote[path] = RemoteFile(entry[0], entry[1])
            else:
                remote[path] = RemoteFile()
        return remote

    def apply(self, plan: Plan, local: Mapping[str, LocalFile], progress: Progress) -> int:
        """Carry out ``plan``; return the bytes sent. The manifest goes last.

        A failure saves the manifest with what went up before it is raised, so
        the next run resumes; another deploy's manifest stops this one at once.
        """
        if not plan.changed:
            return 0
        changing = {action.path for action in (*plan.uploads, *plan.deletes)}
        entries = {path: entry for path, entry in self._known.items() if path not in changing}
        with self._errors():
            # Forget the changing paths first: if this deploy dies half-way, the
            # next one re-uploads them instead of trusting a stale manifest.
            self._save(entries, "uploading anything")
        sent = 0
        done = 0
        total = len(plan.uploads) + len(plan.deletes)
        try:
            with self._errors():
                for number, tier in enumerate(plan.tiers):
                    if number:
                        self._check_manifest(f"uploading {TIERS[upload_tier(tier[0].path)]}")
                    sent += self._upload_tier(
                        tier, local, entries, partial(_offset, progress, done, total)
                    )
                    done += len(tier)
                if plan.deletes:
                    self._check_manifest("deleting anything")
                    self._delete([action.path for action in plan.deletes])
                progress(total, total)
                self._save(entries, "recording its uploads")
        except RemoteChanged:
            raise
        except DeployError as error:
            raise DeployError(f"{error}; {self._save_progress(entries)}") from None
        return sent

    def setup(self) -> str:
        """Apply the bucket's CORS rules: GET and HEAD from any origin."""
        with self._errors():
            self.client.put_bucket_cors(
                Bucket=self.location.bucket,
                CORSConfiguration={"CORSRules": CORS_RULES},  # type: ignore[typeddict-item]
            )
        return f"CORS on {self.location.bucket}: GET and HEAD from any origin"

    def cors_hint(self) -> str | None:
        """A line for a bucket without a CORS rule (browsers on other sites then cannot
        read the feeds or the API); None with one, or where the store cannot say."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._control.get_bucket_cors(Bucket=self.location.bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchCORSConfiguration":
                return None  # not allowed to ask, or a store without CORS: say nothing
            return (
                f"bucket {self.location.bucket} has no CORS rule, so web pages on other "
                "sites cannot fetch the feeds or the JSON API; give it one, once, with "
                "'feeds deploy --setup'"
            )
        except BotoCoreError:
            return None
        return None

    def invalidate(self, distribution_id: str, paths: Sequence[str]) -> list[str]:
        """Invalidate ``paths`` on a CloudFront distribution, in batches; return their ids."""
        client = self._session.client(
            "cloudfront",
            region_name=self.client.meta.region_name or "us-east-1",  # CloudFront is global
            config=Config(retries=RETRIES),
        )
        ids = []
        with self._errors():
            for start in range(0, len(paths), INVALIDATION_BATCH):
                batch = list(paths[start : start + INVALIDATION_BATCH])
                response = client.create_invalidation(
                    DistributionId=distribution_id,
                    InvalidationBatch={
                        "Paths": {"Quantity": len(batch), "Items": batch},
                        "CallerReference": f"feeds-{time.time_ns()}-{start}",
                    },
                )
                ids.append(response["Invalidation"]["Id"])
        return ids

    def _key(self, path: str) -> str:
        return self.location.prefix + path

    def _list(self) -> dict[str, str]:
        """Every key below the prefix and its ETag: one request per 1,000 keys."""
        listed = {}
        pages = self._control.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket, Prefix=self.location.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                listed[item["Key"].removeprefix(self.location.prefix)] = item["ETag"]
        return listed

    def _read_manifest(self) -> dict[str, Entry]:
        response = self._control.get_object(
            Bucket=self.location.bucket, Key=self._key(MANIFEST_KEY)
        )
        self._manifest_etag = response["ETag"]
        try:
            document = orjson.loads(gzip.decompress(response["Body"].read()))
        except (OSError, EOFError, orjson.JSONDecodeError):
            return {}  # unreadable: verify nothing, upload everything
        if not isinstance(document, dict) or document.get("version") != MANIFEST_VERSION:
            return {}
        return {path: tuple(entry) for path, entry in document.get("files", {}).items()}

    def _save(self, entries: Mapping[str, Entry], before: str) -> None:
        """Write the manifest, unless another deploy wrote it since this one read it."""
        self._check_manifest(before)
        document = {"generator": "feeds", "version": MANIFEST_VERSION, "files": dict(entries)}
        response = self._control.put_object(
            Bucket=self.location.bucket,
            Key=self._key(MANIFEST_KEY),
            Body=gzip.compress(orjson.dumps(document, option=orjson.OPT_SORT_KEYS), mtime=0),
            ContentType="application/gzip",
            CacheControl="no-store",
        )
        self._manifest_etag = response["ETag"]
        self._unsaved = 0

    def _check_manifest(self, before: str) -> None:
        """Stop if the bucket's manifest is not the one this deploy read or wrote last."""
        try:
            response = self._control.head_object(
                Bucket=self.location.bucket, Key=self._key(MANIFEST_KEY)
            )
            etag: str | None = response["ETag"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _NOT_FOUND:
                raise
            etag = None
        if etag != self._manifest_etag:
            raise RemoteChanged(
                f"{self.location}: another deploy changed {MANIFEST_KEY} while this one ran; "
                f"this one stopped before {before} and left the manifest as the other wrote "
                "it; run the deploy again when the other has finished"
            )

    def _save_progress(self, entries: Mapping[str, Entry]) -> str:
        """After a failure: save what went up (best effort); say what the next run sends."""
        if not self._unsaved:
            return "the next run sends only what is missing"
        try:
            with self._errors():
                self._save(entries, "recording its uploads")
        except RemoteChanged:
            return "another deploy changed the manifest meanwhile, so the next run checks again"
        except DeployError as error:
            return f"what went up could not be recorded ({error}), so the next run sends it again"
        return (
            f"the {self._uploaded:,} files that went up are recorded: "
            "the next run sends only what is missing"
        )

    def _upload_tier(
        self,
        tier: Sequence[Action],
        local: Mapping[str, LocalFile],
        entries: dict[str, Entry],
        progress: Callable[[int], None],
    ) -> int:
        """Upload one tier concurrently, recording each upload in ``entries``; raise
        naming every path that failed. Saves the manifest every CHECKPOINT_EVERY uploads."""
        sent = 0
        failed: dict[str, str] = {}
        finished = 0
        pool = ThreadPoolExecutor(max_workers=self.settings.concurrency)
        try:
            futures: dict[Future[tuple[str, int]], LocalFile] = {
                pool.submit(self._put, local[action.path]): local[action.path] for action in tier
            }
            for future in as_completed(futures):
                file = futures[future]
                finished += 1
                try:
                    etag, size = future.result()
                except (BotoCoreError, ClientError, OSError, DeployError) as error:
                    failed[file.path] = self._scrub(_describe(error))
                else:
                    entries[file.path] = (file.body, file.headers_digest, etag)
                    sent += size
                    self._uploaded += 1
                    self._unsaved += 1
                    if self._unsaved >= CHECKPOINT_EVERY:
                        self._save(entries, "saving its progress")
                progress(finished)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: no new upload starts
        if failed:
            raise DeployError(_failure_message(failed))
        return sent

    def _put(self, file: LocalFile) -> tuple[str, int]:
        data = file.read()
        extra: dict[str, Any] = {"ContentType": file.headers["Content-Type"]}
        if "Cache-Control" in file.headers:
            extra["CacheControl"] = file.headers["Cache-Control"]
        if file.headers.get("Content-Encoding") == "gzip":
            data = gzip.compress(data, mtime=0)
            extra["ContentEncoding"] = "gzip"
        response = self.client.put_object(
            Bucket=self.location.bucket, Key=self._key(file.path), Body=data, **extra
        )
        return response["ETag"], len(data)

    def _delete(self, paths: Sequence[str]) -> None:
        failed = {}
        for start in range(0, len(paths), DELETE_BATCH):
            batch = paths[start : start + DELETE_BATCH]
            response = self._control.delete_objects(
                Bucket=self.location.bucket,
                Delete={"Objects": [{"Key": self._key(path)} for path in batch], "Quiet": True},
            )
            for error in response.get("Errors", []):
                key = error.get("Key", "")
                failed[key.removeprefix(self.location.prefix)] = error.get("Message", "")
        if failed:
            raise DeployError(_failure_message(failed, verb="could not be deleted"))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn boto errors into DeployError, credentials scrubbed."""
        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise DeployError(f"{self.location}: {self._scrub(_describe(error))}") from None

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return mask_userinfo(text)


def _client(session: boto3.session.Session, settings: DeploySettings) -> S3Client:
    options: dict[str, Any] = {
        "retries": RETRIES,
        "max_pool_connections": settings.concurrency,
        "connect_timeout": 10,
        "read_timeout": 60,
        # Third-party stores (R2, older MinIO) reject the newer default checksums.
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
    }
    if _check_endpoint(settings):
        options["s3"] = {"addressing_style": "path"}  # what every S3-compatible store serves
    return session.client(
        "s3",
        endpoint_url=settings.endpoint_url,
        region_name=_check_region(session, settings),
        config=Config(**options),
    )


def _check_endpoint(settings: DeploySettings) -> bool:
    """Whether an endpoint other than AWS's is set; DeployError naming it if it is no URL."""
    sources = [(settings.endpoint_url, "the endpoint_url setting")]
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        sources += [(os.environ.get(name), name) for name in ENDPOINT_VARIABLES]
    for value, name in sources:
        if value:
            _check_url(value, name)
            return True
    return False


ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")  # botocore's order


def _check_url(value: str, name: str) -> None:
    try:
        parts = urlsplit(value)
        userinfo = parts.username is not None or parts.password is not None
    except ValueError:  # an unclosed '[', a port that is no number
        parts, userinfo = None, "@" in value
    if userinfo:
        raise DeployError(
            f"{name} holds a user name or password; remove them from the URL "
            "(credentials come only from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "AWS_PROFILE or an instance role)"
        )
    valid = is_valid_endpoint_url(value) or is_valid_ipv6_endpoint_url(value)
    if parts is None or parts.scheme not in {"http", "https"} or not valid:
        raise DeployError(
            f"{name} is not an endpoint URL: {value!r}; "
            "write it like https://<account>.r2.cloudflarestorage.com"
        )


def _check_region(session: boto3.session.Session, settings: DeploySettings) -> str | None:
    """The region to pass to the client (None: boto3's own choice); DeployError naming a
    setting or variable whose region is no region name."""
    if os.environ.get("AWS_DEFAULT_REGION"):
        default = "AWS_DEFAULT_REGION"
    else:
        default = "the region of the AWS profile"
    for value, name in (
        (settings.region, "the region setting"),
        (os.environ.get("AWS_REGION"), "AWS_REGION"),
        (session.region_name, default),
    ):
        if value:
            if not _REGION.fullmatch(value):
                raise DeployError(
                    f"{name} is not a region name: {value!r}; write it like us-east-1 "
                    "(or auto, for R2)"
                )
            return value
    return None


def _credential_strings(session: boto3.session.Session) -> list[str]:
    """The credentials boto3 found, to scrub from messages (never printed)."""
    credentials = session.get_credentials()
    if credentials is None:
        return []
    frozen = credentials.get_frozen_credentials()
    return [value for value in (frozen.secret_key, frozen.token, frozen.access_key) if value]


def _offset(progress: Progress, done: int, total: int, count: int) -> None:
    progress(done + count, total)


def _describe(error: BaseException) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        operation = error.operation_name
        return f"{operation} failed: {details.get('Code', '?')}: {details.get('Message', '')}"
    return str(error)


def _failure_message(failed: Mapping[str, str], verb: str = "did not go up") -> str:
    paths = sorted(failed)
    shown = ", ".join(paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
    first = failed[paths[0]]
    return (
        f"{len(paths)} file{'s' * (len(paths) != 1)} {verb}: {shown} ({first}); "
        "later steps were not run; run the deploy again to finish it"
    )
