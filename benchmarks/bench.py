"""Benchmark feeds against Hugo and Pelican on one synthetic corpus: ``invoke bench``.

``python -m benchmarks.bench [--quick] [--sizes 1000,10000] [--runs 3]`` generates
the corpus (``benchmarks.corpus``, cached in ``.bench/corpus/``), converts it for
Hugo and Pelican when they are installed (conversion is not timed), and times
each scenario as whole processes, on working copies in ``.bench/run/``:

    full         clean build: output (and any cache beside it) removed; --no-cache if offered
    noop         the same build again, nothing changed
    noop-cached  Pelican only: no-op with its content cache on
    edit         one article's text changed (the same middle article each run)
    add          one new article, at a random date among the others
    newest       one new article dated after every other, untagged: what a
                 newsroom publishes (each run's is newer than the last's)
    delete       one article removed
    validate     ``feeds validate`` only

The runs of one scenario are interleaved across the tools (run 1 of each, then
run 2, starting with a different tool each round), so that on a shared machine
the tools being compared see the same load. Each run records wall time, CPU
time, the 1-minute load average, the peak RSS of the process tree (``os.wait4``: the
largest resident size of the command or any child it waited for) and the files
written (output files that are new or whose inode, mtime or size changed).
Results are merged per corpus size into ``.bench/results.json``, and the table of
the latest results, with the machine, goes to BENCHMARKS.md (not with --quick).
Never run this in CI: shared machines are too noisy for timings.

Old outputs are moved aside (``.bench/trash/``) before a clean build and deleted
only when the benchmark ends, never just before a timed run. On ext4 without a
journal (this benchmark's VM), creating a file scans past every inode freed in
the last 60 to 360 seconds (the kernel's ``recently_deleted`` check), so a build
right after ``rm -rf`` of a 30,000-file tree spends seconds in the kernel: at
10,000 articles it doubled feeds' system time and Hugo's wall time. A user's
clean build (a fresh CI checkout, a first build) pays none of that, so the
benchmark does not either. Running the benchmark twice within a few minutes
brings the effect back for the second run's first clean builds. The price is
disk space until the end: every clean build's output is kept (at 100,000
articles, about 3.5 GB and 216,000 files for each of feeds' runs).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

from benchmarks import report
from benchmarks.convert import (
    SITE,
    SITE_TOML,
    hugo_markdown,
    pelican_markdown,
    write_hugo_site,
    write_pelican_site,
)
from benchmarks.corpus import DAYS, FIRST_DAY, article_text, write_corpus
from feeds._distribution import DISTRIBUTION
from feeds._seeds import load_seeds, parse_seed
from feeds.models import Article

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench"
SIZES = (1_000, 10_000, 100_000)
SCENARIOS = ("full", "noop", "noop-cached", "edit", "add", "newest", "delete", "validate")
TOOLS = ("feeds", "hugo", "pelican")
DONE = ".complete"
TRASH = CACHE / "trash"
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)  # the corpus's articles are dated up to it


class BenchError(Exception):
    """A benchmarked command failed, or the harness cannot run."""


@dataclass(frozen=True)
class Run:
    """One timed process."""

    seconds: float
    cpu_seconds: float
    peak_rss: int
    written: int
    load: float = 0.0  # the 1-minute load average when the run started


@dataclass
class Result:
    """Every run of one tool, scenario and corpus size."""

    tool: str
    scenario: str
    size: int
    runs: list[Run] = field(default_factory=list)


# Measuring ------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Each file below ``folder``: (inode, mtime in ns, size), by relative path."""
    files = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory, name)
            stat = path.stat(follow_symlinks=False)
            files[str(path.relative_to(folder))] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return files


def count_written(
    before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
) -> int:
    """How many files are new or were rewritten between two snapshots."""
    return sum(1 for path, key in after.items() if before.get(path) != key)


