"""Benchmark results as tables: the terminal summary and BENCHMARKS.md.

Results are plain dicts (``dataclasses.asdict`` of ``bench.Result``), so the
stored JSON, the printed table and BENCHMARKS.md all come from the same data.
Ratios are feeds' median time divided by the other tool's, from the same run:
below 1× feeds is faster.
"""

from __future__ import annotations

import io
import json
import os
import platform
import pstats
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

LABELS = {
    "full": "full clean build",
    "noop": "no-op rebuild",
    "noop-cached": "no-op, Pelican cache on",
    "edit": "one article edited",
    "add": "one article added",
    "newest": "newest article added",
    "delete": "one article deleted",
    "validate": "validate only",
}
# feeds has no separate cached mode: its no-op is what Pelican's cached no-op is compared with.
FEEDS_BASELINE = {"noop-cached": "noop"}
# BENCHMARKS.md from this line on is written by hand (the Markdown libraries' figures,
# benchmarks/markdown_libs.py): a rewrite keeps it.
KEPT_MARKER = "<!-- Written by hand from here on: invoke bench keeps it. -->"
OTHERS = (
    ("hugo-api", "Hugo like-for-like"),
    ("hugo", "Hugo minimal"),
    ("pelican", "Pelican"),
)
CORPUS_TITLES = {
    "plain": "Plain bodies, no tags (like for like)",
    "markdown": "Markdown bodies, no tags",
    "tagged": "Plain bodies, 30 % of the articles tagged",
}
WRITES = {
    "feeds": "per article an HTML page (canonical link, feed links, OpenGraph, JSON-LD) and a "
    "JSON API document; the home page; RSS, Atom and JSON Feed of the newest 50; archive "
    "pages of 100 articles in all three formats; API list pages of 20 "
    "summaries (all, per year, per tag); tag pages and feeds when there are tags; the "
    "API index, schemas and OpenAPI description; sitemap, robots.txt, 404 page, "
    "subscribe page, _headers; the manifest",
    "hugo-api": "per article an HTML page (canonical link, feed links, OpenGraph, JSON-LD) and "
    "a JSON document; the home page; RSS, Atom and JSON Feed of the newest 50; archive "
    "pages of 100 articles in all three formats; API list pages of 20 summaries; an API "
    "entry point; the sitemap (peers/hugo-api)",
    "hugo": "per article an HTML page; the home page (newest 50); one RSS feed",
    "pelican": "per article an HTML page; the home page (newest 50); RSS and Atom feeds",
}
REPRODUCE = (
    "python3 -m venv /tmp/venv-bench && /tmp/venv-bench/bin/pip install -e '.[test]' && "
    "apt-get install -y hugo && python3 -m venv /tmp/venv-pelican && "
    "/tmp/venv-pelican/bin/pip install pelican markdown && "
    "/tmp/venv-bench/bin/invoke bench --pelican /tmp/venv-pelican/bin/pelican"
)
MiB = 2**20
GiB = 2**30

Result = Mapping[str, Any]


def median_seconds(result: Result) -> float:
    """The median wall time of a result's runs."""
    return float(statistics.median(run["seconds"] for run in result["runs"]))


def seconds_range(result: Result) -> str:
    """``11.10 s (10.95–11.30)``: the median, then min–max when there are several runs."""
    times = [run["seconds"] for run in result["runs"]]
    text = f"{statistics.median(times):.2f} s"
    return text + (f" ({min(times):.2f}–{max(times):.2f})" if len(times) > 1 else "")


def cpu_seconds(result: Result) -> str:
    """The median CPU time (user + system, process tree): less sensitive to other load."""
    return f"{statistics.median(run['cpu_seconds'] for run in result['runs']):.2f} s"


def largest(result: Result, key: str) -> int:
    """The largest value of a memory figure over a result's runs (0 if not recorded)."""
    return max((run.get(key, 0) for run in result["runs"]), default=0)


def mib(size: int) -> str:
    return f"{size / MiB:,.0f} MiB" if size else "—"


def peak_rss(result: Result) -> str:
    """The largest peak RSS of any process of any run, in MiB."""
    return mib(largest(result, "peak_rss"))


def pss(result: Result) -> str:
    """The build's memory: the largest sum of its processes' PSS over the runs, in MiB."""
    return mib(largest(result, "pss"))


def written(result: Result) -> str:
    """The median number of files a run wrote."""
    return f"{statistics.median(run['written'] for run in result['runs']):,.0f}"


