"""The pure half of a deploy: the local tree, the remote state, the plan between them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath

from feeds._digest import content_digest
from feeds._headers import HEADERS_PATH, Headers, headers_for, newest_pages
from feeds._order import upload_tier
from feeds.build._write import MANIFEST, previous_build
from feeds.errors import DeployError
from feeds.models import HeaderRule
from feeds.render.crawlers import REDIRECTS_PATH

# Upload tiers, in order: what others link to goes up before what links to it.
SKIPPED = frozenset({MANIFEST})  # the build's own record, not part of the site
# A target that stores headers with each object (a bucket) has no use for the
# _headers and _redirects files (aliases have redirect pages), and would serve
# them as pages; a folder keeps them for a static host or web server that reads them.
SKIPPED_WITH_HEADERS = frozenset({MANIFEST, HEADERS_PATH, REDIRECTS_PATH})


class Reason(str, Enum):
    """Why a path is in the plan."""

    NEW = "new"
    BODY = "body changed"
    HEADERS = "headers changed"
    UNVERIFIED = "not in the remote manifest"
    GONE = "gone"


@dataclass(frozen=True)
class LocalFile:
    """One file of the built tree, as it is to be stored."""

    path: str
    source: Path
    size: int
    body: str
    headers: Headers

    @property
    def headers_digest(self) -> str:
        """A short digest of the stored headers."""
        return headers_digest(self.headers)


@dataclass(frozen=True)
class RemoteFile:
    """What the target holds at a path; ``body``/``headers`` None: unknown."""

    body: str | None = None
    headers: str | None = None


@dataclass(frozen=True)
class Action:
    """One step of a plan: ``upload`` (new), ``update`` or ``delete``."""

    kind: str
    path: str
    reason: Reason

    def __str__(self) -> str:
        return f"{self.kind:<6} {self.path} ({self.reason.value})"


@dataclass(frozen=True)
class Plan:
    """Uploads in tiers (each finished before the next), then deletions."""

    tiers: tuple[tuple[Action, ...], ...]
    deletes: tuple[Action, ...]
    unchanged: tuple[str, ...] = field(default=())

    @property
    def uploads(self) -> tuple[Action, ...]:
        """Every upload and update, in order."""
        return tuple(action for tier in self.tiers for action in tier)

    @property
    def changed(self) -> bool:
        """True when the deploy has anything to do."""
        return bool(self.uploads or self.deletes)

    def lines(self) -> list[str]:
        """The plan as ``--dry-run`` prints it, in execution order."""
        return [str(action) for action in (*self.uploads, *self.deletes)]


def scan_local(output: Path, rules: Sequence[HeaderRule], *, with_headers: bool) -> list[LocalFile]:
    """Every file of a built tree with its digest and headers, sorted by path."""
    if previous_build(output) is None:  # none, or a build killed before its end
        raise DeployError(
            f"{output}/ is not a complete tree that feeds built (no complete {MANIFEST}); "
            "run 'feeds build' first or pass --output"
        )
    skipped = SKIPPED_WITH_HEADERS if with_headers else SKIPPED
    sources = {}
    for folder, _, names in os.walk(output):
        for name in names:
            source = Path(folder, name)
            path = source.relative_to(output).as_posix()
            if path not in skipped:
                sources[path] = source
    newest = newest_pages(sources)  # their headers say they change on every publish
    files = []
    for path, source in sources.items():
        data = source.read_bytes()
        headers = headers_for_path(path, rules, newest) if with_headers else {}
        files.append(LocalFile(path, source, len(data), content_digest(data), headers))
    return sorted(files, key=lambda file: file.path)


def headers_for_path(
    path: str, rules: Sequence[HeaderRule], newest: frozenset[str] = frozenset()
) -> Headers:
    """``feeds._headers.headers_for`` on a string path."""
    return headers_for(PurePosixPath(path), rules, newest)


def headers_digest(headers: Mapping[str, str]) -> str:
    """The digest the manifest keeps for a set of headers (names case-insensitive)."""
    text = "\n".join(f"{name.lower()}: {value}" for name, value in sorted(headers.items()))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def make_plan(local: Iterable[LocalFile], remote: Mapping[str, RemoteFile]) -> Plan:
    """What to upload (in tiers) and delete so that the remote equals ``local``."""
    tiers: list[list[Action]] = [[] for _ in range(4)]
    unchanged = []
    seen = set()
    for file in local:
        seen.add(file.path)
        reason = _reason(file, remote.get(file.path))
        if reason is None:
            unchanged.append(file.path)
            continue
        kind = "upload" if reason is Reason.NEW else "update"
        tiers[upload_tier(file.path)].append(Action(kind, file.path, reason))
    deletes = [Action("delete", path, Reason.GONE) for path in sorted(remote) if path not in seen]
    return Plan(tuple(tuple(tier) for tier in tiers if tier), tuple(deletes), tuple(unchanged))


def _reason(file: LocalFile, remote: RemoteFile | None) -> Reason | None:
    if remote is None:
        return Reason.NEW
    if remote.body is None or remote.headers is None:
        return Reason.UNVERIFIED
    if remote.body != file.body:
        return Reason.BODY
    if remote.headers != file.headers_digest:
        return Reason.HEADERS
    return None


def check_deletes(plan: Plan, max_deletes: int) -> None:
    """Refuse, before anything changes, a plan that deletes more than ``max_deletes``."""
    count = len(plan.deletes)
    if count > max_deletes:
        raise DeployError(
            f"refusing to deploy: {count:,} remote files would be deleted, more than "
            f"max_deletes ({max_deletes:,}); nothing was changed. Check --output and --target; "
            f"if the deletions are intended, pass --max-deletes {count}"
        )
