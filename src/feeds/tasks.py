"""The site tasks, an invoke collection: ``invoke build``, ``validate``, ``new`` ...

A site's ``tasks.py`` is one line, ``from feeds.tasks import namespace``, and
``invoke --list`` shows these tasks; feeds' own repository adds its development
tasks to them. Each task runs the ``feeds`` command of the same name in this
process (``feeds.cli.main``), so the two never differ: a non-zero exit becomes
``invoke.Exit`` with the same code.
"""

from __future__ import annotations

from collections.abc import Callable

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.parser.argument import Argument
from invoke.program import Program
from invoke.tasks import Task

from feeds.cli import main as feeds_main

NOW_HELP = "publish as of this ISO date-time (default: SOURCE_DATE_EPOCH, else now)"
SITE_HELP = {
    "seeds": "folder of article files (default: seeds)",
    "output": "output folder (default: public)",
    "config": "TOML file of [tool.feeds] keys, over pyproject.toml",
    "base_url": "the site's public root URL, over the configuration",
}


class SiteTask(Task[Callable[..., None]]):
    """A task whose help texts survive being shown: invoke's own consumes them the first
    time a parser is made, so a second ``--help`` in the same process (``invoke new
    --help``, a test) would show the options bare."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        kept = dict(self.help)
        try:
            return super().get_arguments(ignore_unknown_help)
        finally:
            self.help = kept


def task(
    *, help: dict[str, str], auto_shortflags: bool = True
) -> Callable[[Callable[..., None]], SiteTask]:
    """invoke's ``@task(help=...)``, making a ``SiteTask``."""

    def make(body: Callable[..., None]) -> SiteTask:
        return SiteTask(body, help=help, auto_shortflags=auto_shortflags)

    return make


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
    """Build public/ from seeds/: feeds, JSON API, HTML pages.

    Only what changed since the last build is rendered and written.
    """
    flags = ["--skip-invalid"] * skip_invalid + ["--no-cache"] * no_cache
    flags += ["--allow-empty"] * allow_empty
    flags += ["--jobs", str(jobs)] if jobs else []
    _feeds("build", *flags, seeds=seeds, output=output, config=config, base_url=base_url, now=now)


@task(
    help={
        **{key: SITE_HELP[key] for key in ("seeds", "config", "base_url")},
        "output": "the output whose build cache spares re-reading seeds (default: public)",
        "now": NOW_HELP,
    }
)
def validate(
    c: Context,
    seeds: str = "seeds",
    output: str = "public",
    config: str | None = None,
    base_url: str | None = None,
    now: str | None = None,
) -> None:
    """Check articles and configuration; write nothing.

    Lists the scheduled articles and the drafts; exits 1 on any problem.
    """
    _feeds("validate", seeds=seeds, output=output, config=config, base_url=base_url, now=now)


@task(
    auto_shortflags=False,  # -h stays help's
    help={
        "headline": "the article's headline; its file name and slug are made from it",
        "seeds": SITE_HELP["seeds"],
        "config": "TOML file of [tool.feeds] keys (for the time zone of 'today')",
    },
)
def new(c: Context, headline: str, seeds: str = "seeds", config: str | None = None) -> None:
    """Write a draft article, seeds/_<slug>.txt, dated today.

    Rename it without the leading '_' to publish it.
    """
    # invoke hands the word after a task to its missing positional argument, even
    # '--help': show what 'invoke --help new' shows, and write nothing.
    if headline in ("--help", "-h"):
        Program(namespace=Collection(new), binary="invoke").run(
            ["invoke", "--help", "new"], exit=False
        )
        return
    _feeds("new", headline, seeds=seeds, config=config)


@task(help={"output": SITE_HELP["output"], "config": "TOML file of [tool.feeds] keys"})
def clean(c: Context, output: str = "public", config: str | None = None) -> None:
    """Remove public/ (only an output that feeds built)."""
    _feeds("clean", output=output, config=config)


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
    """Preview public/ locally; --watch rebuilds and reloads.

    Served at base_url's path, with production's headers.
    """
    flags = ["--watch"] * watch
    _feeds("serve", *flags, output=output, port=str(port), config=config, seeds=seeds)


@task(
    help={
        "output": "built folder to publish (default: public)",
        "target": "s3://bucket/prefix, file:///path or a folder, over [tool.feeds.deploy]",
        "dry_run": "print each change and its reason; change nothing",
        "max_deletes": "refuse to delete more than N files (default: 256)",
        "max_delete_ratio": "refuse to delete more than this fraction of the target (default: 0.5)",
        "setup": "also apply the bucket's CORS configuration (once, for a new bucket)",
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
    """Publish public/ to the deploy target, changes only.

    Feeds go last, deletions after every upload, and too many are refused.
    """
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


@task(
    help={
        "target": "the folder target, over [tool.feeds.deploy]",
        "config": SITE_HELP["config"],
        "list": "list the kept releases, oldest first; change nothing",
        "to": "switch to this kept release, older or newer than current",
    }
)
def rollback(
    c: Context,
    target: str | None = None,
    config: str | None = None,
    list_: bool = False,
    to: str | None = None,
) -> None:
    """Switch a folder target to the previous release (or --to any)."""
    _feeds("rollback", *["--list"] * list_, target=target, config=config, to=to)


SITE_TASKS = (build, validate, new, serve, deploy, rollback, clean)
namespace = Collection(*SITE_TASKS)