def summary(result: Result) -> str:
    """One line for the terminal: wall time, CPU, memory, files written."""
    return (
        f"{seconds_range(result)}, CPU {cpu_seconds(result)}, PSS {pss(result)}, "
        f"RSS main {mib(largest(result, 'main_rss'))} "
        f"workers {mib(largest(result, 'worker_rss'))}, written {written(result)}"
    )


def ratio(numerator: Result | None, denominator: Result | None) -> str:
    """feeds' time over another tool's, like ``0.42×``; a dash if either is missing."""
    if numerator is None or denominator is None:
        return "—"
    return f"{median_seconds(numerator) / median_seconds(denominator):.2f}×"


def _markdown_table(rows: Sequence[Sequence[str]]) -> str:
    lines = [rows[0], ["---"] * len(rows[0]), *rows[1:]]
    return "\n".join("| " + " | ".join(row) + " |" for row in lines)


def _by_key(results: Sequence[Result]) -> dict[tuple[str, str, int], Result]:
    return {(r["tool"], r["scenario"], r["size"]): r for r in results}


def _rows(found: Mapping[tuple[str, str, int], Result]) -> list[tuple[str, int]]:
    """(scenario, size) pairs measured, in the table's order."""
    sizes = sorted({key[2] for key in found})
    return [
        (scenario, size)
        for scenario in LABELS
        for size in sizes
        if any(key[1:] == (scenario, size) for key in found)
    ]


def table(results: Sequence[Result]) -> str:
    """A Markdown table of one corpus: one row per scenario and size, other tools
    beside feeds, each with feeds' time over its own."""
    found = _by_key(results)
    others = [(tool, name) for tool, name in OTHERS if any(key[0] == tool for key in found)]
    header = ["scenario", "N", "feeds", "CPU", "memory", "written"]
    for _, name in others:
        header += [name, "CPU", "memory", "written", f"feeds ÷ {name}"]
    rows = [header]
    for scenario, size in _rows(found):
        feeds = found.get(("feeds", FEEDS_BASELINE.get(scenario, scenario), size))
        row = [LABELS[scenario], f"{size:,}", *_cells(feeds)]
        for tool, _ in others:
            other = found.get((tool, scenario, size))
            row += [*_cells(other), ratio(feeds, other)]
        rows.append(row)
    return _markdown_table(rows)


def _cells(result: Result | None) -> list[str]:
    if result is None:
        return ["—", "—", "—", "—"]
    return [seconds_range(result), cpu_seconds(result), pss(result), written(result)]


def memory_table(results: Sequence[Result]) -> str:
    """feeds' memory per scenario and size: the PSS sum, and the peak RSS of its main
    process and of its largest worker process (the largest over the runs)."""
    found = _by_key(results)
    rows = [["scenario", "N", "PSS sum", "main RSS", "worker RSS (largest)", "workers"]]
    for scenario, size in _rows(found):
        if (feeds := found.get(("feeds", scenario, size))) is None:
            continue
        workers = largest(feeds, "workers")
        rows.append(
            [
                LABELS[scenario],
                f"{size:,}",
                pss(feeds),
                mib(largest(feeds, "main_rss")),
                mib(largest(feeds, "worker_rss")),
                str(workers) if workers else "—",
            ]
        )
    return _markdown_table(rows)


def outputs_table(results: Sequence[Result]) -> str:
    """What each tool's full build wrote: files and megabytes (10^6 bytes)."""
    rows = [["tool", "N", "files", "MB"]]
    names = {"feeds": "feeds", **dict(OTHERS)}
    for (tool, scenario, size), result in sorted(_by_key(results).items(), key=_tool_order):
        if scenario == "full" and (last := result["runs"][-1]).get("files"):
            rows.append(
                [names[tool], f"{size:,}", f"{last['files']:,}", f"{last['bytes'] / 1e6:,.0f}"]
            )
    return _markdown_table(rows)


TOOL_NAMES = ("feeds", *(tool for tool, _ in OTHERS))


def _tool_order(item: tuple[tuple[str, str, int], Result]) -> tuple[int, int]:
    (tool, _, size), _ = item
    return size, TOOL_NAMES.index(tool) if tool in TOOL_NAMES else len(TOOL_NAMES)


def tables(results: Sequence[Result]) -> str:
    """The terminal summary: each corpus's table and feeds' memory."""
    parts = []
    for corpus in _corpora(results):
        chosen = [r for r in results if r.get("corpus", "plain") == corpus]
        parts += [f"{CORPUS_TITLES.get(corpus, corpus)}:", table(chosen), memory_table(chosen), ""]
    return "\n".join(parts)


