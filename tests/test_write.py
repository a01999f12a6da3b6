"""The atomic writer: all files or none, never outside the output folder."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds._digest import content_digest
from feeds.build import _write
from feeds.build._write import (
    MANIFEST,
    TreeWriter,
    check_relative,
    publish_rank,
    remove_tree,
    write_tree,
)
from feeds.errors import WriteError


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_writes_exactly_the_tree_and_a_manifest(tmp_path):
    """The output holds the tree's files plus the manifest, and stale files are gone."""
    output = tmp_path / "public"
    write_tree({PurePosixPath("a.txt"): b"1", PurePosixPath("old/b.txt"): b"2"}, output)
    write_tree({PurePosixPath("a.txt"): b"3", PurePosixPath("c/d.txt"): b"4"}, output)
    files = _files(output)
    assert files.pop(MANIFEST).startswith(b"{")
    assert files == {"a.txt": b"3", "c/d.txt": b"4"}
    assert [p.name for p in tmp_path.iterdir()] == ["public"], "no staging folder left behind"


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../b", "a//b/..", "."])
def test_paths_cannot_leave_the_output(tmp_path, path):
    """A path that would leave the output folder is refused before anything is written."""
    with pytest.raises(WriteError, match="would leave the output folder"):
        write_tree({PurePosixPath(path): b"x"}, tmp_path / "public")
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize(
    "path", ["", "/a", "a//b", "a/", "./a", "a/./b", "a/.", "..", "a/..", "a/../b", "\\/.."]
)
def test_cached_paths_are_checked_as_text(path):
    """The cache stores paths as text (no PurePosixPath tidying): each part must name a file."""
    with pytest.raises(WriteError, match="would leave the output folder"):
        check_relative(path)


@pytest.mark.parametrize("path", ["a", ".well-known/x", "..a/b.", "a/...", "a.b/c..d/e"])
def test_dots_inside_names_are_fine(path):
    """Only whole parts that are "." or ".." climb; dots inside a name do not."""
    check_relative(path)


@pytest.mark.parametrize("path", ["../victim.txt", "{victim}", "a/../../victim.txt"])
def test_a_manifest_naming_files_outside_is_refused(tmp_path, path):
    """A build deletes the files its manifest lists that it no longer writes: a manifest
    naming a file outside the output (tampered with) stops the build instead."""
    output = tmp_path / "public"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    write_tree({PurePosixPath("a.txt"): b"1"}, output)
    manifest = orjson.loads((output / MANIFEST).read_bytes())
    manifest["files"][path.format(victim=victim)] = "0" * 64
    (output / MANIFEST).write_bytes(orjson.dumps(manifest))
    with pytest.raises(WriteError, match="outside"):
        write_tree({PurePosixPath("a.txt"): b"2"}, output)
    assert victim.read_text() == "precious"
    assert (output / "a.txt").read_bytes() == b"1"


_PATH_PARTS = st.sampled_from(["", ".", "..", "a", "..a", "a.", "\n", "a\nb", "\n..", "é", "\\"])


# A part that is empty, "." or "..": at the start, between two slashes or at the end.
_CLIMBS = re.compile(r"(?:^|/)\.{0,2}(?:/|\Z)")


@given(st.lists(st.lists(_PATH_PARTS, min_size=1, max_size=4).map("/".join), max_size=6))
def test_paths_are_checked_part_by_part(paths):
    """A path is refused exactly when a part of it is empty, "." or "..", whatever
    else the names hold; a manifest's paths, checked all at once, likewise."""
    refused = [path for path in paths if _CLIMBS.search(path)]
    for path in paths:
        if path in refused:
            with pytest.raises(WriteError):
                check_relative(path)
        else:
            check_relative(path)
    assert _write._leaving(paths) == (refused[0] if refused else None)


def test_only_files_of_the_manifest_are_kept(tmp_path):
    """A unit's cached files are kept only if the manifest lists each with its hash: a
    cache naming a file outside the output, or one a user put there, keeps nothing."""
    output = tmp_path / "public"
    write_tree({PurePosixPath("a.txt"): b"1"}, output)
    (output / "CNAME").write_text("news.example.com")
    with TreeWriter(output) as writer:
        assert not writer.keep({"../victim.txt": None})  # type: ignore[dict-item]
        assert not writer.keep({"CNAME": None})  # type: ignore[dict-item]
        assert not writer.keep({"a.txt": content_digest(b"2")})
        assert writer.keep({"a.txt": content_digest(b"1")})
        writer.commit()
    assert (output / "CNAME").read_text() == "news.example.com"


