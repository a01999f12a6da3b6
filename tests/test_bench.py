"""The benchmark harness's pure pieces: conversion, bookkeeping and tables (no timing)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks.bench import (
    count_written,
    edited_text,
    new_article,
    newest_article,
    parse_args,
    rotated,
)
from benchmarks.convert import (
    SITE,
    hugo_api_markdown,
    hugo_markdown,
    markdown_text,
    pelican_markdown,
    seed_body,
)
from benchmarks.corpus import article_text
from benchmarks.memory import TreeSampler
from benchmarks.report import markdown, ratio, table, targets_table
from feeds._seeds import parse_seed

SEED = """\
2025-08-23
why-div-matters-7
title: Why <div> & ]]> Matter, Part 7
tags: C++, AI & Society
author: O’Brien & Sons
updated: 2025-09-01

First *paragraph* with_underscores and [brackets] in Zürich.

# Not a heading
"""


def article():
    return parse_seed("007.txt", SEED.encode(), SITE)


def result(tool, scenario, size, *seconds, corpus="plain", **memory):
    runs = [
        {"seconds": s, "cpu_seconds": s, "peak_rss": 2**20, "written": 3, "files": 3, "bytes": 9}
        | memory
        for s in seconds
    ]
    return {"tool": tool, "scenario": scenario, "size": size, "runs": runs, "corpus": corpus}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words.", "plain words."),
        ("a *b* _c_ [d] `e` !f \\g", r"a \*b\* \_c\_ \[d\] \`e\` \!f \\g"),
        ("<div> & more", "&lt;div&gt; &amp; more"),
        ("# not a heading", r"\# not a heading"),
        ("- not a list", r"\- not a list"),
        ("12. not a list", r"12\. not a list"),
    ],
)
def test_markdown_text_escapes_what_markdown_would_format(text, expected):
    """Markdown, inline HTML and block markers in text are escaped; plain text is kept."""
    assert markdown_text(text) == expected


def test_hugo_front_matter_is_toml_with_the_article_fields():
    """Hugo's front matter parses as TOML and carries title, date, slug, tags and author."""
    text = hugo_markdown(article())
    _, front, body = text.split("+++\n", 2)
    matter = tomllib.loads(front)
    assert matter["title"] == "Why <div> & ]]> Matter, Part 7"
    assert matter["slug"] == "why-div-matters-7"
    assert matter["date"] == article().published
    assert matter["lastmod"] == article().modified
    assert matter["tags"] == ["C++", "AI & Society"]
    assert matter["author"] == "O’Brien & Sons"
    assert body.strip().endswith(r"\# Not a heading")


def test_pelican_metadata_lines_then_body():
    """Pelican's file starts with Key: value lines, then a blank line and the body."""
    head, body = pelican_markdown(article()).split("\n\n", 1)
    metadata = dict(line.split(": ", 1) for line in head.splitlines())
    assert metadata["Title"] == "Why <div> & ]]> Matter, Part 7"
    assert metadata["Slug"] == "why-div-matters-7"
    assert metadata["Date"] == "2025-08-23T00:00:00+00:00"
    assert metadata["Tags"] == "C++, AI & Society"
    assert body.startswith(r"First \*paragraph\* with\_underscores and \[brackets\]")


def test_count_written_counts_new_and_changed_files():
    """A file counts as written when it is new or its inode, mtime or size changed."""
    before = {"a": (1, 10, 5), "b": (2, 10, 5), "gone": (3, 10, 5)}
    after = {"a": (1, 10, 5), "b": (2, 11, 5), "new": (4, 12, 5)}
    assert count_written(before, after) == 2
    assert count_written(after, after) == 0


def test_scenario_changes_are_deterministic_and_valid():
    """The edit differs per run; an added article is the same every time and parses; the
    newest scenario's articles are untagged, after the corpus and each after the last."""
    assert edited_text("body\n", 0) != edited_text("body\n", 1)
    assert new_article(0, 1000) == new_article(0, 1000)
    added = parse_seed("001000.txt", new_article(0, 1000).encode(), SITE)
    assert added.slug.endswith("-1000")
    newest = [parse_seed("n.txt", newest_article(0, 1003, run).encode(), SITE) for run in (0, 1)]
    assert newest[0].published < newest[1].published and not newest[0].tags
    assert newest[0].published.date() > bench.LAST_DAY


def test_rotated_starts_each_round_with_the_next_tool():
    """Interleaved runs give every tool a turn at going first."""
    assert [rotated("abc", index) for index in range(4)] == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
    ]


def test_a_clean_build_starts_beside_the_old_output_not_after_deleting_it(tmp_path, monkeypatch):
    """On a disk, the old output goes to the trash, emptied after the timed runs (see
    bench's docstring); on a tmpfs it is deleted at once."""
    monkeypatch.setattr(bench, "TRASH", tmp_path / "trash")
    monkeypatch.setattr(bench, "on_tmpfs", lambda path: False)
    tool = bench.Feeds("feeds", tmp_path / "feeds", "feeds", tmp_path / "out")
    (tool.output / "articles").mkdir(parents=True)
    (tool.output / "articles" / "index.html").write_text("old")
    tool.clean()
    assert not (tmp_path / "out").exists()
    [moved] = (tmp_path / "trash").iterdir()
    assert (moved / "public" / "articles" / "index.html").read_text() == "old"
    bench.empty_trash()
    assert not (tmp_path / "trash").exists()
    monkeypatch.setattr(bench, "on_tmpfs", lambda path: True)
    (tool.output / "articles").mkdir(parents=True)
    tool.clean()
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "trash").exists()