def _corpora(results: Sequence[Result]) -> list[str]:
    """The corpora of some results, in the order of ``CORPUS_TITLES``."""
    names = {r.get("corpus", "plain") for r in results}
    return [name for name in CORPUS_TITLES if name in names] + sorted(names - set(CORPUS_TITLES))


def load_range(results: Sequence[Result]) -> str:
    """The lowest and highest load average seen as runs started (0 cores idle = 0.00)."""
    loads = [run.get("load", 0.0) for result in results for run in result["runs"]]
    return f"{min(loads):.2f}–{max(loads):.2f} at run starts" if loads else "unknown"


def describe_machine() -> dict[str, str]:
    """CPU model, cores, memory, OS and Python of this machine."""
    cpu = _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    memory = _proc_value("/proc/meminfo", "MemTotal")
    ram = f"{int(memory.split()[0]) / 2**20:.1f} GiB" if memory else "unknown"
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }


def _proc_value(path: str, key: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return ""


def load_results(path: Path) -> dict[str, Any]:
    """The stored results, or an empty store (also for results of an older layout,
    without corpora: they are measured again)."""
    if path.is_file():
        stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if "corpora" in stored:
            return stored
    return {"corpora": {}, "machine": {}}


def dump_results(path: Path, stored: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def all_results(stored: Mapping[str, Any]) -> list[Result]:
    """Every stored result, of every corpus and size (each says its corpus)."""
    return [
        {**result, "corpus": corpus}
        for corpus, entry in stored["corpora"].items()
        for size in entry["sizes"].values()
        for result in size["results"]
    ]


# One target of issue #22: what, the measured value (None: not measured), limit, unit.
Target = tuple[str, float | None, float, str]


def targets(results: Sequence[Result]) -> list[Target]:
    """Each target of issue #22 with its measured value (None: not measured)."""
    found = {(r.get("corpus", "plain"), r["tool"], r["scenario"], r["size"]): r for r in results}

    def seconds(corpus: str, tool: str, scenario: str, size: int) -> float | None:
        result = found.get((corpus, tool, scenario, size))
        return median_seconds(result) if result else None

    def over(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    big = [r for key, r in found.items() if key[:2] == ("plain", "feeds") and key[3] == 100_000]
    rss = max((largest(r, key) for r in big for key in ("main_rss", "worker_rss")), default=0)
    total = max((largest(r, "pss") for r in big), default=0)
    full = {size: seconds("plain", "feeds", "full", size) for size in (10_000, 100_000)}
    return [
        (
            "full build, 10,000 plain: feeds ÷ Hugo like-for-like",
            over(full[10_000], seconds("plain", "hugo-api", "full", 10_000)),
            0.5,
            "×",
        ),
        (
            "full build, 10,000 Markdown: feeds ÷ Hugo like-for-like",
            over(
                seconds("markdown", "feeds", "full", 10_000),
                seconds("markdown", "hugo-api", "full", 10_000),
            ),
            0.5,
            "×",
        ),
        (
            "no-op ÷ full build, 10,000 plain",
            over(seconds("plain", "feeds", "noop", 10_000), full[10_000]),
            0.1,
            "×",
        ),
        (
            "validate ÷ full build, 10,000 plain",
            over(seconds("plain", "feeds", "validate", 10_000), full[10_000]),
            0.2,
            "×",
        ),
        ("full build, 100,000 ÷ 10,000 plain", over(full[100_000], full[10_000]), 11, "×"),
        (
            "newest article added ÷ no-op, 100,000 plain",
            over(
                seconds("plain", "feeds", "newest", 100_000),
                seconds("plain", "feeds", "noop", 100_000),
            ),
            2,
            "×",
        ),
        ("largest peak RSS of a process, 100,000 plain", rss / GiB if rss else None, 1, "GiB"),
        ("PSS sum of the build, 100,000 plain", total / GiB if total else None, 1.5, "GiB"),
    ]


def targets_table(results: Sequence[Result]) -> str:
    rows = [["target (issue #22)", "limit", "measured", "met"]]
    for what, value, limit, unit in targets(results):
        shown = "—" if value is None else f"{value:.2f} {unit}".replace(" ×", "×")
        met = "—" if value is None else ("yes" if value <= limit else "no")
        rows.append([what, f"{limit:g} {unit}".replace(" ×", "×"), shown, met])
    return _markdown_table(rows)


def markdown(stored: Mapping[str, Any]) -> str:
    """BENCHMARKS.md: what was measured, on what, the tables, and how to rerun it."""
    results = all_results(stored)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `invoke bench` (benchmarks/bench.py); do not edit by hand.",
        "The corpora are benchmarks/corpus.py's synthetic newsroom (seed 0): about 2.5 KB "
        "of plain text per article (`plain`: no tags), or the same articles with Markdown "
        "bodies of about 2.7 KB (`markdown`: emphasis, a link, a list, a quote). Every tool "
        "builds the same articles, converted to Markdown for the others (conversion "
        "untimed); outputs (and caches) go to a tmpfs.",
        "",
        "Each time is the median wall time of whole processes, with min–max over the runs; "
        "CPU is the median user + system time of the process tree (less disturbed by other "
        "load on a shared machine than wall time). *Memory* is the build's: the largest sum "
        "of the proportional set sizes (PSS, from `/proc/<pid>/smaps_rollup`) of all its "
        "processes, sampled during the build, so that pages forked workers share with the "
        "main process count once; feeds' table of memory adds each process's peak resident "
        "size (`VmHWM`), main process and largest worker apart (benchmarks/memory.py). "
        "*written* counts output files that are new or were rewritten. *feeds ÷ X* below 1× "
        "means feeds is faster.",
        "",
        "Tools: *Hugo like-for-like* is the Hugo site in benchmarks/peers/hugo-api (frozen: "
        "see benchmarks/peers/README.md), writing the same kinds of output as feeds; *Hugo "
        "minimal* and *Pelican* write far less (see *What each tool writes*). They run up "
        "to 10,000 articles, as a user would run them (so a deleted article's page stays in "
        "their output). The machine may be shared: compare CPU with wall time, and the "
        "load average below, before trusting a ratio.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in stored["machine"].items()),
        *_measured(stored),
        "",
        "## Targets",
        "",
        targets_table(results),
        "",
    ]
    for corpus in _corpora(results):
        chosen = [r for r in results if r["corpus"] == corpus]
        lines += [
            f"## {CORPUS_TITLES.get(corpus, corpus)}",
            "",
            table(chosen),
            "",
            "### feeds' memory",
            "",
            memory_table(chosen),
            "",
            "### What each tool writes (full build)",
            "",
            outputs_table(chosen),
            "",
        ]
    present = {r["tool"] for r in results}
    lines += [
        f"- {name}: {WRITES[tool]}."
        for tool, name in (("feeds", "feeds"), *OTHERS)
        if tool in present
    ]
    lines.append("")
    if "profile" in stored:
        lines += _profile_section(stored["profile"])
    lines += [
        "## How to reproduce",
        "",
        f"`{REPRODUCE}`",
        "",
        "One corpus or size again (its rows are replaced, the others kept): "
        "`invoke bench --corpus plain --sizes 100000`; the memory of one build: "
        "`invoke bench --corpus plain --sizes 100000 --scenarios full --runs 1`; "
        "this file from the stored results: `invoke bench --rewrite`.",
        "",
    ]
    return "\n".join(lines) + kept_section(Path(__file__).parent.parent / "BENCHMARKS.md")


def kept_section(path: Path) -> str:
    """The hand-written end of the current BENCHMARKS.md (from ``KEPT_MARKER``), if any."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    start = text.find(KEPT_MARKER)
    return "" if start < 0 else "\n" + text[start:]


def _measured(stored: Mapping[str, Any]) -> list[str]:
    return [
        f"- measured, {corpus} N = {int(size):,}: {entry['measured']}, "
        f"feeds {entry.get('commit', 'commit unrecorded')}, "
        f"{entry['runs']} run{'s' if entry['runs'] != 1 else ''}, "
        f"1-minute load average {load_range(entry['results'])}"
        for corpus, sizes in stored["corpora"].items()
        for size, entry in sorted(sizes["sizes"].items(), key=lambda item: int(item[0]))
    ]


def _profile_section(profile: Mapping[str, Any]) -> list[str]:
    return [
        f"## Profile: full build of {profile['size']:,} articles",
        "",
        f"`invoke bench --profile {profile['size']}` ({profile.get('corpus', 'plain')} corpus; "
        f"cProfile; {profile['seconds']:.1f} s "
        "under the profiler, in one process: `--jobs 1`).",
        "",
        "```",
        profile["text"].rstrip(),
        "```",
        "",
    ]


def profile_top(stats_file: Path, count: int) -> str:
    """The top ``count`` functions of a cProfile dump, by cumulative and by own time."""
    parts = []
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        stats = pstats.Stats(str(stats_file), stream=stream)
        stats.strip_dirs().sort_stats(order).print_stats(count)
        parts.append(f"by {order}:\n" + _stats_table(stream.getvalue()))
    return "\n".join(parts)


def _stats_table(printed: str) -> str:
    """pstats' output from its column header on, without the preamble."""
    lines = printed.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line for line in lines[start:] if line.strip()) + "\n"
