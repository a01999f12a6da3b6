"""The pure half of a deploy: the local tree, the remote state, the plan between them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePosixPath

from feeds._digest import content_digest
from feeds._headers import HEADERS_PATH, Headers, headers_for
from feeds._order import upload_tier
from feeds.build._write import MANIFEST, Manifest, previous_build
from feeds.deploy._tree import FILE, LINK, Entry, NotAFile, read_inside, walk
from feeds.errors import DeployError
from feeds.models import HeaderRule
from feeds.render.crawlers import REDIRECTS_PATH

# Upload tiers, in order: what others link to goes up before what links to it.
SKIPPED = frozenset({MANIFEST})  # the build's own record, not part of the site
# A target that stores headers with each object (a bucket) has no use for the
# _headers and _redirects files (aliases have redirect pages), and would serve
# them as pages; a folder keeps them for a static host or web server that reads them.
SKIPPED_WITH_HEADERS = frozenset({MANIFEST, HEADERS_PATH, REDIRECTS_PATH})
# Hidden names are not published (.git, .DS_Store, .env), but for this folder (RFC 8615).
WELL_KNOWN = ".well-known"
TEMPORARY = ".tmp"  # the suffix of every temporary file feeds writes


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
    root: Path
    size: int
    body: str
    headers: Headers

    @property
    def source(self) -> Path:
        """Where the file is (to name it: read it with ``read``)."""
        return self.root / self.path

    @property
    def headers_digest(self) -> str:
        """A short digest of the stored headers."""
        return headers_digest(self.headers)

    def read(self) -> bytes:
        """The file's bytes, as scanned: never through a link; DeployError if it changed."""
        try:
            data = read_inside(self.root, self.path)
        except NotAFile:
            raise DeployError(
                f"{self.source} became a link or special file during the deploy"
            ) from None
        except OSError as error:
            raise DeployError(f"{self.source}: cannot read it: {error.strerror}") from None
        if content_digest(data) != self.body:
            raise DeployError(f"{self.source} changed during the deploy; deploy again")
        return data


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
    """Every file of a built tree to publish, with its digest and headers, sorted by path.

    What the build wrote (its manifest lists it) goes up, and so does a file put
    there by hand (a ``CNAME``, ``.well-known/security.txt``), except hidden
    files and folders (``.git``, ``.DS_Store``, ``.env``) and temporary files
    (``*.tmp``, as a build killed by a full disk leaves). A link, or a FIFO,
    socket or device, refuses the deploy: a build never makes one, and what a
    link points at may be anywhere (``/proc/self/environ``).
    """
    built = set(check_built(output).files)
    built_folders = {str(parent) for path in built for parent in PurePosixPath(path).parents}
    skipped = SKIPPED_WITH_HEADERS if with_headers else SKIPPED

    def wanted(path: str, folder: bool) -> bool:
        if path in skipped:
            return False
        if path in (built_folders if folder else built):
            return True
        return not _stray(path.rpartition("/")[2])

    files, refused = [], []
    for entry in walk(output, wanted):
        if entry.kind != FILE:
            refused.append(entry)
            continue
        headers = headers_for_path(entry.path, rules) if with_headers else {}
        files.append(LocalFile(entry.path, output, entry.size, entry.digest, headers))
    if refused:
        raise DeployError(_refusal(output, refused))
    return sorted(files, key=lambda file: file.path)


def check_built(output: Path) -> Manifest:
    """The manifest of the complete build in ``output``; DeployError if there is none."""
    manifest = previous_build(output) if output.is_dir() else None
    if manifest is None:  # none, or a build killed before its end
        raise DeployError(
            f"{output}/ is not a complete tree that feeds built (no complete {MANIFEST}); "
            "run 'feeds build' first or pass --output"
        )
    return manifest


def _stray(name: str) -> bool:
    """A hidden or temporary file or folder that a build does not write."""
    return (name.startswith(".") and name != WELL_KNOWN) or name.endswith(TEMPORARY)


def _refusal(output: Path, refused: Sequence[Entry]) -> str:
    links = [entry for entry in refused if entry.kind == LINK]
    others = [entry for entry in refused if entry.kind != LINK]
    parts = []
    if links:
        parts.append(
            f"{_which(output, links, 'a symbolic link', 'symbolic links')}: a deploy never "
            "follows links (one can point anywhere) and feeds never makes them; "
            + (
                "remove it, or put the file itself there"
                if len(links) == 1
                else "remove them, or put the files themselves there"
            )
        )
    if others:
        parts.append(
            f"{_which(output, others, 'a FIFO, socket or device', 'FIFOs, sockets or devices')}: "
            "only files and folders are published; remove "
            f"{'it' if len(others) == 1 else 'them'}"
        )
    return "refusing to deploy: " + "; ".join(parts)


def _which(output: Path, entries: Sequence[Entry], one: str, many: str) -> str:
    """``public/env.txt is a symbolic link``, ``3 symbolic links in public/ (a, b, c)``"""
    if len(entries) == 1:
        return f"{output / entries[0].path} is {one}"
    shown = ", ".join(entry.path for entry in entries[:5])
    more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    return f"{len(entries)} {many} in {output}/ ({shown}{more})"


def headers_for_path(path: str, rules: Sequence[HeaderRule]) -> Headers:
    """``feeds._headers.headers_for`` on a string path."""
    return headers_for(PurePosixPath(path), rules)


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


def check_deletes(plan: Plan, max_deletes: int, max_ratio: float, remote_files: int) -> None:
    """Refuse, before anything changes, a plan that deletes more than ``max_deletes``
    files, or more than ``max_ratio`` of the ``remote_files`` the target holds."""
    count = len(plan.deletes)
    if remote_files and count / remote_files > max_ratio:
        raise DeployError(
            f"refusing to deploy: {count:,} of the {remote_files:,} remote files "
            f"({count / remote_files:.0%}) would be deleted, more than max_delete_ratio "
            f"({max_ratio:.0%}); nothing was changed. Check --output and --target; if the "
            f"deletions are intended, pass --max-delete-ratio 1"
        )
    if count > max_deletes:
        raise DeployError(
            f"refusing to deploy: {count:,} remote files would be deleted, more than "
            f"max_deletes ({max_deletes:,}); nothing was changed. Check --output and --target; "
            f"if the deletions are intended, pass --max-deletes {count}"
        )
