"""Benchmark feeds against Hugo and Pelican on synthetic corpora: ``invoke bench``.

``python -m benchmarks.bench [--quick] [--corpus plain,markdown] [--sizes 1000,10000]
[--runs 3]`` generates each corpus (``benchmarks.corpus``, cached in
``.bench/corpus/``), converts it for the other tools that are installed
(conversion is not timed), and times each scenario as whole processes, on
working copies in ``.bench/run/`` writing their outputs (and caches) on a tmpfs
(``/dev/shm/feeds-bench/`` where there is one: ``--outputs``), so that the
disk's noise stays out of the timings.

The corpora (every size of each, unless ``--sizes``):

    plain     untagged articles with plain bodies: like for like with the Hugo
              site in peers/hugo-api, which builds no taxonomies (1,000, 10,000
              and 100,000 articles)
    markdown  the same articles with Markdown bodies (emphasis, a link, a list,
              a quote), fed as written to feeds (``body = "markdown"``) and to
              the others (1,000 and 10,000)
    tagged    the plain corpus with tags on 30 % of the articles (only when asked
              for: tag pages are feeds' work alone)

The tools, each with the same articles: feeds; ``hugo-api``, Hugo writing the
same kinds of output as feeds (peers/hugo-api, frozen); ``hugo``, Hugo with
minimal layouts (pages, home page, one RSS feed); ``pelican``, Pelican with a
minimal theme. The others run up to 10,000 articles (``--others-up-to``): at
100,000 they take minutes a run and gigabytes.

The scenarios:

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
time, the 1-minute load average, memory (``benchmarks.memory``: the largest sum
of the process tree's proportional set sizes, and each process's peak resident
size, main process and workers apart; ``os.wait4``'s peak RSS too), the files
written (output files that are new or whose inode, mtime or size changed) and
what the output then holds (files, bytes). Results are merged per corpus and
size into ``.bench/results.json``, and the tables of the latest results, with
the machine, go to BENCHMARKS.md (not with --quick). Never run this in CI:
shared machines are too noisy for timings.

Old outputs on a tmpfs are deleted before a clean build (a tmpfs has no cost
of deletion that lingers, and keeping them would fill the memory). Old outputs
on a disk are moved aside (``.bench/trash/``) and deleted only when the
benchmark ends, never just before a timed run. On ext4 without a
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.convert import (
    MARKDOWN_SITE_TOML,
    SITE,
    SITE_TOML,
    hugo_api_markdown,
    hugo_markdown,
    pelican_markdown,
    seed_body,
    write_hugo_api_site,
    write_hugo_site,
    write_pelican_site,
)
from benchmarks.corpus import DAYS, FIRST_DAY, article_text, write_corpus
from benchmarks.memory import TreeSampler
from feeds._distribution import DISTRIBUTION
from feeds._seeds import parse_seed, seed_paths
from feeds.models import Article

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench"
SCENARIOS = ("full", "noop", "noop-cached", "edit", "add", "newest", "delete", "validate")
TOOLS = ("feeds", "hugo-api", "hugo", "pelican")
OTHERS_UP_TO = 10_000  # the other tools run at sizes up to this
DONE = ".complete"
TRASH = CACHE / "trash"
TMPFS = Path("/dev/shm")  # noqa: S108  (a folder of our own in it: see own_folder)
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)  # the corpus's articles are dated up to it


@dataclass(frozen=True)
class Corpus:
    """One kind of corpus: its articles' tags and bodies, and its default sizes."""

    name: str
    tags: bool
    markdown: bool
    sizes: tuple[int, ...]

    @property
    def site_toml(self) -> str:
        return MARKDOWN_SITE_TOML if self.markdown else SITE_TOML


CORPORA = {
    corpus.name: corpus
    for corpus in (
        Corpus("plain", tags=False, markdown=False, sizes=(1_000, 10_000, 100_000)),
        Corpus("markdown", tags=False, markdown=True, sizes=(1_000, 10_000)),
        Corpus("tagged", tags=True, markdown=False, sizes=(1_000, 10_000, 100_000)),
    )
}
DEFAULT_CORPORA = ("plain", "markdown")


class BenchError(Exception):
    """A benchmarked command failed, or the harness cannot run."""


