"""Tasks for working on feeds and publishing with it: ``invoke --list``.

Site tasks (build, validate, serve, clean, deploy, rollback) run the same code as the ``feeds``
command; development tasks (test, lint, format, golden) run the tools.
"""

from __future__ import annotations

import sys

from invoke import Collection, Context, Exit, task

from feeds.cli import main as feeds_main

PYTHON = sys.executable  # the venv's Python, even when the venv is not activated
NOW_HELP = "publish as of this ISO date-time (default: SOURCE_DATE_EPOCH, else now)"
SITE_HELP = {
    "seeds": "folder of article files (default: seeds)",
    "output": "output folder (default: public)",
    "config": "TOML file of [tool.feeds] keys, over pyproject.toml",
    "base_url": "the site's public root URL, over the configuration",
}


def _feeds(command: str, *options: str, **values: str | None) -> None:
    """Run a ``feeds`` command in-process; a non-zero exit becomes ``Exit``."""
    argv = [command, *options]
    for name, value in values.items():
        if value:
            argv += [f"--{name.replace('_', '-')}", value]
    code = feeds_main(argv)
    if code:
        raise Exit(code=code)


@task(
    help={
        **SITE_HELP,
        "skip_invalid": "publish the valid articles despite invalid ones",
        "no_cache": "ignore the build cache; render and compare everything",
        "jobs": "worker processes (default: one per core)",
        "allow_empty": "publish an empty site over one that has articles",
        "now": NOW_HELP,
    }
)
def build(
    c: Context,
    seeds: str = "seeds",
    output: str = "public",
    config: str | None = None,
    base_url: str | None = None,
    skip_invalid: bool = False,
    no_cache: bool = False,
    jobs: int = 0,
    now: str | None = None,
    allow_empty: bool = False,
) -> None:
    """Build public/ from seeds/: feeds, JSON API and HTML pages."""
    flags = ["--skip-invalid"] * skip_invalid + ["--no-cache"] * no_cache
    flags += ["--allow-empty"] * allow_empty
    flags += ["--jobs", str(jobs)] if jobs else []
    _feeds("build", *flags, seeds=seeds, output=output, config=config, base_url=base_url, now=now)


@task(help={**{key: SITE_HELP[key] for key in ("seeds", "config", "base_url")}, "now": NOW_HELP})
def validate(
    c: Context,
    seeds: str = "seeds",
    config: str | None = None,
    base_url: str | None = None,
    now: str | None = None,
) -> None:
    """Check articles and configuration, list scheduled ones and drafts; write nothing."""
    _feeds("validate", seeds=seeds, config=config, base_url=base_url, now=now)


@task(help={"headline": "the article's headline", "seeds": SITE_HELP["seeds"]})
def new(c: Context, headline: str, seeds: str = "seeds", config: str | None = None) -> None:
    """Write the draft seeds/_<slug>.txt for a new article dated today; print its path."""
    _feeds("new", headline, seeds=seeds, config=config)


@task(help={"output": SITE_HELP["output"]})
def clean(c: Context, output: str = "public") -> None:
    """Remove the output folder (only one that feeds built)."""
    _feeds("clean", output=output)


@task(
    help={
        "output": SITE_HELP["output"],
        "port": "port (default: 8000)",
        "config": SITE_HELP["config"],
        "watch": "rebuild on every change to seeds, templates, static files or configuration, "
        "and reload the open pages",
        "seeds": SITE_HELP["seeds"],
    }
)
def serve(
    c: Context,
    output: str = "public",
    port: int = 8000,
    config: str | None = None,
    watch: bool = False,
    seeds: str = "seeds",
) -> None:
    """Preview the output folder on http://127.0.0.1:PORT/, at base_url's path, with
    production's headers; --watch rebuilds and reloads on every change."""
    flags = ["--watch"] * watch
    _feeds("serve", *flags, output=output, port=str(port), config=config, seeds=seeds)


@task(
    help={
        "output": "built folder to publish (default: public)",
        "target": "s3://bucket/prefix, file:///path or a folder, over [tool.feeds.deploy]",
        "dry_run": "print each change and its reason; change nothing",
        "max_deletes": "refuse to delete more than N files (default: 256)",
        "max_delete_ratio": "refuse to delete more than this fraction of the target (default: 0.5)",
        "setup": "also apply the bucket's CORS configuration",
        "allow_bucket_root": "allow s3://bucket with no prefix (deletes every other object)",
        "config": SITE_HELP["config"],
    }
)
def deploy(
    c: Context,
    output: str = "public",
    target: str | None = None,
    dry_run: bool = False,
    max_deletes: int | None = None,
    max_delete_ratio: float | None = None,
    setup: bool = False,
    allow_bucket_root: bool = False,
    config: str | None = None,
) -> None:
    """Publish public/ to the deploy target: changed files only, feeds last, deletes guarded."""
    switches = (
        ("--dry-run", dry_run),
        ("--setup", setup),
        ("--allow-bucket-root", allow_bucket_root),
    )
    flags = [flag for flag, on in switches if on]
    limit = None if max_deletes is None else str(max_deletes)
    ratio = None if max_delete_ratio is None else str(max_delete_ratio)
    _feeds(
        "deploy",
        *flags,
        output=output,
        target=target,
        max_deletes=limit,
        max_delete_ratio=ratio,
        config=config,
    )


@task(help={"target": "the folder target, over [tool.feeds.deploy]", "config": SITE_HELP["config"]})
def rollback(c: Context, target: str | None = None, config: str | None = None) -> None:
    """Point a folder target's 'current' back at the previous release."""
    _feeds("rollback", target=target, config=config)


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
    """Compare a build of tests/data/seeds/ with tests/golden/ (or --update it)."""
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
    """Time feeds against Hugo and Pelican on one synthetic corpus; update BENCHMARKS.md."""
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


namespace = Collection(
    build, validate, new, clean, serve, deploy, rollback, test, lint, format_, golden, bench
)
