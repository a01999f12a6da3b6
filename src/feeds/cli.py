"""The ``feeds`` command: parse options, call the library, turn errors into exit codes.

Exit codes: 0 success; 1 invalid articles or a failed write; 2 a usage or
configuration error. Problems go to stderr, the summary to stdout.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from slugify import slugify

from feeds._dates import MONTH_NAMES
from feeds._distribution import DISTRIBUTION
from feeds._seeds import seed_paths
from feeds.build._lock import locked
from feeds.build._parallel import default_jobs
from feeds.build._reading import clock, read_articles
from feeds.build._write import remove_tree
from feeds.config import load_site
from feeds.errors import ConfigError, FeedsError, SeedError, SeedErrors, ThemeErrors
from feeds.models import SLUG_MAX_LENGTH, Site

if TYPE_CHECKING:
    from feeds._serve import PreviewServer
    from feeds.deploy import DeployReport


_GC_THRESHOLD = 50_000  # new objects between two collections (Python's default: 700)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``feeds`` command; return its exit code."""
    # A build holds tens of thousands of long-lived objects (articles, keys) and
    # makes few reference cycles; by default the collector runs every 700 new
    # objects and walks them over and over (10% of an incremental build).
    threshold = gc.get_threshold()
    gc.set_threshold(_GC_THRESHOLD, *threshold[1:])
    try:
        return _run(_parser().parse_args(argv))
    finally:
        gc.set_threshold(*threshold)  # as it was, for a caller in the same process


def run() -> NoReturn:
    """The ``feeds`` command: ``main``, then exit without freeing its objects.

    At exit Python collects every object in a reference cycle (pydantic's
    validators, the libraries' caches) one by one: 0.07 s, more than a build
    with nothing to do takes. Frozen, they are left to the operating system;
    atexit handlers still run and the standard streams are still flushed.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.command(args))
    except (SeedErrors, ThemeErrors) as errors:
        _report(errors.errors)
        print(f"feeds: {errors.args[0]}", file=sys.stderr)
        return errors.exit_code
    except FeedsError as error:  # one line or several (a configuration's keys): each its own
        print("\n".join(f"feeds: {line}" for line in str(error).splitlines()), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:  # Ctrl-C: what was under way cleaned up after itself
        print("\nfeeds: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `feeds deploy --dry-run | head`: the reader has gone
        _silence_stdout()
        print("feeds: the output was closed before the end (broken pipe)", file=sys.stderr)
        return 1
    except OSError as error:  # the file system said no (read-only, full, gone): not a bug
        print(f"feeds: {_os_problem(error)}", file=sys.stderr)
        return 1


def _os_problem(error: OSError) -> str:
    """``public/x: Read-only file system``: the file and the system's reason, one line."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


