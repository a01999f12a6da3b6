"""Writing the output folder all at once, or not at all.

Shape: every file is first written into a staging folder beside the output
(``.public.<pid>.<token>.tmp``, same file system), then the staging folder and
the output are swapped in one step with Linux ``renameat2(RENAME_EXCHANGE)``,
and the old tree is removed. A reader of ``public/`` sees the old tree or the
new one, never a mix; a failed or interrupted build leaves the old one as it
was. Where the exchange is unsupported we fall back to two renames, which
leaves ``public/`` missing for an instant but never half-written.

Safety: every path must stay inside the output folder, and an existing output
is replaced only if it is empty or holds the manifest a previous build wrote
(``.feeds-manifest.json``: each file's SHA-256), so a mistyped ``--output``
never deletes someone's folder. The manifest is also the record a later
incremental build or deploy can diff against.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import secrets
import shutil
from pathlib import Path, PurePosixPath

from feeds._json import dump_json
from feeds.errors import WriteError
from feeds.render import Tree

MANIFEST = ".feeds-manifest.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def write_tree(tree: Tree, output: Path) -> None:
    """Replace ``output`` with exactly the files of ``tree``, atomically."""
    for path in tree:
        check_relative(path)
    _check_replaceable(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_staging(output)
    staging = output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        staging.mkdir()
        _write_files(staging, {**tree, PurePosixPath(MANIFEST): _manifest(tree)})
        _swap(staging, output)
    except OSError as error:
        raise WriteError(f"{output}: could not write the output: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_tree(output: Path) -> None:
    """Delete an output folder, if it is one feeds built."""
    _check_replaceable(output)
    shutil.rmtree(output, ignore_errors=True)


def check_relative(path: PurePosixPath) -> None:
    """Refuse a path that could leave the output folder."""
    if path.is_absolute() or not path.parts or any(part in {"..", ".", ""} for part in path.parts):
        raise WriteError(f"refusing to write {str(path)!r}: it would leave the output folder")


def _check_replaceable(output: Path) -> None:
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise WriteError(f"{output} exists and is not a folder; choose another --output")
    if output.is_dir() and any(output.iterdir()) and not (output / MANIFEST).is_file():
        raise WriteError(
            f"refusing to replace {output}: it is not empty and was not built by feeds "
            f"(no {MANIFEST}); empty it or choose another --output"
        )


def _manifest(tree: Tree) -> bytes:
    files = {str(path): hashlib.sha256(data).hexdigest() for path, data in tree.items()}
    return dump_json({"generator": "feeds", "files": files})


def _write_files(root: Path, tree: Tree) -> None:
    made: set[Path] = set()
    for relative, data in sorted(tree.items()):
        path = root.joinpath(*relative.parts)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)


def _swap(staging: Path, output: Path) -> None:
    """Put ``staging`` at ``output``; afterwards ``staging`` holds the old tree, if any."""
    if not output.exists():
        staging.rename(output)
        return
    if not _exchange(staging, output):
        parked = staging.with_name(staging.name + ".old")
        output.rename(parked)
        staging.rename(output)
        parked.rename(staging)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP}:
        return False
    raise OSError(code, os.strerror(code), str(second))


def _remove_abandoned_staging(output: Path) -> None:
    """Remove staging folders left by builds that were killed (their process is gone)."""
    for folder in output.parent.glob(f".{output.name}.*.tmp*"):
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