@dataclass(frozen=True)
class Run:
    """One timed process (memory in bytes; see ``benchmarks.memory``)."""

    seconds: float
    cpu_seconds: float
    peak_rss: int  # os.wait4's: the largest peak of the command or a child it waited for
    written: int
    load: float = 0.0  # the 1-minute load average when the run started
    pss: int = 0  # the largest sum of the process tree's proportional set sizes
    main_rss: int = 0  # the command's own peak resident size
    worker_rss: int = 0  # the largest peak resident size of its descendants
    workers: int = 0  # how many descendants it had
    files: int = 0  # files in the output after the run
    bytes: int = 0  # their size


@dataclass
class Result:
    """Every run of one tool, scenario and corpus size."""

    tool: str
    scenario: str
    size: int
    runs: list[Run] = field(default_factory=list)
    corpus: str = "plain"


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
    """Run ``command`` once; time it, sample its memory, count the files it wrote."""
    before = snapshot(output)
    load = os.getloadavg()[0]
    log = cwd / "last-run.log"
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT, env=child_env()
        )
        with TreeSampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    after = snapshot(output)
    memory = sampler.memory
    return Run(
        seconds,
        cpu,
        usage.ru_maxrss * 1024,
        count_written(before, after),
        load,
        pss=memory.pss_total,
        main_rss=memory.main_rss,
        worker_rss=memory.largest_worker_rss,
        workers=len(memory.worker_rss),
        files=len(after),
        bytes=sum(size for _, _, size in after.values()),
    )


def on_tmpfs(path: Path) -> bool:
    """Whether ``path`` (or the folder it would be made in) is on a tmpfs."""
    while not path.exists() and path != path.parent:
        path = path.parent
    path = path.resolve()
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    kind, longest = "", -1
    for line in mounts:
        fields = line.split()
        point = Path(fields[1].replace("\\040", " "))
        if (point == path or point in path.parents) and len(str(point)) > longest:
            kind, longest = fields[2], len(str(point))
    return kind == "tmpfs"


def remove(folder: Path) -> None:
    """Delete a folder on a tmpfs now; move one on a disk aside (see the docstring)."""
    if on_tmpfs(folder):
        shutil.rmtree(folder, ignore_errors=True)
    else:
        move_aside(folder)


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
    """One site generator building one working copy of the corpus (``root``) into
    ``scratch``: the output and any cache beside it."""

    name: str
    root: Path
    executable: str
    scratch: Path
    markdown: bool = False  # the corpus's bodies are Markdown: convert them as written
    built: bool = False

    scenarios: tuple[str, ...] = ("full", "noop", "edit", "add", "newest", "delete")

    @property
    def output(self) -> Path:
        return self.scratch / "public"

    def prepare(self, corpus: Path) -> None:
        """A fresh working copy: the cached content hard-linked, nothing built."""
        move_aside(self.root)
        remove(self.scratch)
        shutil.copytree(corpus, self.root, copy_function=os.link)

    def clean(self) -> None:
        """Remove the output and everything built beside it (caches)."""
        remove(self.scratch)
        self.built = False

    def command(self, scenario: str) -> list[str]:
        raise NotImplementedError

    def content(self, number: int) -> Path:
        raise NotImplementedError

    def content_file(self, article: Article, body: str | None) -> str:
        """An article's content file (``body``: Markdown as written, else none)."""
        raise NotImplementedError

    def convert(self, seed_text: str, number: int) -> str:
        article = parse_seed(f"{number:06d}.txt", seed_text.encode(), SITE)
        return self.content_file(article, seed_body(seed_text) if self.markdown else None)

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
        if scenario == "validate":  # with the build's cache, as a user runs it
            return [self.executable, "validate", *self.site_options(), "--output", str(self.output)]
        flags = ["--no-cache"] if scenario == "full" and self.no_cache else []
        output = str(self.output)
        return [self.executable, "build", *self.site_options(), "--output", output, *flags]

    def content(self, number: int) -> Path:
        return self.root / "seeds" / f"{number:06d}.txt"

    def convert(self, seed_text: str, number: int) -> str:
        return seed_text


@dataclass
class HugoApi(Tool):
    """Hugo writing the same kinds of output as feeds (peers/hugo-api, frozen)."""

    def command(self, scenario: str) -> list[str]:
        return [self.executable, "--quiet", "-d", str(self.output)]  # as its README says

    def content(self, number: int) -> Path:
        return self.root / "content" / "posts" / f"{number:06d}.md"

    def content_file(self, article: Article, body: str | None) -> str:
        return hugo_api_markdown(article, body)