DESCRIPTION = """\
feeds: a static feed publisher. It reads a folder of plain-text articles
(seeds/) and writes public/: RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds, a
versioned static JSON API and the HTML pages they link to; then publishes it
to S3-compatible storage or a folder, changes only."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors worded as every other message: ``feeds: ...``."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"feeds: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="feeds",
        description=DESCRIPTION,
        epilog="'feeds COMMAND --help' shows a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"feeds {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build = _command(commands, "build", _build, "build the output folder from the seed files")
    _add_site_options(build)
    build.add_argument(
        "--skip-invalid",
        action="store_true",
        help="publish the valid articles despite invalid ones (problems are still printed)",
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore the build cache and the output's manifest; render and compare all",
    )
    build.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    build.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish an empty site over one that has articles (refused otherwise)",
    )
    validate = _command(commands, "validate", _validate, "check seeds and configuration only")
    _add_site_options(validate)
    for command in (build, validate):
        command.add_argument(
            "--now",
            type=_moment,
            help="publish as if it were this ISO date-time (default: SOURCE_DATE_EPOCH, else now)",
        )
    new = _command(
        commands, "new", _new, "write a new draft article (_<slug>.txt), dated today", output=False
    )
    new.add_argument("headline", help="the article's headline; its slug is made from it")
    _add_seeds_option(new)
    _add_config_file_option(new)  # for the time zone of "today"
    clean = _command(commands, "clean", _clean, "remove the output folder")
    _add_config_file_option(clean)  # for lock_timeout
    serve = _command(commands, "serve", _serve, "preview the output folder on localhost")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument(
        "--watch",
        action="store_true",
        help="build, then rebuild on every change to seeds, templates, static files or "
        "configuration, and reload the open pages (a failed build shows on them)",
    )
    _add_site_options(serve)  # served at base_url's path, as the host will
    _add_deploy_commands(commands)
    _add_init_command(commands)
    return parser


def _add_init_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help_text = "write a new site's repository: configuration, a first article, workflows"
    command = commands.add_parser("init", help=help_text, description=help_text)
    command.set_defaults(command=_init)
    command.add_argument(
        "folder", nargs="?", type=Path, default=Path(), help="where (default: here)"
    )
    command.add_argument("--title", help="the site's name (asked on a terminal when missing)")
    command.add_argument(
        "--base-url",
        help="the site's public root URL, e.g. https://news.example.com/ (asked when missing)",
    )
    command.add_argument(
        "--requirement",
        help=f"the feeds the site installs: a requirement on {DISTRIBUTION}, a git URL, or "
        f"a wheel or folder (default: {DISTRIBUTION}==this version)",
    )


def _version() -> str:
    from importlib.metadata import version

    return version(DISTRIBUTION)


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help_text: str,
    *,
    output: bool = True,
) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(command=handler)
    if output:
        command.add_argument(
            "--output", type=Path, default=Path("public"), help="output folder (default: public)"
        )
    return command


def _add_deploy_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help_text = "publish the output folder to the deploy target, changes only"
    command = commands.add_parser("deploy", help=help_text, description=help_text)
    command.set_defaults(command=_deploy)
    command.add_argument(
        "--output", type=Path, default=Path("public"), help="built folder (default: public)"
    )
    _add_target_options(command)
    command.add_argument(
        "--dry-run", action="store_true", help="print each change and its reason; change nothing"
    )
    command.add_argument(
        "--max-deletes", type=int, help="refuse to delete more than N files (default: 256)"
    )
    command.add_argument(
        "--max-delete-ratio",
        type=float,
        metavar="R",
        help="refuse to delete more than this fraction of the target's files (default: 0.5)",
    )
    command.add_argument(
        "--setup",
        action="store_true",
        help="also give the bucket its CORS rule (once, for a new bucket)",
    )
    command.add_argument(
        "--allow-bucket-root",
        action="store_true",
        help="allow s3://bucket with no prefix (deletes every other object in it)",
    )
    help_text = "point a folder target's 'current' at the previous release, or any kept one"
    command = commands.add_parser("rollback", help=help_text, description=help_text)
    command.set_defaults(command=_rollback)
    _add_target_options(command)
    choice = command.add_mutually_exclusive_group()
    choice.add_argument(
        "--list", action="store_true", help="list the kept releases, oldest first; change nothing"
    )
    choice.add_argument(
        "--to", metavar="RELEASE", help="switch to this kept release, older or newer than current"
    )


def _add_target_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--target", help="s3://bucket/prefix, file:///path or a folder, over the configuration"
    )
    command.add_argument(
        "--config", type=Path, help="TOML file of [tool.feeds] keys, over pyproject.toml"
    )


def _add_site_options(command: argparse.ArgumentParser) -> None:
    _add_seeds_option(command)
    _add_config_options(command)


def _add_seeds_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--seeds", type=Path, default=Path("seeds"), help="folder of articles (default: seeds)"
    )


def _add_config_options(command: argparse.ArgumentParser) -> None:
    _add_config_file_option(command)
    command.add_argument("--base-url", help="the site's public root URL, over the configuration")


def _add_config_file_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", type=Path, help="TOML file of [tool.feeds] keys, over pyproject.toml"
    )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _site(args: argparse.Namespace, memo: Path | None = None) -> Site:
    base_url = getattr(args, "base_url", None)  # not every command takes --base-url
    overrides = {"base_url": base_url} if base_url else {}
    return load_site(Path("pyproject.toml"), args.config, overrides, memo=memo)


def _build(args: argparse.Namespace) -> int:
    from feeds.build import build  # and the plan: only building needs them
    from feeds.build._cache import site_memo_path, undone_if_refused

    with undone_if_refused(args.output):  # the configuration's memo too
        report = build(
            args.seeds,
            args.output,
            _site(args, memo=None if args.no_cache else site_memo_path(args.output)),
            skip_invalid=args.skip_invalid,
            use_cache=not args.no_cache,
            jobs=args.jobs,
            now=args.now,
            allow_empty=args.allow_empty,
            progress=sys.stderr,  # shown on a terminal only, after two seconds
        )
    _report(report.problems)
    print(report.summary())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from feeds.build._cache import BuildCache, build_scope, cache_path

    site = _site(args)
    theme_problems = _theme_problems(site)
    now = args.now or clock()
    # The last build's cache, read only: unchanged seeds need not be parsed again.
    cache = BuildCache(
        cache_path(args.output), build_scope(site, args.output), site.zone, read_only=True
    )
    reading = read_articles(args.seeds, site, cache, default_jobs(), now, ordered=False)
    if reading.problems:
        _report(theme_problems)
        raise SeedErrors(reading.problems)
    if theme_problems:
        raise ThemeErrors(theme_problems)
    if not (reading.articles or reading.scheduled or reading.drafts):
        raise FeedsError(f"{args.seeds}/ holds no seed file (*.txt); check --seeds")
    for article in sorted(reading.scheduled, key=lambda article: article.published):
        print(f"scheduled: {article.source} goes live {article.published.isoformat()}")
    for held in reading.held:
        print(f"held back: {held.article.source} goes live {held.due.isoformat()}: {held.reason()}")
    for article in reading.drafts:
        print(f"draft: {article.source} (never published while its name starts with '_')")
    counts = [
        _count(len(reading.articles), "article") + " valid",
        f"{len(reading.scheduled) + len(reading.held)} scheduled",
        _count(len(reading.drafts), "draft"),
    ]
    print(f"{', '.join(counts)} in {args.seeds}/ (checked; nothing written)")
    return 0


def _theme_problems(site: Site) -> list[SeedError]:
    """The problems of the site's templates and static files that show without a build."""
    from feeds._theme import load_theme

    try:
        theme = load_theme(site)
    except ThemeErrors as errors:
        return errors.errors
    if not theme.templates:
        return []  # Jinja is not even imported
    from feeds.render._jinja import check_templates

    return check_templates(theme)