@pytest.mark.parametrize("kept", [False, True])
def test_links_out_of_the_output_are_not_followed(tmp_path, kept):
    """A folder inside the output that is a link to elsewhere: the build neither
    deletes nor writes through it, and leaves the output as it was."""
    output = tmp_path / "public"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_tree({PurePosixPath("link/victim.txt"): b"1", PurePosixPath("a.txt"): b"1"}, output)
    (output / "link" / "victim.txt").unlink()
    (output / "link").rmdir()
    (output / "link").symlink_to(elsewhere)
    (elsewhere / "victim.txt").write_text("precious")
    tree = {PurePosixPath("a.txt"): b"2"}
    if kept:  # written through the link instead of deleted
        tree[PurePosixPath("link/victim.txt")] = b"2"
    with pytest.raises(WriteError, match="a link there leads out"):
        write_tree(tree, output)
    assert (elsewhere / "victim.txt").read_text() == "precious"
    assert (output / "a.txt").read_bytes() == b"1"


def test_refuses_to_replace_a_folder_feeds_did_not_build(tmp_path):
    """A non-empty output without a feeds manifest is someone's folder: left alone."""
    output = tmp_path / "Documents"
    output.mkdir()
    (output / "thesis.txt").write_text("years of work")
    with pytest.raises(WriteError, match="not built by feeds"):
        write_tree({PurePosixPath("index.html"): b"x"}, output)
    with pytest.raises(WriteError, match="not built by feeds"):
        remove_tree(output)
    assert (output / "thesis.txt").read_text() == "years of work"


def test_failure_mid_write_leaves_the_old_tree(tmp_path, monkeypatch):
    """If writing fails part-way, the previous output is exactly as it was."""
    output = tmp_path / "public"
    write_tree({PurePosixPath("a.txt"): b"old"}, output)
    before = _files(output)

    write_new_file = _write._write_new_file

    def fail_on_second(path: str, data: bytes) -> None:
        if path.endswith("b.txt"):
            write_new_file(path, data[:1])  # the disk fills up part-way through the file
            raise OSError(28, "No space left on device")
        write_new_file(path, data)

    monkeypatch.setattr(_write, "_write_new_file", fail_on_second)
    with pytest.raises(WriteError, match="No space left"):
        write_tree({PurePosixPath("a.txt"): b"new", PurePosixPath("b.txt"): b"new"}, output)
    assert _files(output) == before
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_written_files_get_the_mode_the_umask_allows(tmp_path):
    """Staged files are created as open() would create them: 0o666 less the umask."""
    previous = os.umask(0o027)
    try:
        write_tree({PurePosixPath("a/b.txt"): b"text"}, tmp_path / "public")
    finally:
        os.umask(previous)
    assert (tmp_path / "public" / "a" / "b.txt").stat().st_mode & 0o777 == 0o640


def test_a_short_write_is_continued(tmp_path, monkeypatch):
    """os.write may write less than asked (a signal, a pipe-like file system): the rest follows."""
    write = os.write
    monkeypatch.setattr(_write.os, "write", lambda fd, data: write(fd, bytes(data[:3])))
    _write._write_new_file(str(tmp_path / "f"), b"0123456789")
    monkeypatch.undo()
    assert (tmp_path / "f").read_bytes() == b"0123456789"


def test_unchanged_files_are_not_touched(tmp_path):
    """A rebuild with the same bytes writes nothing: contents, inodes and mtimes stay."""
    output = tmp_path / "public"
    tree = {PurePosixPath("a.txt"): b"1", PurePosixPath("b/c.txt"): b"2"}
    write_tree(tree, output)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in output.rglob("*") if p.is_file()}
    report = write_tree(tree, output)
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in output.rglob("*") if p.is_file()}
    assert (report.written, report.deleted) == (0, 0)
    assert after == before