def child_env() -> dict[str, str]:
    """This environment without FEEDS_* settings, which would change the site, and
    without PYTHONDONTWRITEBYTECODE: an installed tool runs from cached bytecode,
    not by compiling its source on every run (about 50 ms a run for feeds from a
    source checkout)."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FEEDS_") and name != "PYTHONDONTWRITEBYTECODE"
    }


def measure(command: Sequence[str], cwd: Path, output: Path) -> Run:
    """Run ``command`` once; time it, take its peak RSS, count the files it wrote."""
    before = snapshot(output)
    load = os.getloadavg()[0]
    log = cwd / "last-run.log"
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT, env=child_env()
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    written = count_written(before, snapshot(output))
    return Run(seconds, cpu, usage.ru_maxrss * 1024, written, load)


def move_aside(folder: Path) -> None:
    """Put a folder in the trash, to be deleted when no run is timed (see the docstring)."""
    if not folder.exists():
        return
    TRASH.mkdir(parents=True, exist_ok=True)
    try:
        folder.rename(TRASH / f"{time.time_ns()}-{folder.name}")
    except OSError:  # another file system (a linked folder): delete it after all
        shutil.rmtree(folder, ignore_errors=True)


def empty_trash() -> None:
    """Delete what ``move_aside`` kept: after the last timed run."""
    shutil.rmtree(TRASH, ignore_errors=True)


# Tools ----------------------------------------------------------------------


@dataclass
class Tool:
    """One site generator building one working copy of the corpus."""

    name: str
    root: Path
    executable: str
    built: bool = False

    scenarios: tuple[str, ...] = ("full", "noop", "edit", "add", "newest", "delete")

    @property
    def output(self) -> Path:
        return self.root / "out" / "public"

    def prepare(self, corpus: Path) -> None:
        """A fresh working copy: the cached content hard-linked, nothing built."""
        move_aside(self.root)
        shutil.copytree(corpus, self.root, copy_function=os.link)

    def clean(self) -> None:
        """Remove the output and everything built beside it (caches)."""
        move_aside(self.root / "out")
        self.built = False

    def command(self, scenario: str) -> list[str]:
        raise NotImplementedError

    def content(self, number: int) -> Path:
        raise NotImplementedError

    def convert(self, seed_text: str, number: int) -> str:
        raise NotImplementedError

    def put_article(self, number: int, seed_text: str) -> None:
        """Write one article (replacing the file, so the cached corpus is untouched)."""
        path = self.content(number)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(self.convert(seed_text, number), encoding="utf-8")
        temporary.replace(path)

    def delete_article(self, number: int) -> None:
        self.content(number).unlink()


@dataclass
class Feeds(Tool):
    """feeds itself: ``feeds build`` / ``feeds validate`` with the benchmark site."""

    scenarios: tuple[str, ...] = ("full", "noop", "edit", "add", "newest", "delete", "validate")
    no_cache: bool = False

    def site_options(self) -> list[str]:
        return ["--seeds", "seeds", "--config", "site.toml"]

    def command(self, scenario: str) -> list[str]:
        if scenario == "validate":
            return [self.executable, "validate", *self.site_options()]
        flags = ["--no-cache"] if scenario == "full" and self.no_cache else []
        return [self.executable, "build", *self.site_options(), "--output", "out/public", *flags]

    def content(self, number: int) -> Path:
        return self.root / "seeds" / f"{number:06d}.txt"

    def convert(self, seed_text: str, number: int) -> str:
        return seed_text


@dataclass
class Hugo(Tool):
    """Hugo with minimal layouts: article pages, home page, RSS."""

    def command(self, scenario: str) -> list[str]:
        return [self.executable, "--quiet", "--destination", "out/public"]

    def content(self, number: int) -> Path:
        return self.root / "content" / "articles" / f"{number:06d}.md"

    def convert(self, seed_text: str, number: int) -> str:
        return hugo_markdown(parse_seed(f"{number:06d}.txt", seed_text.encode(), SITE))


@dataclass
class Pelican(Tool):
    """Pelican with a minimal theme: article pages, home page, Atom and RSS, no cache."""

    scenarios: tuple[str, ...] = (
        "full",
        "noop",
        "noop-cached",
        "edit",
        "add",
        "newest",
        "delete",
    )

    def command(self, scenario: str) -> list[str]:
        settings = "cachedconf.py" if scenario == "noop-cached" else "pelicanconf.py"
        return [self.executable, "content", "-o", "out/public", "-s", settings, "-q"]

    def content(self, number: int) -> Path:
        return self.root / "content" / f"{number:06d}.md"

    def convert(self, seed_text: str, number: int) -> str:
        return pelican_markdown(parse_seed(f"{number:06d}.txt", seed_text.encode(), SITE))

    def clean(self) -> None:
        super().clean()
        move_aside(self.root / "cache")


def has_no_cache(feeds: str) -> bool:
    """Whether this ``feeds build`` offers ``--no-cache`` (the incremental build does)."""
    help_text = subprocess.run(
        [feeds, "build", "--help"], capture_output=True, text=True, check=True, env=child_env()
    ).stdout
    return "--no-cache" in help_text


def tool_version(command: Sequence[str]) -> str:
    """The first line a ``--version``-style command prints."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