def _count(number: int, noun: str) -> str:
    """``1 article``, ``2 articles``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _new(args: argparse.Namespace) -> int:
    site = _site(args)
    slug = slugify(args.headline, max_length=SLUG_MAX_LENGTH, word_boundary=True)
    if not slug:
        raise ConfigError(f"headline {args.headline!r} has no letters or digits for a slug")
    today = datetime.now(site.zone).date()
    published, draft = args.seeds / f"{slug}.txt", args.seeds / f"_{slug}.txt"
    text = (
        f"{today.day} {MONTH_NAMES[today.month - 1]}, {today.year}\n{slug}\n"
        f"title: {args.headline.strip()}\n\nWrite the first paragraph here.\n"
    )
    taken = "already exists; choose another headline or edit it"
    if published.exists():
        raise FeedsError(f"{published} {taken}")
    if args.seeds.exists() and (holder := _seed_with_slug(args.seeds, slug)):
        raise FeedsError(f"{holder} has the slug {slug!r} already; choose another headline")
    args.seeds.mkdir(parents=True, exist_ok=True)
    try:
        with draft.open("x", encoding="utf-8") as file:  # a draft: its placeholder never goes out
            file.write(text)
    except FileExistsError:
        raise FeedsError(f"{draft} {taken}") from None
    print(draft)
    print(f"feeds: a draft: write it, then rename it to {published} to publish it", file=sys.stderr)
    return 0


def _seed_with_slug(folder: Path, slug: str) -> str | None:
    """The seed file (drafts and sub-folders included) whose slug line is ``slug``."""
    for path in seed_paths(folder):  # a ConfigError if the folder is a file
        with Path(path).open(encoding="utf-8", errors="replace") as file:
            if file.readline() and file.readline().strip() == slug:
                return path
    return None


def _init(args: argparse.Namespace) -> int:
    from feeds._scaffold import NewSite, requirement_for, write_site

    requirement = requirement_for(args.requirement)
    title, base_url = _site_identity(args.title, args.base_url)
    site = NewSite(args.folder, title, base_url, requirement, datetime.now(UTC).date())
    written = write_site(site)
    for path in written:
        print(f"wrote {path}")
    place = "" if args.folder == Path() else f"cd {args.folder} && "
    print(
        f"feeds: a new site in {args.folder}/; build it with\n"
        f"  {place}python3 -m venv .venv && .venv/bin/pip install -r requirements.txt "
        f"&& .venv/bin/invoke build\nand read its README.md for publishing.",
        file=sys.stderr,
    )
    return 0


def _site_identity(title: str | None, base_url: str | None) -> tuple[str, str]:
    """The new site's title and base URL, checked as the configuration checks them;
    asked for on a terminal when missing (again until valid), refused elsewhere."""
    from pydantic import ValidationError

    from feeds.config import describe_config_errors

    asking = sys.stdin.isatty() and sys.stdout.isatty()
    while True:
        if not title and asking:
            title = input("Site title (e.g. Example News): ").strip()
        if not base_url and asking:
            base_url = input("Public URL (e.g. https://news.example.com/): ").strip()
        given = (("--title", title), ("--base-url", base_url))
        if missing := [flag for flag, value in given if not value]:
            raise ConfigError(f"init needs {' and '.join(missing)}; there is no terminal to ask on")
        try:
            site = Site.model_validate({"title": title, "base_url": base_url})
        except ValidationError as error:
            problems = describe_config_errors(error)
            if not asking:
                raise ConfigError(problems) from None
            print("\n".join(f"feeds: {line}" for line in problems.splitlines()), file=sys.stderr)
            failed = {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}
            title = None if "title" in failed else title
            base_url = None if "base_url" in failed else base_url
            continue
        return site.title, site.base_url


def _clean(args: argparse.Namespace) -> int:
    if not args.output.exists():
        print(f"{args.output}/ does not exist; nothing to remove")
        return 0
    with locked(args.output, "feeds clean", _lock_timeout(args)):
        remove_tree(args.output)
    print(f"removed {args.output}/")
    return 0


def _lock_timeout(args: argparse.Namespace) -> float:
    """The configured ``lock_timeout``; its default where the configuration is
    missing or broken (removing the output needs nothing else from it)."""
    try:
        return _site(args).lock_timeout
    except ConfigError:
        return float(Site.model_fields["lock_timeout"].default)


def _serve(args: argparse.Namespace) -> int:
    if not args.watch and not args.output.is_dir():
        raise ConfigError(f"{args.output}/ does not exist; run 'feeds build' first")
    from feeds._serve import LiveReload, make_server  # http.server: only ``serve`` needs it

    site = _site(args)
    live = LiveReload() if args.watch else None
    if live is not None:
        from feeds._watch import build_command, rebuild

        print("building", flush=True)
        rebuild(build_command(_build_options(args)), args.output, live)
    server = make_server(
        args.output, args.host, args.port, site.root_path, rules=site.headers, live=live
    )
    url = f"http://{args.host}:{server.server_port}{site.root_path}"
    stop, ready = threading.Event(), threading.Event()
    watcher = None
    if live is not None:
        watcher = threading.Thread(
            target=_watch_and_rebuild, args=(args, site, server, stop, ready)
        )
        watcher.start()
        ready.wait(_WATCH_READY_SECONDS)
    watching = "; rebuilding on every change" if live else ""
    print(f"serving {args.output}/ at {url}{watching} (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if watcher is not None:
            watcher.join()
        server.server_close()
    return 0


def _build_options(args: argparse.Namespace) -> list[str]:
    """The options of ``feeds build`` that build what ``serve`` serves."""
    options = ["--seeds", str(args.seeds), "--output", str(args.output)]
    if args.config:
        options += ["--config", str(args.config)]
    if args.base_url:
        options += ["--base-url", args.base_url]
    return options


_WATCH_READY_SECONDS = 10  # at most, before serving all the same


def _watch_and_rebuild(
    args: argparse.Namespace,
    site: Site,
    server: PreviewServer,
    stop: threading.Event,
    ready: threading.Event,
) -> None:
    """Rebuild on each change until ``stop``; follow the configuration's root path,
    header rules and folders when it changes."""
    from feeds._watch import Watched, build_command, rebuild, watch

    served, live = server.served, server.live
    assert live is not None
    configuration = tuple(path for path in (Path("pyproject.toml"), args.config) if path)

    def watched_of(site: Site) -> Watched:
        folders = (args.seeds, Path(site.templates or "templates"), Path(site.static or "static"))
        return Watched(folders, configuration)

    now = [watched_of(site)]

    def on_change(changed: list[str]) -> None:
        names = [os.path.relpath(path) if Path(path).is_absolute() else path for path in changed]
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        shown = ", ".join(names[:3]) + more
        print(f"changed: {shown}; rebuilding", flush=True)
        if rebuild(build_command(_build_options(args)), args.output, live):
            try:
                current = _site(args)
            except ConfigError:
                return  # the build read it: it cannot fail here but for a race
            served.root_path, served.rules = current.root_path, current.headers
            now[0] = watched_of(current)

    watch(lambda: now[0], on_change, stop, ready)


def _deploy(args: argparse.Namespace) -> int:
    from feeds.deploy import deploy  # only the deploy commands pay for importing it

    site = load_site(Path("pyproject.toml"), args.config)
    report = deploy(
        args.output,
        site,
        target=args.target,
        dry_run=args.dry_run,
        max_deletes=args.max_deletes,
        max_delete_ratio=args.max_delete_ratio,
        setup=args.setup,
        allow_bucket_root=args.allow_bucket_root,
        progress=_progress if sys.stderr.isatty() else None,
    )
    if report.setup:
        print(report.setup)
    if args.dry_run:
        print("\n".join(report.plan.lines()))
    print(report.summary())
    if report.hint:
        print(f"feeds: hint: {report.hint}", file=sys.stderr)
    if report.cdn:
        print(report.cdn)
    if report.websub:
        print(report.websub.summary())
    if not args.dry_run:
        _step_summary(report)
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from feeds.deploy import rollback

    site = load_site(Path("pyproject.toml"), args.config)
    if args.list:
        from feeds.deploy import releases

        print("\n".join(releases(args.target, site.deploy)))
        return 0
    print(rollback(args.target, site.deploy, site.lock_timeout, to=args.to))
    return 0


def _progress(done: int, total: int) -> None:
    """A one-line progress counter, on a terminal only."""
    end = "\n" if done >= total else ""
    print(f"\rfeeds: deploying {done:,}/{total:,}", end=end, file=sys.stderr, flush=True)


def _report(problems: Sequence[SeedError]) -> None:
    """Each problem on stderr; on GitHub Actions also as an annotation on stdout."""
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for problem in problems:
        print(problem, file=sys.stderr)
        if annotate:
            print(annotation(problem))


def annotation(problem: SeedError) -> str:
    """``::error file=seeds/x.txt,line=2::message``, escaped as GitHub's workflow commands want."""
    properties = f"file={_escape(problem.path, properties=True)}"
    if problem.line:
        properties += f",line={problem.line}"
    return f"::error {properties}::{_escape(problem.message)}"


def _escape(text: str, *, properties: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if properties else text


def _step_summary(report: DeployReport) -> None:
    """Append a Markdown table of the deploy to $GITHUB_STEP_SUMMARY, when it is set."""
    from feeds.deploy._run import human_size

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    plan = report.plan
    lines = [
        f"### feeds deploy to `{report.target}`",
        "",
        "| new | changed | unchanged | deleted | sent | time |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {report.new:,} | {len(plan.uploads) - report.new:,} | {len(plan.unchanged):,} "
        f"| {len(plan.deletes):,} | {human_size(report.bytes_sent)} | {report.seconds:.1f} s |",
        *(f"\n{note}" for note in (report.cdn, report.websub and report.websub.summary()) if note),
        "",
    ]
    with Path(path).open("a", encoding="utf-8") as summary:
        summary.write("\n".join(lines))


if __name__ == "__main__":
    run()
