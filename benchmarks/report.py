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
    "delete": "one article deleted",
    "validate": "validate only",
}
# feeds has no separate cached mode: its no-op is what Pelican's cached no-op is compared with.
FEEDS_BASELINE = {"noop-cached": "noop"}
OTHERS = (("hugo", "Hugo"), ("pelican", "Pelican"))
# BENCHMARKS.md from this line on is written by hand (the Markdown libraries' figures,
# benchmarks/markdown_libs.py): a rewrite keeps it.
KEPT_MARKER = "<!-- Written by hand from here on: invoke bench keeps it. -->"
REPRODUCE = (
    "python3 -m venv /tmp/venv-bench && /tmp/venv-bench/bin/pip install -e '.[test]' && "
    "apt-get install -y hugo && python3 -m venv /tmp/venv-pelican && "
    "/tmp/venv-pelican/bin/pip install pelican markdown && "
    "/tmp/venv-bench/bin/invoke bench --pelican /tmp/venv-pelican/bin/pelican"
)

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


def peak_rss(result: Result) -> str:
    """The largest peak RSS of any run, in MiB."""
    return f"{max(run['peak_rss'] for run in result['runs']) / 2**20:,.0f} MiB"


def written(result: Result) -> str:
    """The median number of files a run wrote."""
    return f"{statistics.median(run['written'] for run in result['runs']):,.0f}"


def ratio(numerator: Result | None, denominator: Result | None) -> str:
    """feeds' time over another tool's, like ``0.42×``; a dash if either is missing."""
    if numerator is None or denominator is None:
        return "—"
    return f"{median_seconds(numerator) / median_seconds(denominator):.2f}×"


def table(results: Sequence[Result]) -> str:
    """A Markdown table: one row per scenario and size, other tools beside feeds."""
    found = {(r["tool"], r["scenario"], r["size"]): r for r in results}
    others = [(tool, name) for tool, name in OTHERS if any(key[0] == tool for key in found)]
    header = ["scenario", "N", "feeds", "CPU", "RSS", "written"]
    for _, name in others:
        header += [name, "CPU", "RSS", "written", f"feeds ÷ {name}"]
    rows = [header, ["---"] * len(header)]
    sizes = sorted({key[2] for key in found})
    for scenario in LABELS:
        for size in sizes:
            if not any(key[1:] == (scenario, size) for key in found):
                continue
            feeds = found.get(("feeds", FEEDS_BASELINE.get(scenario, scenario), size))
            row = [LABELS[scenario], f"{size:,}", *_cells(feeds)]
            for tool, _ in others:
                other = found.get((tool, scenario, size))
                row += [*_cells(other), ratio(feeds, other)]
            rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _cells(result: Result | None) -> list[str]:
    if result is None:
        return ["—", "—", "—", "—"]
    return [seconds_range(result), cpu_seconds(result), peak_rss(result), written(result)]


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
    """The stored results, or an empty store."""
    if path.is_file():
        stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    return {"sizes": {}, "machine": {}}


def dump_results(path: Path, stored: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def all_results(stored: Mapping[str, Any]) -> list[Result]:
    """Every stored result, of every size."""
    return [result for size in stored["sizes"].values() for result in size["results"]]


def markdown(stored: Mapping[str, Any]) -> str:
    """BENCHMARKS.md: what was measured, on what, the table, and how to rerun it."""
    sizes = sorted(stored["sizes"].items(), key=lambda item: int(item[0]))
    when = "; ".join(
        f"N = {int(size):,}: {entry['measured']}, "
        f"feeds {entry.get('commit', 'commit unrecorded')}, {entry['runs']} runs, "
        f"1-minute load average {load_range(entry['results'])}"
        for size, entry in sizes
    )
    lines = [
        "# Benchmarks",
        "",
        "Generated by `invoke bench` (benchmarks/bench.py); do not edit by hand.",
        "The corpus is benchmarks/corpus.py's synthetic newsroom (seed 0, about 2.8 KB "
        "per article); Hugo and Pelican build the same articles converted to Markdown "
        "(conversion untimed), with minimal layouts: one page per article, a home page "
        "of the newest 50, and the feeds.",
        "",
        "Each cell is the median wall time of whole processes, with min–max over the runs; "
        "CPU is the median user + system time of the process tree (less disturbed by other "
        "load on a shared machine than wall time); "
        "RSS is the largest peak resident size of the process tree; *written* counts output "
        "files that are new or were rewritten. *feeds ÷ Hugo* below 1× means feeds is faster.",
        "",
        "The outputs differ in size: per article feeds writes an HTML page and a JSON API "
        "document (plus RSS, Atom, JSON Feed and API list pages), Hugo and Pelican one page "
        "each (plus RSS, and Atom for Pelican). Hugo and Pelican run as a user would run "
        "them, so a deleted article's page stays in their output. The machine may be shared: "
        "compare CPU with wall time, and the load average below, before trusting a ratio.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in stored["machine"].items()),
        f"- measured: {when}",
        "",
        "## Results",
        "",
        table(all_results(stored)),
        "",
    ]
    if "profile" in stored:
        lines += _profile_section(stored["profile"])
    lines += ["## How to reproduce", "", f"`{REPRODUCE}`", ""]
    return "\n".join(lines) + kept_section(Path(__file__).parent.parent / "BENCHMARKS.md")


def kept_section(path: Path) -> str:
    """The hand-written end of the current BENCHMARKS.md (from ``KEPT_MARKER``), if any."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    start = text.find(KEPT_MARKER)
    return "" if start < 0 else "\n" + text[start:]


def _profile_section(profile: Mapping[str, Any]) -> list[str]:
    return [
        f"## Profile: full build of {profile['size']:,} articles",
        "",
        f"`invoke bench --profile {profile['size']}` (cProfile; {profile['seconds']:.1f} s "
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