@dataclass
class Hugo(Tool):
    """Hugo with minimal layouts: article pages, home page, RSS."""

    def command(self, scenario: str) -> list[str]:
        return [self.executable, "--quiet", "--destination", str(self.output)]

    def content(self, number: int) -> Path:
        return self.root / "content" / "articles" / f"{number:06d}.md"

    def content_file(self, article: Article, body: str | None) -> str:
        return hugo_markdown(article, body)


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
        return [self.executable, "content", "-o", str(self.output), "-s", settings, "-q"]

    def content(self, number: int) -> Path:
        return self.root / "content" / f"{number:06d}.md"

    def content_file(self, article: Article, body: str | None) -> str:
        return pelican_markdown(article, body)

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


def corpus_folder(corpus: Corpus, size: int, seed: int) -> Path:
    return CACHE / "corpus" / f"{corpus.name}-n{size}-seed{seed}"


def ensure_corpus(corpus: Corpus, size: int, seed: int, tools: Sequence[str]) -> Path:
    """Generate (once) the seed files and, per tool asked for, their converted content."""
    folder = corpus_folder(corpus, size, seed)
    seeds = folder / "feeds"
    if not (seeds / DONE).exists():
        shutil.rmtree(seeds, ignore_errors=True)
        print(f"generating {size:,} {corpus.name} articles (seed {seed}) in {seeds}/", flush=True)
        write_corpus(seeds / "seeds", size, seed, tags=corpus.tags, markdown=corpus.markdown)
        (seeds / "site.toml").write_text(corpus.site_toml, encoding="utf-8")
        (seeds / DONE).touch()
    converters: dict[str, tuple[Callable[[Path], None], str, Converter]] = {
        "hugo-api": (write_hugo_api_site, "content/posts", hugo_api_markdown),
        "hugo": (write_hugo_site, "content/articles", hugo_markdown),
        "pelican": (write_pelican_site, "content", pelican_markdown),
    }
    wanted = [tool for tool in tools if tool in converters and not (folder / tool / DONE).exists()]
    if wanted:
        print(f"converting {size:,} {corpus.name} articles for {', '.join(wanted)}", flush=True)
        articles = list(_parsed(seeds / "seeds", corpus.markdown))
        for tool in wanted:
            write_site, content, convert = converters[tool]
            shutil.rmtree(folder / tool, ignore_errors=True)
            write_site(folder / tool)
            _write_articles(folder / tool / content, articles, convert)
            (folder / tool / DONE).touch()
    return folder


Converter = Callable[[Article, str | None], str]


def _parsed(seeds: Path, markdown: bool) -> Iterator[tuple[Article, str | None]]:
    """Each seed's article (its metadata), and its body as written if ``markdown``."""
    for path in seed_paths(seeds):
        text = Path(path).read_text(encoding="utf-8")
        article = parse_seed(path, text.encode(), SITE)
        if not isinstance(article, Article):
            raise BenchError(f"the corpus does not parse: {path}")
        yield article, seed_body(text) if markdown else None


