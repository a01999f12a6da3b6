"""One deploy, start to end: scan, diff, guard, apply, report."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import SplitResult, quote, urlsplit

from feeds.build._lock import locked
from feeds.deploy._folder import FolderTarget
from feeds.deploy._plan import (
    LocalFile,
    Plan,
    Reason,
    RemoteFile,
    check_built,
    check_deletes,
    make_plan,
    scan_local,
)
from feeds.deploy._redact import mask_userinfo
from feeds.deploy._websub import PingReport, is_feed, ping_hub
from feeds.errors import ConfigError, DeployError
from feeds.models import DeploySettings, Site

if TYPE_CHECKING:
    import boto3

Progress = Callable[[int, int], None]


class Target(Protocol):
    """Where a deploy goes: an S3 bucket or a folder."""

    carries_headers: bool

    def lock(self, timeout: float) -> AbstractContextManager[None]:
        """Keep other deploys to the target out while this one changes it."""

    def remote(self) -> dict[str, RemoteFile]:
        """What the target holds now."""

    def apply(self, plan: Plan, local: Mapping[str, LocalFile], progress: Progress) -> int:
        """Carry out a plan; return the bytes sent."""

    def setup(self) -> str:
        """One-time settings (a bucket's CORS rules); say what was done."""


@dataclass(frozen=True)
class DeployReport:
    """What a deploy did (or, in a dry run, would do)."""

    target: str
    plan: Plan
    bytes_sent: int
    seconds: float
    dry_run: bool = False
    setup: str | None = None
    cdn: str | None = None
    websub: PingReport | None = None
    hint: str | None = None  # what the target lacks (a bucket's CORS rule)

    @property
    def new(self) -> int:
        """Files uploaded to paths the target did not have."""
        return sum(1 for action in self.plan.uploads if action.reason is Reason.NEW)

    def summary(self) -> str:
        """``uploaded 12 (3 new, 9 changed, 3.1 MB), unchanged 9,988, deleted 1 in 2.4 s``"""
        uploads, deletes = len(self.plan.uploads), len(self.plan.deletes)
        unchanged = f"unchanged {len(self.plan.unchanged):,}"
        size = human_size(self.bytes_sent)
        sent = f"{uploads:,} ({self.new:,} new, {uploads - self.new:,} changed, {size})"
        sent = sent if uploads else f"0 ({size})"
        if self.dry_run:
            return (
                f"would upload {sent}, {unchanged}, "
                f"would delete {deletes:,} (dry run: nothing changed on {self.target})"
            )
        return f"uploaded {sent}, {unchanged}, deleted {deletes:,} in {self.seconds:.1f} s"


def deploy(
    output: Path,
    site: Site,
    *,
    target: str | None = None,
    dry_run: bool = False,
    max_deletes: int | None = None,
    max_delete_ratio: float | None = None,
    setup: bool = False,
    allow_bucket_root: bool = False,
    session: boto3.session.Session | None = None,
    progress: Progress | None = None,
) -> DeployReport:
    """Make the target hold exactly the built tree ``output``; refuse mass deletions."""
    started = time.perf_counter()
    settings = site.deploy
    if max_deletes is not None:
        settings = settings.model_copy(update={"max_deletes": max_deletes})
    if max_delete_ratio is not None:
        settings = settings.model_copy(update={"max_delete_ratio": max_delete_ratio})
    if allow_bucket_root:
        settings = settings.model_copy(update={"allow_bucket_root": True})
    destination = open_target(target or settings.target, settings, session)
    check_built(output)
    _check_apart(output, destination)
    # The output's lock keeps a build from changing the files while they are read
    # and sent; the target's (a folder's) keeps another deploy out of it.
    with locked(_real(output), "feeds deploy", site.lock_timeout):
        local = {
            file.path: file
            for file in scan_local(output, site.headers, with_headers=destination.carries_headers)
        }
        with nullcontext() if dry_run else destination.lock(site.lock_timeout):
            remote = destination.remote()
            plan = make_plan(local.values(), remote)
            check_deletes(plan, settings.max_deletes, settings.max_delete_ratio, len(remote))
            changed_bytes = sum(local[action.path].size for action in plan.uploads)
            if dry_run:
                return DeployReport(str(destination), plan, changed_bytes, 0.0, dry_run=True)
            note = destination.setup() if setup else None
            sent = destination.apply(plan, local, progress or _quiet)
    cdn = _invalidate(destination, plan, settings, site.root_path)
    websub = _ping_hub(site, plan)
    # Asked only when something went up (a deploy with nothing to do stays at its
    # listing), and not right after --setup gave the rule.
    cors_hint = getattr(destination, "cors_hint", None)
    hint = cors_hint() if cors_hint and plan.changed and not setup else None
    return DeployReport(
        str(destination),
        plan,
        sent,
        time.perf_counter() - started,
        setup=note,
        cdn=cdn,
        websub=websub,
        hint=hint,
    )


def _ping_hub(site: Site, plan: Plan) -> PingReport | None:
    """Tell the site's WebSub hub about every feed this deploy uploaded (not deleted)."""
    feeds = [site.url(action.path) for action in plan.uploads if is_feed(action.path)]
    if not site.websub_hub or not feeds:
        return None
    return ping_hub(site.websub_hub, feeds)


_PATH_CHARACTERS = "/!$&'()+,;=:@"  # RFC 3986 path characters, less * (quote keeps -._~)


def invalidation_paths(plan: Plan, max_paths: int, root_path: str) -> list[str]:
    """The URL paths a plan changed (folders for their index.html), or everything below
    the root above max_paths.

    CloudFront takes the paths readers request: the site's root path (``/news/`` for
    ``https://example.com/news/``, a URL path already) and each file's path below it,
    with only what a URL cannot carry percent-encoded (AWS: encoding other characters
    misses the cached copy), and ``*``, a wildcard to CloudFront.
    """
    paths = set()
    for action in (*plan.uploads, *plan.deletes):
        paths.add(action.path)
        if action.path == "index.html" or action.path.endswith("/index.html"):
            paths.add(action.path.removesuffix("index.html"))
    if len(paths) > max_paths:
        return [root_path + "*"]
    return sorted(root_path + quote(path, safe=_PATH_CHARACTERS) for path in paths)


def _invalidate(
    destination: Target, plan: Plan, settings: DeploySettings, root_path: str
) -> str | None:
    distribution = settings.cloudfront_distribution_id
    if not distribution or not plan.changed:
        return None
    invalidate = getattr(destination, "invalidate", None)
    if invalidate is None:
        raise ConfigError("cloudfront_distribution_id is set, but the target is not a bucket")
    paths = invalidation_paths(plan, settings.invalidation_max_paths, root_path)
    invalidate(distribution, paths)
    return f"CloudFront {distribution}: invalidated {len(paths):,} path{'s' * (len(paths) != 1)}"


def rollback(
    target: str | None, settings: DeploySettings, lock_timeout: float = 60, to: str | None = None
) -> str:
    """Point a folder target's ``current`` back at the previous release, or at the kept
    release ``to`` (older or newer: a rollback can be undone)."""
    destination = _folder_target(target, settings)
    with destination.lock(lock_timeout):
        previous, now = destination.rollback() if to is None else destination.switch_to(to)
    return f"{destination}/current: {previous.name} -> {now.name}"


def releases(target: str | None, settings: DeploySettings) -> list[str]:
    """A folder target's kept releases, oldest first, the current one marked."""
    destination = _folder_target(target, settings)
    current = destination.current
    kept = destination.releases()
    if not kept:
        raise DeployError(f"{destination}: nothing deployed here yet")
    return [f"{path.name}{' (current)' if path == current else ''}" for path in kept]


def _folder_target(target: str | None, settings: DeploySettings) -> FolderTarget:
    destination = open_target(target or settings.target, settings)
    if not isinstance(destination, FolderTarget):
        raise DeployError(
            f"{destination}: rollback works on folder targets; for a bucket, "
            "check out the previous commit and deploy it"
        )
    return destination


def _real(path: Path) -> Path:
    """``path`` with every link resolved: the folder whose lock a build takes."""
    return Path(os.path.realpath(path))


def _check_apart(output: Path, destination: Target) -> None:
    """Refuse a folder target inside the output, or an output inside the target."""
    if not isinstance(destination, FolderTarget):
        return
    source, root = _real(output), _real(destination.root)
    if source == root or source.is_relative_to(root) or root.is_relative_to(source):
        raise ConfigError(
            f"the target {destination.root} and the output {output} overlap; "
            "deploy to a folder outside the output"
        )


def open_target(
    url: str | None, settings: DeploySettings, session: boto3.session.Session | None = None
) -> Target:
    """The target a URL names: ``s3://bucket/prefix``, ``file:///path`` or a plain path."""
    if not url:
        raise ConfigError(
            "no deploy target; pass --target or set target in [tool.feeds.deploy] "
            "(s3://bucket/prefix or a folder)"
        )
    parts = _split(url)
    if parts.scheme == "s3":
        from feeds.deploy._s3 import Location, S3Target  # boto3 loads only when needed

        if not parts.netloc:
            raise ConfigError(f"target {url!r} names no bucket; write it like s3://bucket/prefix")
        if not _BUCKET.fullmatch(parts.netloc):
            raise ConfigError(
                f"target {mask_userinfo(url)!r} names no valid bucket: write it like "
                "s3://bucket/prefix (the endpoint goes in endpoint_url, credentials in "
                "the AWS variables)"
            )
        if not parts.path.strip("/") and not settings.allow_bucket_root:
            # A deploy deletes every key below its prefix that is not in the
            # built tree: with no prefix, that is every other object in the bucket.
            raise ConfigError(
                f"target {url!r} is a whole bucket: the deploy would delete every object "
                "not in the built tree; add a prefix (s3://bucket/site) or pass "
                "--allow-bucket-root if the bucket holds only this site"
            )
        return S3Target(Location.parse(parts.netloc, parts.path), settings, session)
    if parts.scheme == "file":
        if parts.netloc not in {"", "localhost"}:  # file://srv/site is /site on host 'srv'
            raise ConfigError(
                f"target {mask_userinfo(url)!r} names a host; write file:///path (three slashes) "
                "or a plain path"
            )
        return FolderTarget(Path(parts.path), settings.keep_releases)
    if parts.scheme and len(parts.scheme) > 1:  # 'C:' is a drive, not a scheme
        raise ConfigError(
            f"target {mask_userinfo(url)!r}: unknown scheme; use s3://bucket/prefix or a folder"
        )
    return FolderTarget(Path(url), settings.keep_releases)


# Bucket names as botocore accepts them (S3 itself is stricter; other stores vary).
_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:  # 's3://[bucket/x': an unclosed IPv6 address
        raise ConfigError(
            f"target {mask_userinfo(url)!r} is not a URL; "
            "write s3://bucket/prefix, file:///path or a path"
        ) from None


def human_size(size: int) -> str:
    """``3.1 MB``, ``12.0 kB``, ``512 B``."""
    if size < 1000:
        return f"{size} B"
    if size < 1000**2:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1000**2:.1f} MB"


def _quiet(done: int, total: int) -> None:
    """No progress output."""