def test_outputs_go_to_a_tmpfs_when_there_is_one():
    """The mount table decides: /dev/shm is a tmpfs on Linux, the working copies are not."""
    if not Path("/proc/mounts").exists():
        pytest.skip("no /proc/mounts")
    assert bench.on_tmpfs(Path("/dev/shm/feeds-bench-0/plain-1000/feeds/public"))
    assert bench.default_outputs().name == f"feeds-bench-{os.getuid()}"


def test_tools_run_as_installed_without_the_sites_settings(monkeypatch):
    """FEEDS_* settings would change the site; a bytecode-less run would compile feeds each time."""
    monkeypatch.setenv("FEEDS_TITLE", "Other")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("LANG", "C.UTF-8")
    env = bench.child_env()
    assert "FEEDS_TITLE" not in env
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["LANG"] == "C.UTF-8"


def test_quick_means_one_small_printed_run():
    """--quick is N = 1,000, one run, and leaves BENCHMARKS.md alone."""
    args = parse_args(["--quick"])
    assert (args.sizes, args.runs, args.no_write) == ([1000], 1, True)


def test_table_puts_other_tools_beside_feeds_with_ratios():
    """One row per scenario and size; the ratio is feeds' median over the other's."""
    rows = table(
        [
            result("feeds", "full", 1000, 1.0, 2.0, 3.0),
            result("hugo", "full", 1000, 4.0, 4.0, 4.0),
            result("feeds", "noop", 1000, 0.5),
            result("pelican", "noop-cached", 1000, 0.25),
        ]
    ).splitlines()
    assert rows[0].startswith("| scenario | N | feeds |")
    assert "feeds ÷ Hugo" in rows[0] and "feeds ÷ Pelican" in rows[0]
    full = rows[2].split(" | ")
    assert full[:3] == ["| full clean build", "1,000", "2.00 s (1.00–3.00)"]
    assert "0.50×" in full
    cached = rows[-1]
    assert cached.startswith("| no-op, Pelican cache on") and cached.endswith("| 2.00× |")


def test_ratio_is_a_dash_when_a_tool_is_missing():
    """A scenario another tool did not run has no ratio."""
    assert ratio(result("feeds", "validate", 10, 1.0), None) == "—"


def test_benchmarks_md_has_machine_table_and_reproduce_line():
    """BENCHMARKS.md names the machine, holds the table and says how to rerun it."""
    stored = {
        "machine": {"CPU": "Test CPU", "cores": "2"},
        "corpora": {
            "plain": {
                "sizes": {
                    "1000": {
                        "measured": "today",
                        "runs": 1,
                        "results": [result("feeds", "full", 1000, 1.0)],
                    }
                }
            }
        },
    }
    text = markdown(stored)
    assert "- CPU: Test CPU" in text
    assert "| full clean build | 1,000 |" in text
    assert "| feeds | 1,000 | 3 | 0 |" in text  # what it wrote: files, MB
    assert "invoke bench" in text.split("## How to reproduce")[1]


def test_corpus_options_change_only_tags_and_bodies():
    """--no-tags drops the tags line, --markdown marks the body up; dates, slugs and
    sentences stay those of the same seed."""
    plain = article_text(random.Random(4), 7)
    untagged = article_text(random.Random(4), 7, tags=False)
    marked = article_text(random.Random(4), 7, random.Random(5), tags=False)
    assert plain.split("\n\n", 1)[1] == untagged.split("\n\n", 1)[1]
    assert "tags:" not in untagged and "tags:" in plain
    assert marked.split("\n\n", 1)[0] == untagged.split("\n\n", 1)[0] + "\nformat: markdown"
    body = seed_body(marked)
    for mark in ("*", "**", "](https://", "\n- ", "\n> "):
        assert mark in "\n" + body


def test_hugo_api_content_is_the_front_matter_its_readme_shows():
    """title, date and slug as TOML front matter, then the body as given (Markdown as written)."""
    text = hugo_api_markdown(article(), "Some *Markdown*.\n")
    _, front, body = text.split("+++\n", 2)
    assert set(tomllib.loads(front)) == {"title", "date", "slug"}
    assert body == "\nSome *Markdown*.\n"


def test_memory_of_a_process_tree_main_and_workers_apart():
    """The sampler finds a command's child, and sums the PSS of both."""
    if not Path("/proc/self/smaps_rollup").exists():
        pytest.skip("no /proc/<pid>/smaps_rollup")
    script = "import os, time\nif os.fork() == 0:\n    time.sleep(0.3)\n    os._exit(0)\nos.wait()"
    process = subprocess.Popen([sys.executable, "-c", script])
    with TreeSampler(process.pid, interval=0.01) as sampler:
        process.wait()
    memory = sampler.memory
    assert memory.main_rss > 0 and len(memory.worker_rss) == 1
    assert memory.pss_total > 0 and memory.samples > 1


def test_targets_compare_medians_with_the_issues_limits():
    """A target is met when the measured ratio is at most its limit; unmeasured is a dash."""
    rows = targets_table(
        [
            result("feeds", "full", 10_000, 2.0),
            result("hugo-api", "full", 10_000, 5.0),
            result("feeds", "noop", 10_000, 0.3),
            result("feeds", "full", 100_000, 30.0, pss=2**30, main_rss=2**29, worker_rss=2**29),
        ]
    ).splitlines()
    assert "| full build, 10,000 plain: feeds ÷ Hugo like-for-like | 0.5× | 0.40× | yes |" in rows
    assert "| no-op ÷ full build, 10,000 plain | 0.1× | 0.15× | no |" in rows
    assert "| full build, 100,000 ÷ 10,000 plain | 11× | 15.00× | no |" in rows
    assert "| PSS sum of the build, 100,000 plain | 1.5 GiB | 1.00 GiB | yes |" in rows
    assert any(
        row.startswith("| validate ÷ full build") and row.endswith("| — | — |") for row in rows
    )