def _write_articles(
    folder: Path, articles: Sequence[tuple[Article, str | None]], convert: Converter
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for article, body in articles:
        text = convert(article, body)
        (folder / f"{Path(article.source).stem}.md").write_text(text, encoding="utf-8")


# Scenarios ------------------------------------------------------------------


def edited_text(original: str, run: int) -> str:
    """The edit scenario's change: one more paragraph, different on every run."""
    return original.rstrip("\n") + f"\n\nCorrection {run}: an earlier version misspelt a name.\n"


def new_article(seed: int, number: int, *, tags: bool = True, markdown: bool = False) -> str:
    """A new article for the add scenario, with a slug no other article has (and tags
    and a Markdown body as the corpus has them)."""
    rng = random.Random(seed * 1_000_003 + number)
    marks = random.Random(f"markdown {seed} {number}") if markdown else None
    return article_text(rng, number, marks, tags=tags)


def newest_article(seed: int, number: int, run: int, *, markdown: bool = False) -> str:
    """A new article for the newest scenario: dated ``run`` days after the corpus's last
    day (so after every other, and after the last run's), with no tag."""
    head, body = new_article(seed, number, markdown=markdown).split("\n\n", 1)
    slug = head.split("\n")[1]  # the date, the slug, metadata: only the slug is kept
    day = LAST_DAY + timedelta(days=1 + run)
    return f"{day.isoformat()}\nnewest-{slug}\n\n{body}"


@dataclass
class Bench:
    """One size: the working copies, and the runs of each scenario."""

    size: int
    seed: int
    runs: int
    folder: Path
    corpus: Corpus = CORPORA["plain"]

    def original(self, number: int) -> str:
        return (self.folder / "feeds" / "seeds" / f"{number:06d}.txt").read_text(encoding="utf-8")

    def run(self, tools: Sequence[Tool], scenario: str) -> list[Result]:
        """Each run round-robin over the tools, so they share the same moments of load."""
        name = self.corpus.name
        results = {tool.name: Result(tool.name, scenario, self.size, corpus=name) for tool in tools}
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
            tags, markdown = self.corpus.tags, self.corpus.markdown
            tool.put_article(number, new_article(self.seed, number, tags=tags, markdown=markdown))
        elif scenario == "newest":
            number = self.size + self.runs + index  # after the add scenario's
            text = newest_article(self.seed, number, index, markdown=self.corpus.markdown)
            tool.put_article(number, text)
        elif scenario == "delete":
            # From the last: in the Markdown corpus an article may link to the one
            # before it, and deleting a linked article is an error (as it should be).
            tool.delete_article(self.size - 1 - index)


def make_tools(args: argparse.Namespace, corpus: Corpus, size: int) -> list[Tool]:
    """The tools to benchmark that are installed, each with a working folder and a
    scratch folder for its output; the others only up to ``--others-up-to``."""
    folder = f"{corpus.name}-{size}"
    kinds: dict[str, tuple[type[Tool], str | None]] = {
        "hugo-api": (HugoApi, args.hugo),
        "hugo": (Hugo, args.hugo),
        "pelican": (Pelican, args.pelican),
    }
    tools: list[Tool] = []
    if "feeds" in args.tools:
        tools.append(
            Feeds(
                "feeds",
                CACHE / "run" / folder / "feeds",
                args.feeds,
                args.outputs / folder / "feeds",
                no_cache=has_no_cache(args.feeds),
            )
        )
    for name, (kind, executable) in kinds.items():
        if name in args.tools and executable and size <= args.others_up_to:
            root, scratch = CACHE / "run" / folder / name, args.outputs / folder / name
            tools.append(kind(name, root, executable, scratch, markdown=corpus.markdown))
    return tools


def bench_size(args: argparse.Namespace, corpus: Corpus, size: int) -> list[Result]:
    """Every scenario asked for, for every installed tool, at one corpus size."""
    tools = make_tools(args, corpus, size)
    folder = ensure_corpus(corpus, size, args.seed, [tool.name for tool in tools])
    bench = Bench(size, args.seed, args.runs, folder, corpus)
    for tool in tools:
        tool.prepare(folder / tool.name)
    results = []
    try:
        for scenario in args.scenarios:
            if taking := [tool for tool in tools if scenario in tool.scenarios]:
                for result in bench.run(taking, scenario):
                    results.append(result)
                    print(f"  {corpus.name:8} {result.tool:8} {scenario:12} N={size:<7,} ", end="")
                    print(report.summary(asdict(result)), flush=True)
    finally:
        for tool in tools:  # a tmpfs holds them in memory
            remove(tool.scratch)
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
    outputs = "tmpfs" if on_tmpfs(args.outputs) else "disk"
    return {**report.describe_machine(), **versions, "outputs": f"{args.outputs} ({outputs})"}


def feeds_commit() -> str:
    """The commit of the feeds measured (``-dirty``: with changes not committed)."""
    return tool_version(["git", "-C", str(ROOT), "describe", "--always", "--dirty"])


def save(results: list[Result], args: argparse.Namespace) -> dict[str, Any]:
    """Merge these results into .bench/results.json: a corpus and size measured now
    replaces its old runs."""
    path = CACHE / "results.json"
    stored = report.load_results(path)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    for corpus, size in {(result.corpus, result.size) for result in results}:
        sizes = stored["corpora"].setdefault(corpus, {"sizes": {}})["sizes"]
        sizes[str(size)] = {
            "measured": when,
            "commit": feeds_commit(),
            "load": load,
            "runs": args.runs,
            "results": [
                asdict(result)
                for result in results
                if (result.corpus, result.size) == (corpus, size)
            ],
        }
    stored["machine"] = machine(args)
    report.dump_results(path, stored)
    return stored


def default_outputs() -> Path:
    """Where outputs go: a tmpfs when there is one, else beside the working copies."""
    if TMPFS.is_dir() and on_tmpfs(TMPFS):
        return TMPFS / f"feeds-bench-{os.getuid()}"
    return CACHE / "out"


def own_folder(folder: Path) -> None:
    """Make ``folder`` (only we may enter it), or check that it is ours: in a folder
    anyone may write to, another user could have put a link there."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stat = folder.lstat()
    if folder.is_symlink() or not folder.is_dir() or stat.st_uid != os.getuid():
        raise BenchError(f"{folder} is not a folder of this user's; pass --outputs")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="N=1,000, one run each, no BENCHMARKS.md"
    )
    parser.add_argument(
        "--corpus",
        default=",".join(DEFAULT_CORPORA),
        help=f"comma-separated: {', '.join(CORPORA)} (default: {','.join(DEFAULT_CORPORA)})",
    )
    parser.add_argument("--sizes", help="comma-separated N (default: each corpus's)")
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (default: 3)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated")
    parser.add_argument(
        "--others-up-to",
        type=int,
        default=OTHERS_UP_TO,
        metavar="N",
        help=f"run the tools other than feeds up to N articles (default: {OTHERS_UP_TO:,})",
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--feeds", default=_script("feeds"), help="feeds command")
    parser.add_argument("--hugo", default=shutil.which("hugo"), help="hugo command")
    parser.add_argument(
        "--pelican", default=_script("pelican", required=False), help="pelican command"
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        default=default_outputs(),
        help="folder for the outputs (default: /dev/shm/feeds-bench-UID, a tmpfs)",
    )
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
    args.corpus = [CORPORA[name] for name in _choices(args.corpus, tuple(CORPORA), parser)]
    if args.sizes:
        args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    args.scenarios = _choices(args.scenarios, SCENARIOS, parser)
    args.tools = _choices(args.tools, TOOLS, parser)
    args.outputs = args.outputs.absolute()
    return args


def _choices(value: str, allowed: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    if unknown := set(chosen) - set(allowed):
        parser.error(f"unknown {', '.join(sorted(unknown))}; choose from {', '.join(allowed)}")
    return chosen


def _script(name: str, *, required: bool = True) -> str | None:
    """A console script of this interpreter's environment, else one on PATH (else
    the bare name if ``required``, None if not)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    return found or (name if required else None)


