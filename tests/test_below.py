"""feeds._below: a path below a folder is opened without following any link on the way
(the images a seed names, the preview server's files and a deploy's uploads use it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from feeds._below import Refused, open_below


@pytest.fixture
def tree(tmp_path):
    """root/a/b/file.txt, root/linked → a (a folder link), root/a/file-link → b/file.txt,
    and a secret outside root; the root itself reached through a link too."""
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "file.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "linked").symlink_to(root / "a")
    (root / "a" / "file-link").symlink_to(root / "a" / "b" / "file.txt")
    (root / "a" / "out").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "root-link").symlink_to(root)
    return tmp_path


def read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 100)
    finally:
        os.close(descriptor)


def test_a_file_below_real_folders_is_opened(tree):
    assert read(open_below(tree / "root", ["a", "b", "file.txt"])) == b"inside"
    # The folder named is the user's choice: it may be a link itself.
    assert read(open_below(tree / "root-link", ["a", "b", "file.txt"])) == b"inside"


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (["linked", "b", "file.txt"], "linked"),  # a folder link on the way
        (["a", "file-link"], "a/file-link"),  # a link to a file inside
        (["a", "out"], "a/out"),  # a link to a file outside
    ],
)
def test_a_link_anywhere_below_is_refused_and_named(tree, names, shown):
    with pytest.raises(Refused) as refused:
        open_below(tree / "root", names)
    assert (refused.value.shown, refused.value.link, refused.value.missing) == (shown, True, False)


def test_a_missing_name_is_refused_as_missing(tree):
    with pytest.raises(Refused) as refused:
        open_below(tree / "root", ["a", "nothing", "file.txt"])
    assert (refused.value.shown, refused.value.link, refused.value.missing) == (
        "a/nothing",
        False,
        True,
    )
    with pytest.raises(Refused) as refused:  # a file where a folder should be
        open_below(tree / "root", ["a", "b", "file.txt", "deeper"])
    assert refused.value.missing and refused.value.shown == "a/b/file.txt"


def _open_descriptors() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def test_no_descriptor_is_left_open(tree):
    before = _open_descriptors()
    for names in (["a", "out"], ["linked", "x"], ["a", "nothing"]):
        with pytest.raises(Refused):
            open_below(tree / "root", names)
    os.close(open_below(tree / "root", ["a", "b", "file.txt"]))
    assert _open_descriptors() == before


@pytest.mark.parametrize(
    "names", [["..", "secret.txt"], ["a/b", "file.txt"], ["a", ""], ["a", "."], ["a\0"]]
)
def test_names_that_are_not_one_name_in_a_folder_are_refused(tree, names):
    """The callers split paths into names; a name that would climb out, cross folders
    at once (a link among them unchecked) or cannot be a file's name is refused."""
    (tree / "root" / "secret.txt").write_text("x")
    with pytest.raises(Refused) as refused:
        open_below(tree / "root" / "a", names)
    assert not refused.value.link


def test_a_fifo_is_opened_without_waiting_for_a_writer(tree):
    """The caller refuses it (not a regular file); the open itself never blocks."""
    os.mkfifo(tree / "root" / "a" / "pipe")
    descriptor = open_below(tree / "root", ["a", "pipe"])
    try:
        assert not stat.S_ISREG(os.fstat(descriptor).st_mode)
    finally:
        os.close(descriptor)
