"""Writing the output folder: only what changed, in an order readers can follow.

Shape. Renderers hand files to a ``TreeWriter`` one at a time; it hashes each
and compares it with the manifest of the previous build
(``.feeds-manifest.json``: every file's ``content_digest``). Only new or changed files are
written, into a staging folder beside the output (same file system). Nothing in
the output changes until ``commit``:

- First build (no output yet): the staging folder is renamed into place.
- Later builds: the staged files are moved in with ``os.replace`` (atomic per
  file) in publishing order (``upload_tier``, shared with the deploy):
  article pages and documents first, then lists, archives and tag feeds, then
  the subscription feeds and the API entry point; files no longer produced are
  deleted last. A reader therefore never meets a feed item
  or list entry whose page is missing, and unchanged files keep their bytes and
  mtimes (a no-op build writes nothing at all).

Why not swap whole trees: copying or hard-linking 20,000 unchanged files costs
more than a whole incremental build may take. What the per-file scheme gives up
is a single instant of switch-over; it keeps the rest: a failed build (any error
while rendering or staging) leaves the output exactly as it was, and Ctrl-C and
SIGTERM are held back while files are moved in (a few milliseconds for a
typical change).

Crash safety (SIGKILL, power cut) is write-ahead: before the first file moves,
the manifest is rewritten, marked incomplete, listing every file the output may
hold until the commit ends: the old tree's and the new one's. Whatever moment a
commit dies at, the next build (``--no-cache`` too) finds an incomplete
manifest, re-hashes the files on disk instead of trusting it, and deletes every
listed file the new tree lacks: nothing stale survives. Only the last step
writes the complete manifest, of the new tree alone. ``feeds.build._faults``
marks each step, and the tests kill a build at every one of them.

Safety: every path must stay inside the output folder; an existing output is
written to only if it is empty or holds a feeds manifest, so a mistyped
``--output`` never touches someone's folder; and only files a build recorded
in the manifest are ever deleted (a ``CNAME`` or ``.git`` put there stays).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

import orjson

from feeds._digest import content_digest
from feeds._json import dump_json
from feeds._order import upload_tier
from feeds.build._faults import fault
from feeds.errors import WriteError

MANIFEST = ".feeds-manifest.json"


def publish_rank(path: str) -> int:
    """The publishing order of a path; the deploy uploads in the same order."""
    return upload_tier(path)


# Parts (between slashes) a path must not have: an empty one (a leading "/",
# "//", a trailing "/"), "." or "..".
_CLIMBING = frozenset({"", ".", ".."})


def check_relative(path: PurePosixPath | str) -> None:
    """Refuse a path that could leave the output folder (or that names no file)."""
    text = str(path)
    if _climbs(text):
        raise WriteError(f"refusing to write {text!r}: it would leave the output folder")


def _climbs(path: str) -> bool:
    return not _CLIMBING.isdisjoint(path.split("/"))


def _leaving(paths: Collection[str]) -> str | None:
    """A path that could leave the output folder, if any (as ``check_relative``).

    Joined by slashes, with one at each end, the paths hold every part of every
    path between two slashes: three substring searches check 20,000 paths in a
    millisecond.
    """
    joined = f"/{'/'.join(paths)}/"
    if paths and all(f"/{part}/" not in joined for part in _CLIMBING):
        return None
    return next((path for path in paths if _climbs(path)), None)


@dataclass(frozen=True)
class WriteReport:
    """What a commit changed."""

    files: int
    written: int
    deleted: int


class TreeWriter:
    """Collects the files of a build and puts them in place on ``commit``."""

    def __init__(self, output: Path, *, trust_manifest: bool = True) -> None:
        output = Path(os.path.abspath(output))  # noqa: PTH100  (resolve() would follow links)
        _check_replaceable(output)
        self.output = output
        self.fresh = not output.is_dir() or not any(output.iterdir())
        manifest = None if self.fresh else _read_manifest(output)
        # Only files a build recorded are ever deleted: a CNAME or .git a user put there
        # stays. An incomplete manifest lists every file a killed commit may have left.
        self.owned: dict[str, str] = manifest.files if manifest else {}
        # The hash of the manifest's bytes: that of the output's last build, then this one's.
        self.manifest_digest = manifest.digest if manifest else ""
        self.previous: dict[str, str] | None = None  # None: compare with the files on disk
        if self.fresh:
            self.previous = {}
        elif trust_manifest and manifest is not None and manifest.complete:
            self.previous = manifest.files
        self.files: dict[str, str] = {}
        self.staged: list[str] = []
        self.articles = 0
        self.staging = output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            _remove_abandoned_staging(output)
            self.staging.mkdir()
        except OSError as error:
            raise WriteError(f"{output}: cannot write beside it: {error}") from error
        self._staging = str(self.staging)
        self._folders: set[str] = {self._staging}

    def __enter__(self) -> TreeWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def unchanged(self, path: str, file_digest: str) -> bool:
        """Whether the output already holds this file with this hash."""
        if self.previous is None:  # manifest not trusted: look at the file itself
            try:
                return content_digest((self.output / path).read_bytes()) == file_digest
            except OSError:
                return False
        return path in self.previous and self.previous[path] == file_digest

    def add(self, path: PurePosixPath, data: bytes) -> None:
        """Add a file of the new tree; it is staged only if it differs from the output's."""
        self.record(str(path), *self.stage(path, data))

    def stage(self, path: PurePosixPath, data: bytes) -> tuple[str, bool]:
        """Stage a file unless the output holds it already: (its hash, whether staged).

        Safe in a worker process forked from the writer's: it only writes into
        the staging folder; ``record`` the result in the writer's own process.
        """
        relative = str(path)
        check_relative(relative)
        file_digest = content_digest(data)
        if self.unchanged(relative, file_digest):
            return file_digest, False
        target = os.path.join(self._staging, relative)  # noqa: PTH118  (hot: 200,000 calls)
        folder = os.path.dirname(target)  # noqa: PTH120
        try:
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)  # noqa: PTH103
                self._folders.add(folder)
            _write_new_file(target, data)
        except OSError as error:
            raise WriteError(f"{self.output}: could not stage {path}: {error}") from error
        return file_digest, True

    def record(self, path: str, file_digest: str, staged: bool) -> None:
        """Count a file ``stage`` handled (and checked) as part of the new tree."""
        self._claim(path, file_digest)
        if staged:
            self.staged.append(path)

    def keep_all_but(self, excluded: Collection[str]) -> None:
        """Add every file of the trusted manifest but ``excluded`` (a patched build)."""
        if self.previous is None or self.files:
            raise WriteError("keep_all_but needs a trusted manifest and no file added yet")
        self.files = {path: hash_ for path, hash_ in self.previous.items() if path not in excluded}

    def keep(self, files: Mapping[str, str]) -> bool:
        """Add files (path → hash) if the output holds every one of them unchanged
        (then they need not be rendered): whether it does."""
        if self.previous is None:  # the paths come from the cache: check them before reading
            for path in files:
                check_relative(path)
        # Otherwise only a path of the manifest, checked when read, can be unchanged.
        if not all(self.unchanged(path, file_digest) for path, file_digest in files.items()):
            return False
        for path, file_digest in files.items():
            self._claim(path, file_digest)
        return True

    def _claim(self, path: str, file_digest: str) -> None:
        if path in self.files or path == MANIFEST:
            raise WriteError(f"{path} would be written twice")
        self.files[path] = file_digest

    def commit(self, articles: int = 0) -> WriteReport:
        """Put the new tree in place; raise WriteError (output untouched) if that fails."""
        self.articles = articles
        stale = sorted(self.owned.keys() - self.files.keys(), key=publish_rank, reverse=True)
        if not self.fresh:
            self._check_folders([*self.staged, *stale])
        try:
            if self.fresh:
                self._write_manifest(self.staging, self.files, complete=True)
                fault("commit.fresh")
                _replace_empty(self.staging, self.output)
            elif self.staged or stale or not self._manifest_current():
                with _signals_held():
                    fault("commit.start")
                    self._write_manifest(self.output, {**self.owned, **self.files}, complete=False)
                    fault("commit.ahead")
                    self._move_staged()
                    _delete(self.output, stale)
                    fault("commit.end")
                    self._write_manifest(self.output, self.files, complete=True)
        except OSError as error:
            raise WriteError(f"{self.output}: could not write the output: {error}") from error
        fault("commit.done")  # before the build cache learns of this tree
        return WriteReport(len(self.files), len(self.staged), len(stale))

    def _check_folders(self, paths: list[str]) -> None:
        """Refuse to write or delete through a link inside the output that leads out
        of it (a file that is a link is replaced or deleted itself, never followed)."""
        real = os.path.realpath(self.output)
        for folder in {os.path.dirname(path) for path in paths} - {""}:  # noqa: PTH120
            if not os.path.realpath(os.path.join(real, folder)).startswith(real + os.sep):  # noqa: PTH118
                raise WriteError(
                    f"refusing to write in {self.output / folder}: a link there leads out of "
                    f"{self.output}; remove the link"
                )

    def _move_staged(self) -> None:
        made: set[Path] = set()
        for path in sorted(self.staged, key=publish_rank):
            target = self.output / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            (self.staging / path).replace(target)
            fault("commit.move")

    def _manifest_current(self) -> bool:
        manifest = _read_manifest(self.output)
        return manifest is not None and (manifest.files, manifest.complete) == (self.files, True)

    def _write_manifest(self, folder: Path, files: dict[str, str], *, complete: bool) -> None:
        manifest = {"articles": self.articles, "complete": complete, "files": files}
        data = dump_json({**manifest, "generator": "feeds"})
        temporary = folder / f"{MANIFEST}.{secrets.token_hex(4)}.tmp"
        try:
            _write_new_file(str(temporary), data, durable=not complete)
            temporary.replace(folder / MANIFEST)
            if not complete:  # the write-ahead list must outlive a power cut: so must its name
                _sync_folder(folder)
        except OSError:
            temporary.unlink(missing_ok=True)  # a full disk leaves no half-written manifest
            raise
        if complete:
            self.manifest_digest = content_digest(data)