def profile(args: argparse.Namespace, size: int) -> None:
    """cProfile one full feeds build of ``size`` articles in one process; print the top 15."""
    corpus = args.corpus[0]
    own_folder(args.outputs)
    folder = ensure_corpus(corpus, size, args.seed, ["feeds"])
    scratch = args.outputs / f"profile-{corpus.name}-{size}"
    tool = Feeds("feeds", CACHE / "run" / f"profile-{corpus.name}-{size}", args.feeds, scratch)
    tool.prepare(folder / "feeds")
    stats = CACHE / f"profile-{size}.pstats"
    command = [sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "feeds.cli"]
    # One process (--jobs 1): cProfile cannot see into worker processes.
    try:
        run = measure([*command, *tool.command("full")[1:], "--jobs", "1"], tool.root, tool.output)
    finally:
        remove(scratch)
    text = report.profile_top(stats, 15)
    print(f"full build of {size:,} articles under cProfile: {run.seconds:.2f} s -> {stats}")
    print(text)
    if not args.no_write:
        path = CACHE / "results.json"
        stored = report.load_results(path)
        stored["profile"] = {
            "size": size,
            "corpus": corpus.name,
            "seconds": run.seconds,
            "text": text,
        }
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
    corpora = args.corpus
    own_folder(args.outputs)
    print(f"outputs in {args.outputs}" + ("" if on_tmpfs(args.outputs) else " (not a tmpfs)"))
    results: list[Result] = []
    stored: dict[str, Any] = {}
    for corpus in corpora:
        for size in args.sizes or corpus.sizes:
            measured = bench_size(args, corpus, size)
            results += measured
            if not args.no_write:  # each size kept as soon as it is measured
                stored = save(measured, args)
    if args.no_write or not stored:
        print(report.tables([asdict(result) for result in results]))
        return 0
    (ROOT / "BENCHMARKS.md").write_text(report.markdown(stored), encoding="utf-8")
    print(report.tables(report.all_results(stored)))
    print("wrote BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
