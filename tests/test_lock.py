"""One build, clean or deploy of an output at a time: a second one waits, or fails
naming the holder; a killed holder's lock is free at once.

Interleavings are forced with fault points (``feeds.build._faults``): the
first build pauses at a step, the second is seen meeting the busy lock, then
the first goes on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from benchmarks.kill_matrix import CONFIG, NOW, build_here, tree
from feeds.build._lock import locked
from feeds.cli import main


def _start(folder: Path, seeds: str, *argv: str, **environment: str) -> subprocess.Popen[str]:
    """``feeds build --seeds <seeds>`` of ``folder/public`` in a new process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    command = [sys.executable, "-m", "feeds.cli", *(argv or ("build", "--seeds", seeds))]
    command += ["--config", str(CONFIG)] + (["--now", NOW] if not argv else [])
    return subprocess.Popen(
        command,
        cwd=folder,
        env={**env, **environment},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for ``process``: its exit code and its standard error."""
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def _reached(gate: Path, process: subprocess.Popen[str]) -> None:
    """Wait until ``process`` reaches the fault point paused on ``gate``."""
    mark = gate.with_name(gate.name + ".reached")
    for _ in range(3000):
        if mark.exists() or process.poll() is not None:
            break
        time.sleep(0.01)
    assert mark.exists(), process.communicate()


@pytest.fixture
def folder(tmp_path) -> Path:
    """Two seed folders (``a``: 24 articles; ``b``: one deleted, one added), ``b`` built."""
    write_corpus(tmp_path / "a", 24, seed=7)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    sorted((tmp_path / "b").glob("*.txt"))[3].unlink()
    (tmp_path / "b" / "new.txt").write_text("2026-11-01\nbrand-new\ntags: fresh\n\nNews.\n")
    shutil.copytree(tmp_path / "b", tmp_path / "seeds")
    build_here(tmp_path)
    return tmp_path


def _clean_build_of(folder: Path, seeds: str) -> dict[str, bytes]:
    reference = folder / f"clean-{seeds}"
    shutil.copytree(folder / seeds, reference / "seeds")
    build_here(reference, use_cache=False)
    return tree(reference / "public")


PAUSES = ["build.locked", "commit.ahead", "commit.move@2", "commit.done"]


@pytest.mark.parametrize("pause", PAUSES)
def test_a_second_build_waits_for_the_first(folder, pause):
    """Build b meets the lock while build a is paused at each step; both succeed, and
    the output is exactly a clean build of b (the one that ran last)."""
    gate_a, gate_b = folder / "gate-a", folder / "gate-b"
    first = _start(folder, "a", FEEDS_FAULT=f"{pause}:pause={gate_a}")
    _reached(gate_a, first)
    second = _start(folder, "b", FEEDS_FAULT=f"lock.busy:pause={gate_b}")
    _reached(gate_b, second)  # b has found the output locked
    gate_b.touch()
    gate_a.touch()
    assert _finish(first) == (0, "")
    assert _finish(second) == (0, "")
    assert tree(folder / "public") == _clean_build_of(folder, "b")


def test_a_first_build_and_a_second_one_at_once(tmp_path):
    """Two first builds into one new output: the second waits, neither fails."""
    write_corpus(tmp_path / "seeds", 12, seed=3)
    gate = tmp_path / "gate"
    first = _start(tmp_path, "seeds", FEEDS_FAULT=f"commit.fresh:pause={gate}")
    _reached(gate, first)
    second = _start(tmp_path, "seeds")
    gate.touch()
    assert (_finish(first), _finish(second)) == ((0, ""), (0, ""))


def test_a_build_that_cannot_wait_names_the_holder(folder):
    """With lock_timeout 0, a build of a locked output fails at once, naming the
    holder's process id and command, and changes nothing."""
    before = tree(folder / "public")
    with locked(folder / "public", "feeds build --seeds elsewhere", timeout=0):
        code, err = _finish(_start(folder, "b", FEEDS_LOCK_TIMEOUT="0"))
    assert code == 1
    assert err.startswith("feeds: ") and len(err.strip().splitlines()) == 1
    assert f"process {os.getpid()} (feeds build --seeds elsewhere)" in err
    assert tree(folder / "public") == before


def test_clean_waits_for_a_build(folder, monkeypatch, capsys):
    """``feeds clean`` of a locked output fails naming the holder; unlocked, it removes it."""
    monkeypatch.chdir(folder)
    monkeypatch.setenv("FEEDS_LOCK_TIMEOUT", "0")
    with locked(folder / "public", "feeds build", timeout=0):
        assert main(["clean", "--config", str(CONFIG)]) == 1
    assert "is in use by process" in capsys.readouterr().err
    assert (folder / "public").is_dir()
    assert main(["clean", "--config", str(CONFIG)]) == 0
    assert not (folder / "public").exists()


def test_a_killed_builds_lock_is_taken_over(folder):
    """A build killed while holding the lock leaves it free: the next one, which
    will not wait at all, builds."""
    assert _finish(_start(folder, "b", FEEDS_FAULT="build.locked:kill"))[0] == -9
    assert _finish(_start(folder, "b", FEEDS_LOCK_TIMEOUT="0")) == (0, "")
    assert tree(folder / "public") == _clean_build_of(folder, "b")
