"""Failures a newsroom's CI meets: a read-only or full disk, a closed pipe, a killed
build's workers. Each is one ``feeds:`` line and a non-zero exit, never a
traceback, and leaves nothing behind.

Tests run as root, so file modes prove nothing: read-only and tiny tmpfs mounts
(skipped where mounting is not allowed) and fault hooks stand in.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from feeds.build import _write
from feeds.build._write import MANIFEST, TreeWriter
from feeds.cli import main
from tests.conftest import SEEDS, SITE_CONFIG


@contextmanager
def _mounted(folder: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` at ``folder`` for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
    ):
        pytest.skip("needs root and mount (CI has both)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def _feeds(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    return subprocess.run(
        [sys.executable, "-m", "feeds.cli", *argv, "--config", str(SITE_CONFIG)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def _one_feeds_line(done: subprocess.CompletedProcess[str]) -> str:
    """Assert a failure printed as one ``feeds:`` line; return it."""
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("feeds: "), done.stderr
    return lines[0]


@pytest.fixture
def site_folder(tmp_path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def test_a_first_build_on_a_read_only_disk_is_one_line(site_folder):
    """A new output under a folder that cannot be written: a message, exit 1."""
    with _mounted(site_folder / "disk") as disk:
        _read_only(disk)
        done = _feeds("build", "--output", str(disk / "public"), cwd=site_folder)
    assert "Read-only file system" in _one_feeds_line(done)


def test_a_rebuild_on_a_read_only_disk_is_one_line_and_changes_nothing(site_folder):
    """An output (and its cache) that became read-only: a message, exit 1, the output as it was."""
    with _mounted(site_folder / "disk") as disk:
        assert _feeds("build", "--output", str(disk / "public"), cwd=site_folder).returncode == 0
        before = {p: p.read_bytes() for p in (disk / "public").rglob("*") if p.is_file()}
        (site_folder / "seeds" / "000_b12bc7ca86569cfe.txt").unlink()
        _read_only(disk)
        done = _feeds("build", "--output", str(disk / "public"), cwd=site_folder)
        _one_feeds_line(done)
        after = {p: p.read_bytes() for p in (disk / "public").rglob("*") if p.is_file()}
    assert after == before


def test_a_full_disk_leaves_nothing_behind(site_folder):
    """A disk too small for the output: a message, exit 1, and no staging folder or
    temporary file left on it."""
    with _mounted(site_folder / "disk", size="64k") as disk:
        done = _feeds("build", "--output", str(disk / "public"), cwd=site_folder)
        assert "No space left on device" in _one_feeds_line(done)
        left = sorted(p.name for p in disk.iterdir())
    assert left in ([".feeds-cache", ".public.lock"], [".public.lock"])


def test_a_manifest_that_cannot_be_written_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Disk full while the manifest is written: WriteError, and no
    ``.feeds-manifest.json.*.tmp`` that a deploy could upload."""
    from pathlib import PurePosixPath

    output = tmp_path / "public"
    _write.write_tree({PurePosixPath("a.html"): b"a"}, output)
    real = _write._write_new_file

    def full(path: str, data: bytes, **options: bool) -> None:
        real(path, data[: len(data) // 2])
        if MANIFEST in path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_write, "_write_new_file", full)
    with TreeWriter(output) as writer, pytest.raises(_write.WriteError, match="No space"):
        writer.add(PurePosixPath("b.html"), b"b")
        writer.commit()
    assert sorted(p.name for p in output.iterdir()) == [MANIFEST, "a.html"]


def test_clean_on_a_read_only_disk_says_so(site_folder):
    """``feeds clean`` that cannot remove the output says so and exits 1 (not 'removed')."""
    with _mounted(site_folder / "disk") as disk:
        assert _feeds("build", "--output", str(disk / "public"), cwd=site_folder).returncode == 0
        _read_only(disk)
        done = _feeds("clean", "--output", str(disk / "public"), cwd=site_folder)
        assert "could not remove" in _one_feeds_line(done)
        assert (disk / "public" / "index.html").is_file()


def test_a_closed_pipe_is_one_line(site_folder):
    """``feeds deploy --dry-run | head``, with the reader gone before feeds writes: one
    message, exit 1, no traceback."""
    assert _feeds("build", cwd=site_folder).returncode == 0
    command = [sys.executable, "-m", "feeds.cli", "deploy", "--dry-run"]
    command += ["--target", str(site_folder / "site"), "--config", str(SITE_CONFIG)]
    with subprocess.Popen(
        command, cwd=site_folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as deploy:
        assert deploy.stdout is not None and deploy.stderr is not None
        deploy.stdout.close()  # the reader is gone
        err = deploy.stderr.read()
    assert deploy.returncode == 1
    assert err == "feeds: the output was closed before the end (broken pipe)\n"


WORKERS = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from feeds.build._parallel import mapping

    def stay(folder, item):
        (Path(folder) / str(os.getpid())).touch()
        while True:
            time.sleep(0.1)

    with mapping(stay, sys.argv[1], [1, 2], jobs=2) as results:
        list(results)
    """
)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return status != "Z"  # a zombie has ended; only its exit status waits to be read


def test_workers_end_with_a_killed_build(tmp_path):
    """SIGKILL to a build leaves none of its worker processes running."""
    parent = subprocess.Popen([sys.executable, "-c", WORKERS, str(tmp_path)])
    for _ in range(3000):
        if len(list(tmp_path.iterdir())) == 2:
            break
        time.sleep(0.01)
    workers = [int(p.name) for p in tmp_path.iterdir()]
    assert len(workers) == 2 and all(map(_alive, workers))
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(500):
        if not any(map(_alive, workers)):
            break
        time.sleep(0.01)
    assert not any(map(_alive, workers))


def test_an_os_error_anywhere_is_one_line(tmp_path, monkeypatch, capsys):
    """An OSError the file system raises outside the writer's own checks is still one
    ``feeds:`` line naming the file, exit 1."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text("2025-01-01\na\n\nText.\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), "public/x")

    monkeypatch.setattr(_write.TreeWriter, "commit", refuse)
    assert main(["build", "--config", str(SITE_CONFIG)]) == 1
    assert capsys.readouterr().err == "feeds: public/x: Permission denied\n"


def test_ctrl_c_is_one_line(tmp_path):
    """Ctrl-C (SIGINT) during a command: one line and exit 130, no traceback."""
    gate = tmp_path / "gate"
    shutil.copytree(SEEDS, tmp_path / "seeds")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    environment["FEEDS_FAULT"] = f"build.locked:pause={gate}"
    command = [sys.executable, "-m", "feeds.cli", "build", "--config", str(SITE_CONFIG)]
    with subprocess.Popen(
        command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True
    ) as build:
        reached = gate.with_name("gate.reached")
        for _ in range(3000):
            if reached.exists() or build.poll() is not None:
                break
            time.sleep(0.01)
        build.send_signal(signal.SIGINT)
        _, err = build.communicate(timeout=60)
    assert build.returncode == 130
    assert err.strip() == "feeds: interrupted"
    assert not (tmp_path / "public").exists()