_NEW_FILE = (
    os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


def _write_new_file(path: str, data: bytes, *, durable: bool = False) -> None:
    """Write a staged file with plain system calls: ``open()`` would add an fstat,
    an ioctl and an lseek per file (about 20 µs each file, 20,000 files a build).
    ``durable``: on the disk, not only in the page cache, before returning."""
    descriptor = os.open(path, _NEW_FILE, 0o666)  # the umask decides, as with open()
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        if durable:
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Make a folder's entries (a rename into it) durable."""
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_tree(tree: Mapping[PurePosixPath, bytes], output: Path) -> WriteReport:
    """Make ``output`` hold exactly the files of ``tree`` (plus the manifest)."""
    with TreeWriter(output) as writer:
        for path, data in tree.items():
            writer.add(path, data)
        return writer.commit()


def remove_tree(output: Path) -> None:
    """Delete an output folder, if it is one feeds built; WriteError if it stays."""
    _check_replaceable(output)
    try:
        shutil.rmtree(output)
    except FileNotFoundError:
        pass  # removed meanwhile: what was asked
    except OSError as error:
        raise WriteError(
            f"could not remove {output}: {error.strerror} ({error.filename})"
        ) from None
    if output.exists():
        raise WriteError(f"could not remove {output}: it is still there")


def _check_replaceable(output: Path) -> None:
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise WriteError(f"{output} exists and is not a folder; choose another --output")
    if output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        raise WriteError(
            f"refusing to replace {output}: it is not empty and was not built by feeds "
            f"(no {MANIFEST}); empty it or choose another --output"
        )


@dataclass(frozen=True)
class Manifest:
    """What a build recorded about the output it wrote."""

    files: dict[str, str]
    articles: int
    complete: bool
    digest: str = ""  # of the manifest's bytes


def previous_build(output: Path) -> Manifest | None:
    """The manifest of the output's last build, if that build completed."""
    manifest = _read_manifest(output)
    return manifest if manifest is not None and manifest.complete else None


def _read_manifest(output: Path) -> Manifest | None:
    """The output's manifest; None if unreadable. A manifest naming a file outside
    the output is refused: a build deletes the files its manifest lists."""
    try:
        raw = (output / MANIFEST).read_bytes()
        data = orjson.loads(raw)
        manifest = Manifest(data["files"], data["articles"], data["complete"], content_digest(raw))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    valid = isinstance(manifest.files, dict) and isinstance(manifest.articles, int)
    if not (valid and isinstance(manifest.complete, bool)):
        return None
    if (path := _leaving(manifest.files)) is not None:
        raise WriteError(
            f"{output / MANIFEST} lists {path!r}, which is outside {output}: feeds did not "
            f"write that manifest; empty {output} and build again"
        )
    return manifest


def _replace_empty(staging: Path, output: Path) -> None:
    if output.is_dir():
        output.rmdir()  # empty, checked by the caller
    staging.rename(output)


def _delete(output: Path, paths: list[str]) -> None:
    folders: set[Path] = set()
    for path in paths:
        (output / path).unlink(missing_ok=True)
        fault("commit.delete")
        folders.update((output / path).parents)
    for folder in sorted(folders, key=lambda folder: len(folder.parts), reverse=True):
        if folder != output and folder.is_relative_to(output):
            with suppress(OSError):  # not empty: still holds files of the new tree
                folder.rmdir()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block is done, then deliver them."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove_abandoned_staging(output: Path) -> None:
    """Remove staging folders left by builds that were killed (their process is gone)."""
    for folder in output.parent.glob(f".{glob.escape(output.name)}.*.tmp"):
        pid = folder.name.removeprefix(f".{output.name}.").split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