# Corpus ---------------------------------------------------------------------


def corpus_folder(size: int, seed: int) -> Path:
    return CACHE / "corpus" / f"n{size}-seed{seed}"


def ensure_corpus(size: int, seed: int, tools: Sequence[str]) -> Path:
    """Generate (once) the seed files and, per tool asked for, their converted content."""
    folder = corpus_folder(size, seed)
    seeds = folder / "feeds"
    if not (seeds / DONE).exists():
        shutil.rmtree(seeds, ignore_errors=True)
        print(f"generating {size:,} articles (seed {seed}) in {seeds}/", flush=True)
        write_corpus(seeds / "seeds", size, seed)
        (seeds / "site.toml").write_text(SITE_TOML, encoding="utf-8")
        (seeds / DONE).touch()
    converters = {"hugo": _convert_hugo, "pelican": _convert_pelican}
    wanted = [tool for tool in tools if tool in converters and not (folder / tool / DONE).exists()]
    if wanted:
        print(f"converting {size:,} articles for {', '.join(wanted)}", flush=True)
        articles, problems = load_seeds(seeds / "seeds", SITE)
        if problems:
            raise BenchError(f"the corpus does not parse: {problems[0]}")
        for tool in wanted:
            shutil.rmtree(folder / tool, ignore_errors=True)
            converters[tool](folder / tool, articles)
            (folder / tool / DONE).touch()
    return folder


def _convert_hugo(root: Path, articles: Sequence[Article]) -> None:
    write_hugo_site(root)
    _write_articles(root / "content" / "articles", articles, hugo_markdown)


def _convert_pelican(root: Path, articles: Sequence[Article]) -> None:
    write_pelican_site(root)
    _write_articles(root / "content", articles, pelican_markdown)


