"""Kill a build at each step of its commit, build again, and compare with a clean build.

    python -m benchmarks.kill_matrix [--articles 60]

For each kind of build (a first build, a full rebuild after a seed was deleted
and another added, a patched text edit, the same full rebuild with
``--no-cache``) and each fault point of the commit (``feeds.build._faults``), it
builds the old seeds, changes them, runs ``feeds build`` with
``FEEDS_FAULT=<point>:kill`` (SIGKILL there), then an ordinary ``feeds build``,
and compares the output with a clean build of the new seeds: identical, or how
many files are stale (there but not in the clean build), missing or different,
and how many temporary files are left beside or inside the output.
``tests/test_crash.py`` asserts every cell is identical; this prints the table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks.corpus import write_corpus
from feeds.build import build
from feeds.config import load_site

NOW = "2026-12-01T00:00:00+00:00"
CONFIG = Path(__file__).parent.parent / "tests" / "data" / "site" / "feeds.toml"
MANIFEST = ".feeds-manifest.json"


def _delete_and_add(seeds: Path) -> None:
    sorted(seeds.glob("*.txt"))[3].unlink()
    (seeds / "new.txt").write_text("2026-11-01\nbrand-new-article\ntags: fresh\n\nNews.\n")


def _edit_text(seeds: Path) -> None:
    path = sorted(seeds.glob("*.txt"))[-1]  # the newest: on the home page and in the feeds
    path.write_text(path.read_text() + "\nAn added closing paragraph.\n")


@dataclass(frozen=True)
class Kind:
    """A kind of build: whether it has a previous build, how the seeds change, its flags."""

    previous: bool
    change: Callable[[Path], None]
    flags: tuple[str, ...] = ()


KINDS = {
    "first": Kind(previous=False, change=lambda seeds: None),
    "full": Kind(previous=True, change=_delete_and_add),
    "patch": Kind(previous=True, change=_edit_text),
    "no-cache": Kind(previous=True, change=_delete_and_add, flags=("--no-cache",)),
}
# The fault points each kind of build passes (``@n``: the n-th time).
REBUILD_MOMENTS = (
    "commit.start",
    "commit.ahead",
    "commit.move@1",
    "commit.move@3",
    "commit.delete@1",
    "commit.end",
    "commit.done",
)
MOMENTS = {
    "first": ("commit.fresh", "commit.done"),
    "full": REBUILD_MOMENTS,
    "patch": tuple(m for m in REBUILD_MOMENTS if not m.startswith("commit.delete")),
    "no-cache": REBUILD_MOMENTS,
}


@dataclass(frozen=True)
class Outcome:
    """How the build after a killed one compares with a clean build."""

    killed: bool
    stale: int
    missing: int
    different: int
    leftovers: int

    @property
    def identical(self) -> bool:
        return not (self.stale or self.missing or self.different or self.leftovers)


def feeds(folder: Path, *argv: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``feeds build`` in ``folder`` (seeds/, public/) in a new process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    if fault:
        environment["FEEDS_FAULT"] = fault
    command = [sys.executable, "-m", "feeds.cli", "build", "--config", str(CONFIG), "--now", NOW]
    return subprocess.run(
        [*command, *argv], cwd=folder, env=environment, capture_output=True, text=True, check=False
    )


def build_here(folder: Path, *, use_cache: bool = True) -> None:
    """``feeds build`` in ``folder``, in this process (where no kill is wanted: faster)."""
    site = load_site(None, CONFIG)
    now = datetime.fromisoformat(NOW)
    build(folder / "seeds", folder / "public", site, use_cache=use_cache, now=now)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run_case(kind_name: str, moment: str, folder: Path, articles: int = 60) -> Outcome:
    """Kill a build of this kind at this moment, rebuild, compare with a clean build."""
    kind = KINDS[kind_name]
    seeds = folder / "seeds"
    write_corpus(seeds, articles, seed=7)
    if kind.previous:
        build_here(folder)
    kind.change(seeds)
    killed = feeds(folder, *kind.flags, fault=f"{moment}:kill").returncode == -9
    done = feeds(folder)
    assert done.returncode == 0, done.stderr
    clean = folder / "clean"
    clean.mkdir()
    shutil.copytree(seeds, clean / "seeds")
    build_here(clean, use_cache=False)
    got, want = tree(folder / "public"), tree(clean / "public")
    leftovers = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    leftovers += [p for p in got if p.endswith(".tmp")]
    return Outcome(
        killed=killed,
        stale=len(got.keys() - want.keys()),
        missing=len(want.keys() - got.keys()),
        different=sum(got[p] != want[p] for p in got.keys() & want.keys()),
        leftovers=len(leftovers),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=60)
    args = parser.parse_args(argv)
    print("| build | killed at | outcome after the next build |")
    print("|---|---|---|")
    failures = 0
    for kind in KINDS:
        for moment in MOMENTS[kind]:
            with tempfile.TemporaryDirectory() as folder:
                outcome = run_case(kind, moment, Path(folder), args.articles)
            failures += not outcome.identical
            verdict = (
                "identical"
                if outcome.identical
                else (
                    f"stale {outcome.stale}, missing {outcome.missing}, "
                    f"different {outcome.different}, leftovers {outcome.leftovers}"
                )
            )
            if not outcome.killed:
                verdict += " (never reached: not killed)"
            print(f"| {kind} | {moment} | {verdict} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
