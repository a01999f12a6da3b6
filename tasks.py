"""Tasks for working on feeds: ``invoke --list``.

The site tasks (build, validate, new, serve, deploy, rollback, clean) are
``feeds.tasks``, the collection every site's own ``tasks.py`` imports; this file
adds the development tasks (test, lint, format, golden, bench) to them.
"""

from __future__ import annotations

import sys

from invoke import Collection, Context, Exit, task

from feeds.tasks import SITE_TASKS

PYTHON = sys.executable  # the venv's Python, even when the venv is not activated


@task(help={"options": "extra pytest options, e.g. '-k rss -x'"})
def test(c: Context, options: str = "") -> None:
    """Run the test suite."""
    c.run(f"{PYTHON} -m pytest {options}", pty=False)


@task
def lint(c: Context) -> None:
    """Check formatting, lint rules and types (ruff, mypy --strict)."""
    c.run(f"{PYTHON} -m ruff format --check .")
    c.run(f"{PYTHON} -m ruff check .")
    c.run(f"{PYTHON} -m mypy")


@task(name="format")
def format_(c: Context) -> None:
    """Format the code and apply safe lint fixes."""
    c.run(f"{PYTHON} -m ruff format .")
    c.run(f"{PYTHON} -m ruff check --fix .")


@task(help={"update": "rewrite tests/golden/ from tests/data/seeds/ instead of comparing"})
def golden(c: Context, update: bool = False) -> None:
    """Compare a build of tests/data/seeds/ with tests/golden/."""
    if update:
        c.run(f"{PYTHON} -m tests.golden_tree --update")
    else:
        c.run(f"{PYTHON} -m pytest tests/test_golden.py")


@task(
    auto_shortflags=False,  # -h would shadow --help
    help={
        "quick": "N=1,000, one run each, print only (under a minute)",
        "sizes": "comma-separated corpus sizes (default: 1000,10000,100000)",
        "runs": "runs per scenario; the median is reported (default: 3)",
        "scenarios": "comma-separated: full,noop,noop-cached,edit,add,delete,validate",
        "tools": "comma-separated: feeds,hugo,pelican (default: those installed)",
        "hugo": "hugo command (default: hugo on PATH)",
        "pelican": "pelican command (default: pelican on PATH)",
        "profile": "cProfile a full build of N articles instead, and print the top entries",
        "rewrite": "rewrite BENCHMARKS.md from .bench/results.json without running",
    },
)
def bench(
    c: Context,
    quick: bool = False,
    sizes: str | None = None,
    runs: int = 3,
    scenarios: str | None = None,
    tools: str | None = None,
    hugo: str | None = None,
    pelican: str | None = None,
    profile: int = 0,
    rewrite: bool = False,
) -> None:
    """Time feeds against Hugo and Pelican; update BENCHMARKS.md."""
    from benchmarks.bench import main as bench_main  # only this task needs the harness

    options = {"sizes": sizes, "scenarios": scenarios, "tools": tools, "hugo": hugo}
    argv = [f"--runs={runs}", *(f"--{k}={v}" for k, v in options.items() if v)]
    argv += [f"--pelican={pelican}"] if pelican else []
    argv += [f"--profile={profile}"] if profile else []
    argv += ["--quick"] if quick else []
    argv += ["--rewrite"] if rewrite else []
    code = bench_main(argv)
    if code:
        raise Exit(code=code)


namespace = Collection(*SITE_TASKS, test, lint, format_, golden, bench)
