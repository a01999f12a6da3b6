"""Tasks for working on feeds: ``invoke --list``.

The site tasks (build, validate, new, serve, deploy, rollback, clean) are
``feeds.tasks``, the collection every site's own ``tasks.py`` imports; this file
adds the development tasks (test, lint, format, golden, bench, lock, workflows)
to them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from invoke import Collection, Context, Exit, task

from feeds.tasks import SITE_TASKS

PYTHON = sys.executable  # the venv's Python, even when the venv is not activated
PUBLISH_REQUIREMENTS = Path(".github/publish-requirements.txt")
# Workflow checkers, pinned (a new audit must not fail CI by surprise), in a venv of their own.
WORKFLOW_TOOLS = ("zizmor==1.33.1", "check-jsonschema==0.39.0")
WORKFLOW_VENV = Path(".workflow-tools")
SETUPTOOLS = "setuptools==84.2.1"  # builds feeds in the publish workflow (no build isolation)


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


@task
def lock(c: Context) -> None:
    """Pin what publishing installs (.github/publish-requirements.txt)."""
    from feeds._scaffold import pinned_dependencies

    lines = [
        "# What .github/workflows/publish.yml installs besides feeds itself, every version",
        "# pinned: an upstream release cannot stop publishing. 'invoke lock' rewrites it",
        "# from this environment (install with: pip install -e .).",
        SETUPTOOLS,
        *pinned_dependencies(),
    ]
    PUBLISH_REQUIREMENTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {PUBLISH_REQUIREMENTS}")


@task
def workflows(c: Context) -> None:
    """Check the workflows, ours and a new site's (zizmor, schema)."""
    from feeds.cli import main as feeds_main

    tools = WORKFLOW_VENV / "bin"
    if not (tools / "zizmor").exists() or not (tools / "check-jsonschema").exists():
        c.run(f"{PYTHON} -m venv {WORKFLOW_VENV}")
        c.run(f"{tools / 'pip'} install -q {' '.join(WORKFLOW_TOOLS)}")
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        init = ["init", str(site), "--title", "Check", "--base-url", "https://example.com/"]
        if feeds_main(init):
            raise Exit("feeds init failed", code=1)
        for root in (Path(), site):
            found = " ".join(sorted(map(str, (root / ".github" / "workflows").glob("*.yml"))))
            schema = "--builtin-schema vendor.github-workflows"
            c.run(f"{tools / 'check-jsonschema'} {schema} {found}")
            c.run(f"{tools / 'zizmor'} --offline --min-severity medium {root}")


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
        "quick": "N=1,000, one run each, print only (a few minutes)",
        "corpus": "comma-separated: plain,markdown,tagged (default: plain,markdown)",
        "sizes": "comma-separated corpus sizes (default: 1000,10000,100000; Markdown to 10000)",
        "runs": "runs per scenario; the median is reported (default: 3)",
        "scenarios": "comma-separated: full,noop,noop-cached,edit,add,newest,delete,validate",
        "tools": "comma-separated: feeds,hugo-api,hugo,pelican (default: those installed)",
        "others_up_to": "run the tools other than feeds up to N articles (default: 10000)",
        "outputs": "folder for the outputs (default: /dev/shm/feeds-bench-UID, a tmpfs)",
        "hugo": "hugo command (default: hugo on PATH)",
        "pelican": "pelican command (default: pelican beside this Python, else on PATH)",
        "profile": "cProfile a full build of N articles instead, and print the top entries",
        "rewrite": "rewrite BENCHMARKS.md from .bench/results.json without running",
    },
)
def bench(
    c: Context,
    quick: bool = False,
    corpus: str | None = None,
    sizes: str | None = None,
    runs: int = 3,
    scenarios: str | None = None,
    tools: str | None = None,
    others_up_to: int = 0,
    outputs: str | None = None,
    hugo: str | None = None,
    pelican: str | None = None,
    profile: int = 0,
    rewrite: bool = False,
) -> None:
    """Time feeds against Hugo and Pelican; update BENCHMARKS.md."""
    from benchmarks.bench import main as bench_main  # only this task needs the harness

    options = {
        "corpus": corpus,
        "sizes": sizes,
        "scenarios": scenarios,
        "tools": tools,
        "others-up-to": others_up_to,
        "outputs": outputs,
        "hugo": hugo,
    }
    argv = [f"--runs={runs}", *(f"--{k}={v}" for k, v in options.items() if v)]
    argv += [f"--pelican={pelican}"] if pelican else []
    argv += [f"--profile={profile}"] if profile else []
    argv += ["--quick"] if quick else []
    argv += ["--rewrite"] if rewrite else []
    code = bench_main(argv)
    if code:
        raise Exit(code=code)


namespace = Collection(*SITE_TASKS, test, lint, format_, golden, bench, lock, workflows)