def _write_articles(
    folder: Path, articles: Sequence[Article], convert: Callable[[Article], str]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        (folder / f"{Path(article.source).stem}.md").write_text(convert(article), encoding="utf-8")


# Scenarios ------------------------------------------------------------------


def edited_text(original: str, run: int) -> str:
    """The edit scenario's change: one more paragraph, different on every run."""
    return original.rstrip("\n") + f"\n\nCorrection {run}: an earlier version misspelt a name.\n"


def new_article(seed: int, number: int) -> str:
    """A new article for the add scenario, with a slug no other article has."""
    return article_text(random.Random(seed * 1_000_003 + number), number)


def newest_article(seed: int, number: int, run: int) -> str:
    """A new article for the newest scenario: dated ``run`` days after the corpus's last
    day (so after every other, and after the last run's), with no tag."""
    head, body = new_article(seed, number).split("\n\n", 1)
    slug = head.split("\n")[1]  # the date, the slug, metadata: only the slug is kept
    day = LAST_DAY + timedelta(days=1 + run)
    return f"{day.isoformat()}\nnewest-{slug}\n\n{body}"


@dataclass
class Bench:
    """One size: the working copies, and the runs of each scenario."""

    size: int
    seed: int
    runs: int
    corpus: Path
    added: int = 0
    edits: int = 0
    deleted: int = 0

    def original(self, number: int) -> str:
        return (self.corpus / "feeds" / "seeds" / f"{number:06d}.txt").read_text(encoding="utf-8")

    def run(self, tools: Sequence[Tool], scenario: str) -> list[Result]:
        """Each run round-robin over the tools, so they share the same moments of load."""
        results = {tool.name: Result(tool.name, scenario, self.size) for tool in tools}
        for index in range(self.runs):
            for tool in rotated(tools, index):
                self.before(tool, scenario, index)
                run = measure(tool.command(scenario), tool.root, tool.output)
                results[tool.name].runs.append(run)
                tool.built = tool.built or scenario != "validate"
        return [results[tool.name] for tool in tools]

    def before(self, tool: Tool, scenario: str, index: int) -> None:
        """Put the working copy in the state the scenario starts from (untimed)."""
        if scenario == "full":
            tool.clean()
            return
        if scenario == "noop-cached" and index == 0:
            measure(tool.command(scenario), tool.root, tool.output)  # fill the cache
        if scenario == "noop" and index == 0 and isinstance(tool, Feeds) and tool.no_cache:
            # The full builds ran with --no-cache, which leaves no cache: build once
            # as a user would, so the no-op measures a rebuild after a normal build.
            measure(tool.command("noop"), tool.root, tool.output)
        if not tool.built and scenario != "validate":
            measure(tool.command("noop"), tool.root, tool.output)
            tool.built = True
        middle = self.size // 2
        if scenario == "edit":
            tool.put_article(middle, edited_text(self.original(middle), index))
        elif scenario == "add":
            number = self.size + index
            tool.put_article(number, new_article(self.seed, number))
        elif scenario == "newest":
            number = self.size + self.runs + index  # after the add scenario's
            tool.put_article(number, newest_article(self.seed, number, index))
        elif scenario == "delete":
            tool.delete_article(1 + index)


def make_tools(args: argparse.Namespace, size: int) -> list[Tool]:
    """The tools to benchmark that are installed, each with a working folder."""
    run = CACHE / "run"
    tools: list[Tool] = []
    if "feeds" in args.tools:
        tools.append(
            Feeds("feeds", run / f"feeds-{size}", args.feeds, no_cache=has_no_cache(args.feeds))
        )
    if "hugo" in args.tools and args.hugo:
        tools.append(Hugo("hugo", run / f"hugo-{size}", args.hugo))
    if "pelican" in args.tools and args.pelican:
        tools.append(Pelican("pelican", run / f"pelican-{size}", args.pelican))
    return tools


def bench_size(args: argparse.Namespace, size: int) -> list[Result]:
    """Every scenario asked for, for every installed tool, at one corpus size."""
    tools = make_tools(args, size)
    corpus = ensure_corpus(size, args.seed, [tool.name for tool in tools])
    bench = Bench(size, args.seed, args.runs, corpus)
    for tool in tools:
        tool.prepare(corpus / tool.name)
    results = []
    for scenario in args.scenarios:
        if taking := [tool for tool in tools if scenario in tool.scenarios]:
            for result in bench.run(taking, scenario):
                results.append(result)
                print(f"  {result.tool:8} {scenario:12} N={size:<7,} ", end="")
                print(report.seconds_range(asdict(result)), flush=True)
    return results


def rotated(tools: Sequence[Tool], index: int) -> list[Tool]:
    """The tools in turn, starting with a different one each run."""
    start = index % len(tools)
    return [*tools[start:], *tools[:start]]


# Results --------------------------------------------------------------------


def machine(args: argparse.Namespace) -> dict[str, str]:
    """What the numbers were measured on."""
    versions = {"feeds": f"feeds {metadata.version(DISTRIBUTION)}"}
    if args.hugo:
        versions["hugo"] = tool_version([args.hugo, "version"])
    if args.pelican:
        versions["pelican"] = "pelican " + tool_version([args.pelican, "--version"])
    return {**report.describe_machine(), **versions}


def feeds_commit() -> str:
    """The commit of the feeds measured (``-dirty``: with changes not committed)."""
    return tool_version(["git", "-C", str(ROOT), "describe", "--always", "--dirty"])


def save(results: list[Result], args: argparse.Namespace) -> dict[str, object]:
    """Merge these results into .bench/results.json: a size measured now replaces its old runs."""
    path = CACHE / "results.json"
    stored = report.load_results(path)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    for size in {result.size for result in results}:
        stored["sizes"][str(size)] = {
            "measured": when,
            "commit": feeds_commit(),
            "load": load,
            "runs": args.runs,
            "results": [asdict(result) for result in results if result.size == size],
        }
    stored["machine"] = machine(args)
    report.dump_results(path, stored)
    return stored


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="N=1,000, one run each, no BENCHMARKS.md"
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated N")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (default: 3)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--feeds", default=_script("feeds"), help="feeds command")
    parser.add_argument("--hugo", default=shutil.which("hugo"), help="hugo command")
    parser.add_argument("--pelican", default=shutil.which("pelican"), help="pelican command")
    parser.add_argument("--no-write", action="store_true", help="print only; keep BENCHMARKS.md")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="profile a full build of N instead"
    )
    parser.add_argument(
        "--rewrite", action="store_true", help="rewrite BENCHMARKS.md from stored results only"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.no_write = "1000", 1, True
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    args.scenarios = _choices(args.scenarios, SCENARIOS, parser)
    args.tools = _choices(args.tools, TOOLS, parser)
    return args


def _choices(value: str, allowed: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    if unknown := set(chosen) - set(allowed):
        parser.error(f"unknown {', '.join(sorted(unknown))}; choose from {', '.join(allowed)}")
    return chosen


def _script(name: str) -> str:
    """A console script of this interpreter's environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name) or name


def profile(args: argparse.Namespace, size: int) -> None:
    """cProfile one full feeds build of ``size`` articles in one process; print the top 15."""
    corpus = ensure_corpus(size, args.seed, ["feeds"])
    tool = Feeds("feeds", CACHE / "run" / f"profile-{size}", args.feeds)
    tool.prepare(corpus / "feeds")
    stats = CACHE / f"profile-{size}.pstats"
    command = [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "feeds.cli"]
    # One process (--jobs 1): cProfile cannot see into worker processes.
    run = measure([*command, *tool.command("full")[1:], "--jobs", "1"], tool.root, tool.output)
    text = report.profile_top(stats, 15)
    print(f"full build of {size:,} articles under cProfile: {run.seconds:.2f} s -> {stats}")
    print(text)
    if not args.no_write:
        path = CACHE / "results.json"
        stored = report.load_results(path)
        stored["profile"] = {"size": size, "seconds": run.seconds, "text": text}
        report.dump_results(path, stored)
        (ROOT / "BENCHMARKS.md").write_text(report.markdown(stored), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table; write BENCHMARKS.md unless told not to."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.rewrite:  # --rewrite times nothing: it may run beside a benchmark
            empty_trash()


def _run(args: argparse.Namespace) -> int:
    """What ``main`` does, the trash aside."""
    if args.profile:
        profile(args, args.profile)
        return 0
    if args.rewrite:
        stored = report.load_results(CACHE / "results.json")
        (ROOT / "BENCHMARKS.md").write_text(report.markdown(stored), encoding="utf-8")
        return 0
    missing = [
        name for name in ("hugo", "pelican") if name in args.tools and not getattr(args, name)
    ]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}", flush=True)
    results = [result for size in args.sizes for result in bench_size(args, size)]
    if args.no_write:
        print(report.table([asdict(result) for result in results]))
        return 0
    stored = save(results, args)
    (ROOT / "BENCHMARKS.md").write_text(report.markdown(stored), encoding="utf-8")
    print(report.table(report.all_results(stored)))
    print("wrote BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
