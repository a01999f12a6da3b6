"""The same seeds and configuration give byte-identical output, whatever the machine says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import time_machine

from feeds.build import build
from tests.conftest import SEEDS, SITE_CONFIG, snapshot, test_site

# Python applies only LC_CTYPE from the environment; apply all of it, as a host
# program embedding feeds might, so LC_ALL really reaches time formatting.
_WITH_LOCALE = (
    "import locale, sys; locale.setlocale(locale.LC_ALL, ''); "
    "from feeds.cli import main; sys.exit(main(sys.argv[1:]))"
)


def _build_in_subprocess(output: Path, **environment: str) -> dict[str, bytes]:
    env = {**os.environ, **environment}
    command = [sys.executable, "-c", _WITH_LOCALE, "build", "--seeds", str(SEEDS)]
    command += ["--output", str(output), "--config", str(SITE_CONFIG)]
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=output.parent)
    return snapshot(output)


def test_same_bytes_across_time_zones_locales_and_hash_seeds(tmp_path, german_locale):
    """TZ, LC_ALL and PYTHONHASHSEED change nothing in the output."""
    first = _build_in_subprocess(tmp_path / "a", TZ="UTC", LC_ALL="C.UTF-8", PYTHONHASHSEED="1")
    second = _build_in_subprocess(
        tmp_path / "b", TZ="Pacific/Kiritimati", LC_ALL="de_DE.UTF-8", PYTHONHASHSEED="4242"
    )
    assert first == second


def test_same_bytes_under_different_clocks(tmp_path):
    """Building years apart gives the same bytes: the clock only decides what is due."""
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        build(SEEDS, tmp_path / "a", test_site())
    with time_machine.travel(datetime(2099, 12, 31, 23, 59, tzinfo=UTC), tick=False):
        build(SEEDS, tmp_path / "b", test_site())
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_file_names_and_order_do_not_matter(tmp_path):
    """Renaming seed files (so they list in another order) changes nothing in the output."""
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for number, path in enumerate(sorted(SEEDS.glob("*.txt"), reverse=True)):
        shutil.copy(path, renamed / f"{number:03d}.txt")
    shutil.copytree(SEEDS / "media", renamed / "media")  # the images the seeds name
    build(SEEDS, tmp_path / "a", test_site())
    build(renamed, tmp_path / "b", test_site())
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