def test_only_changed_files_are_replaced(tmp_path):
    """Changing one file rewrites that file alone and deletes what is gone."""
    output = tmp_path / "public"
    write_tree(
        {
            PurePosixPath("a.txt"): b"1",
            PurePosixPath("b.txt"): b"2",
            PurePosixPath("d/e.txt"): b"3",
        },
        output,
    )
    kept = (output / "a.txt").stat().st_ino
    report = write_tree({PurePosixPath("a.txt"): b"1", PurePosixPath("b.txt"): b"changed"}, output)
    assert (report.written, report.deleted) == (1, 1)
    assert (output / "a.txt").stat().st_ino == kept
    assert (output / "b.txt").read_bytes() == b"changed"
    assert not (output / "d").exists(), "emptied folders are removed"


def test_publishing_order():
    """Article pages and documents go first, then list and archive pages, then the pages
    and feeds that link to the newest of them, the API entry point last."""
    paths = [
        "rss.xml",
        "index.html",
        "articles/a/index.html",
        "api/v1/index.json",
        "api/v1/articles/a.json",
        "api/v1/pages/1.json",
        "archive/1/index.html",
        "feed.json",
    ]
    ranked = sorted(paths, key=publish_rank)
    assert ranked[:2] == ["articles/a/index.html", "api/v1/articles/a.json"]
    assert set(ranked[2:4]) == {"archive/1/index.html", "api/v1/pages/1.json"}
    assert set(ranked[4:7]) == {"index.html", "rss.xml", "feed.json"}
    assert ranked[-1] == "api/v1/index.json"


def test_incomplete_manifest_is_not_trusted(tmp_path):
    """After a build killed mid-commit, the next build compares against the files on disk."""
    output = tmp_path / "public"
    write_tree({PurePosixPath("a.txt"): b"old"}, output)
    (output / "a.txt").write_bytes(b"new")  # moved in before the kill
    manifest = (output / MANIFEST).read_bytes().replace(b'"complete": true', b'"complete": false')
    (output / MANIFEST).write_bytes(manifest)
    write_tree({PurePosixPath("a.txt"): b"old"}, output)
    assert (output / "a.txt").read_bytes() == b"old"


def test_abandoned_staging_folders_are_removed(tmp_path):
    """Staging left by a killed build (its process gone) is cleaned up by the next build."""
    dead_pid = 2**22 + 1  # above the kernel's pid_max: never a live process
    abandoned = tmp_path / f".public.{dead_pid}.abcd1234.tmp"
    abandoned.mkdir()
    live = tmp_path / f".public.{os.getpid()}.abcd1234.tmp"
    live.mkdir()
    write_tree({PurePosixPath("a.txt"): b"1"}, tmp_path / "public")
    assert not abandoned.exists()
    assert live.exists(), "a running build's staging folder is not touched"


def test_files_a_build_did_not_write_are_left_alone(tmp_path):
    """A CNAME or .git folder put into the output survives rebuilds, with and without cache."""
    output = tmp_path / "public"
    write_tree({PurePosixPath("a.txt"): b"1"}, output)
    (output / "CNAME").write_text("news.example.com")
    (output / ".git").mkdir()
    (output / ".git" / "HEAD").write_text("ref")
    write_tree({PurePosixPath("b.txt"): b"2"}, output)
    with TreeWriter(output, trust_manifest=False) as writer:
        writer.add(PurePosixPath("b.txt"), b"3")
        writer.commit()
    assert (output / "CNAME").read_text() == "news.example.com"
    assert (output / ".git" / "HEAD").read_text() == "ref"
    assert not (output / "a.txt").exists()


def test_output_may_be_the_current_folder(tmp_path, monkeypatch):
    """'--output .' in an empty folder builds there."""
    monkeypatch.chdir(tmp_path)
    write_tree({PurePosixPath("a.txt"): b"1"}, Path())
    assert (tmp_path / "a.txt").read_bytes() == b"1"


def test_output_below_a_file_is_a_write_error(tmp_path):
    """An output whose parent is a file gives a WriteError, not a traceback."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError, match="cannot write beside it"):
        write_tree({PurePosixPath("a.txt"): b"1"}, tmp_path / "file" / "public")
