"""The feeds command and invoke tasks: exit codes, messages, and what reaches the disk."""

from __future__ import annotations

import ast
import contextlib
import gc
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from invoke import Collection, Context, Exit, Program

from feeds import tasks
from feeds._serve import make_server
from feeds.build._report import BuildReport
from feeds.cli import main
from tests.conftest import SEEDS, SITE_CONFIG, snapshot

BAD_SEED = b"30 February, 2025\nBad Slug\n\nBody.\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A site folder with the test seeds and configuration, as the working directory."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(SITE_CONFIG, tmp_path / "site.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*argv: str) -> int:
    return main([*argv, "--config", "site.toml"])


def test_build_prints_a_summary(project, capsys):
    """A build exits 0 and ends with one summary line naming articles, files and output."""
    assert run("build") == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("built 3 articles, 45 files, ")
    assert out.endswith(" s -> public/")
    assert (project / "public" / "rss.xml").is_file()


def test_a_large_build_summary_groups_its_thousands():
    """A newsroom's counts are read at a glance: 100,000, not 100000."""
    report = BuildReport(Path("public"), 100_000, 214_055, 14.2, 40, 1_204, scheduled=1_500)
    assert report.summary() == (
        "built 100,000 articles, 214,055 files (40 written, 1,204 deleted), 14.20 s -> "
        "public/; not published yet: 1,500 scheduled"
    )


def test_invalid_article_fails_and_leaves_output_untouched(project, capsys):
    """One bad file: exit 1, every problem on stderr, the previous public/ unchanged."""
    assert run("build") == 0
    before = snapshot(project / "public")
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    (project / "seeds" / "empty.txt").write_bytes(b"")
    capsys.readouterr()
    assert run("build") == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "seeds/bad.txt:1: impossible date '30 February, 2025': February 2025 has 28 days",
        "seeds/bad.txt:2: slug 'Bad Slug' is not URL-safe; use 'bad-slug'",
        "seeds/empty.txt: file is empty; an article starts with a date line like '23 August, 2025'",
        "feeds: 3 problems in 2 files",
    ]
    assert snapshot(project / "public") == before


def test_skip_invalid_publishes_the_rest(project, capsys):
    """--skip-invalid builds the valid articles, still prints each problem, and exits 0."""
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    assert run("build", "--skip-invalid") == 0
    captured = capsys.readouterr()
    assert "seeds/bad.txt:2: slug 'Bad Slug' is not URL-safe" in captured.err
    assert captured.out.startswith("built 3 articles")


def test_validate_checks_without_writing(project, capsys):
    """validate exits 0 on good seeds and 1 on bad ones, and never writes output."""
    assert run("validate") == 0
    assert "3 articles valid" in capsys.readouterr().out
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    assert run("validate") == 1
    assert "seeds/bad.txt:1:" in capsys.readouterr().err
    assert not (project / "public").exists()


# What parses seeds or renders, and the modules that import it.
HEAVY_MODULES = (
    "feeds.build._patch",
    "feeds.build._units",
    "feedgen",
    "jinja2",
    "lxml",
    "pydantic_settings",
    "titlecase",
)


def _run_listing_imports(*argv: str) -> tuple[int, str, list[str]]:
    """Run the command in a new process: its exit code, its output and the
    ``HEAVY_MODULES`` it imported."""
    check = (
        "import sys; from feeds.cli import main\n"
        f"code = main({list(argv)!r})\n"
        f"print(sorted(set({HEAVY_MODULES!r}) & set(sys.modules)))\n"
        "sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    *lines, loaded = done.stdout.splitlines()
    return done.returncode, "\n".join(lines), ast.literal_eval(loaded)


def test_validate_starts_without_the_renderers(project):
    """validate never imports Jinja, lxml or feedgen (0.1 s of every run's start-up)."""
    code, out, loaded = _run_listing_imports("validate", "--config", "site.toml")
    assert (code, loaded) == (0, ["pydantic_settings", "titlecase"]), "only what reading needs"
    assert "3 articles valid" in out


def test_a_build_with_nothing_to_do_imports_no_renderer(project):
    """A build that finds nothing changed answers without importing what renders,
    parses or layers the configuration (0.2 s of its start-up); one that renders
    imports them."""
    code, _, loaded = _run_listing_imports("build", "--config", "site.toml")
    assert (code, loaded) == (0, sorted(HEAVY_MODULES))
    code, out, loaded = _run_listing_imports("build", "--config", "site.toml")
    assert (code, loaded) == (0, [])
    assert "(0 written, 0 deleted)" in out


def test_a_build_without_the_cache_keeps_no_memo_of_the_configuration(project):
    """--no-cache trusts nothing from earlier builds: the configuration is layered
    afresh and not remembered; a build with the cache remembers it."""
    memo = project / ".feeds-cache" / "public.site.json"
    assert run("build", "--config", "site.toml", "--no-cache") == 0
    assert not memo.exists()
    assert run("build", "--config", "site.toml") == 0
    assert memo.is_file()


def test_the_command_exits_with_its_code_and_all_its_output(project):
    """``feeds`` (``run``) exits with the command's code, its output flushed to a pipe."""
    command = [sys.executable, "-m", "feeds.cli", "build", "--config", "site.toml"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("built 3 articles") and done.stdout.endswith("public/\n")
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 1
    assert "seeds/bad.txt:1:" in done.stderr and done.stderr.endswith("\n")


def test_config_error_exits_2(project, capsys):
    """A configuration error names the key and exits 2."""
    assert run("build", "--base-url", "not-a-url") == 2
    assert "configuration: base_url: 'not-a-url' is not an absolute" in capsys.readouterr().err


def test_usage_error_exits_2(project, capsys):
    """An unknown option is a usage error with exit code 2."""
    with pytest.raises(SystemExit) as raised:
        main(["build", "--frobnicate"])
    assert raised.value.code == 2


def test_collector_settings_are_restored(project, capsys):
    """The command collects garbage less often while it runs (a build's long-lived
    articles), and leaves a caller in the same process its own settings."""
    before = gc.get_threshold()
    assert run("build") == 0
    with pytest.raises(SystemExit):
        main(["build", "--frobnicate"])
    assert gc.get_threshold() == before


def test_missing_seeds_folder(project, capsys):
    """A --seeds folder that does not exist is a usage error (exit 2), not a traceback."""
    assert run("build", "--seeds", "nowhere") == 2
    assert "nowhere: no such folder of seed files" in capsys.readouterr().err


def test_skip_invalid_never_publishes_an_empty_site(project, capsys):
    """With every article invalid, --skip-invalid still fails rather than empty the site."""
    assert run("build") == 0
    for path in (project / "seeds").glob("*.txt"):
        path.write_bytes(BAD_SEED)
    assert run("build", "--skip-invalid") == 1
    assert (project / "public" / "articles").is_dir()


def test_base_url_flag_moves_links_not_ids(project):
    """--base-url changes every URL but not the stable article ids."""
    assert run("build", "--base-url", "https://mirror.example.net/") == 0
    feed = (project / "public" / "feed.json").read_text()
    assert "https://mirror.example.net/articles/" in feed
    assert "test.example.org" not in feed
    assert '"tag:example.org,2025-08-23:' in feed


def test_clean_removes_the_output(project):
    """clean removes a built output folder."""
    assert run("build") == 0
    assert main(["clean"]) == 0
    assert not (project / "public").exists()


def test_serve_uses_feed_content_types(project):
    """The preview server serves the site at base_url's path (/news/), as the host will:
    each feed with its own media type, 404.html when missing, / sent on to /news/."""
    assert run("build") == 0
    server = make_server(project / "public", port=0, root_path="/news/")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    base = origin + "/news/"
    try:
        types = {}
        for path in (
            "rss.xml",
            "atom.xml",
            "feed.json",
            "api/v1/index.json",
            "articles/same-day-as-the-sample/",
        ):
            with urllib.request.urlopen(base + path) as response:
                types[path] = response.headers["Content-Type"]
        for missing_path in ("/news/no/such/page", "/rss.xml", "/newsrss.xml"):
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(origin + missing_path)
            assert missing.value.code == 404, missing_path
            assert b"Page not found" in missing.value.read()
        for start in ("/", "/news"):
            with urllib.request.urlopen(origin + start) as response:  # follows the redirect
                assert response.url == base
                assert b"<h1" in response.read()
        with urllib.request.urlopen(base + "articles/same-day-as-the-sample") as response:
            assert response.url == base + "articles/same-day-as-the-sample/"
    finally:
        server.shutdown()
        server.server_close()
    assert types == {
        "rss.xml": "application/rss+xml; charset=utf-8",
        "atom.xml": "application/atom+xml; charset=utf-8",
        "feed.json": "application/feed+json; charset=utf-8",
        "api/v1/index.json": "application/json; charset=utf-8",
        "articles/same-day-as-the-sample/": "text/html; charset=utf-8",
    }


def test_invoke_tasks_run_the_same_commands(project):
    """invoke build/validate succeed on good seeds and raise Exit(1) on bad ones."""
    tasks.build(Context(), config="site.toml")
    assert (project / "public" / "atom.xml").is_file()
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    with pytest.raises(Exit) as raised:
        tasks.validate(Context(), config="site.toml")
    assert raised.value.code == 1


def test_an_empty_seeds_folder_never_empties_a_built_site(project, capsys):
    """A build that finds no article refuses to replace an output that has some (a
    wrong --seeds, a broken checkout), naming the folder and the count; the output
    stays as it was; --allow-empty empties it on purpose."""
    assert run("build") == 0
    before = snapshot(project / "public")
    (project / "empty").mkdir()
    capsys.readouterr()
    assert run("build", "--seeds", "empty") == 1
    err = capsys.readouterr().err
    assert err.startswith("feeds: empty/ has no article to publish, and public/ holds 3 articles")
    assert "--allow-empty" in err
    assert snapshot(project / "public") == before
    assert run("build", "--seeds", "empty", "--allow-empty") == 0
    assert "built 0 articles" in capsys.readouterr().out


def test_drafts_alone_build_over_an_empty_output(project, capsys):
    """A folder of drafts over no output builds (an empty site is fine where none was)."""
    (project / "drafts").mkdir()
    (project / "drafts" / "_a.txt").write_text("2025-01-01\na-draft\n\nNot yet.\n")
    assert run("build", "--seeds", "drafts") == 0
    assert "built 0 articles" in capsys.readouterr().out


def test_validate_fails_on_a_folder_without_seed_files(project, capsys):
    """validate exits 1 when the folder holds no seed file at all (likely the wrong one)."""
    (project / "empty").mkdir()
    assert run("validate", "--seeds", "empty") == 1
    assert capsys.readouterr().err == "feeds: empty/ holds no seed file (*.txt); check --seeds\n"


def test_validate_reads_the_build_cache_and_writes_nothing(project, monkeypatch, capsys):
    """After a build, validate takes unchanged seeds from the build cache (it parses
    no seed) and leaves the cache as it was; with no build, it creates none."""
    from feeds.build import _reading

    assert run("validate") == 0
    assert not (project / ".feeds-cache").exists()
    assert run("build") == 0
    before = snapshot(project / ".feeds-cache")

    def unparsed(*args: object, **kwargs: object) -> None:
        raise AssertionError("a seed was parsed")

    monkeypatch.setattr(_reading, "read_seed", unparsed)
    assert run("validate") == 0
    assert "3 articles valid" in capsys.readouterr().out
    assert snapshot(project / ".feeds-cache") == before


def test_version_and_help_say_what_feeds_is(capsys):
    """``feeds --version`` prints the installed version; ``--help`` says what the tool
    does (not a developer's docstring) and lists every command."""
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"feeds {version('feeds-publisher')}\n"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "a static feed publisher" in out and "``" not in out
    for command in ("build", "validate", "new", "clean", "serve", "deploy", "rollback", "init"):
        assert f"    {command} " in out


def test_the_distribution_name_is_the_one_pyproject_publishes():
    """The name feeds looks itself up by is pyproject.toml's [project].name, not 'feeds'."""
    import tomllib
    from pathlib import Path

    from feeds._distribution import DISTRIBUTION

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == DISTRIBUTION == "feeds-publisher"


def _invoke(namespace: Collection, *argv: str, capsys) -> str:
    """What ``invoke ARGV`` prints with this collection (80 columns: not a terminal)."""
    Program(namespace=namespace, binary="invoke").run(["invoke", *argv], exit=False)
    return capsys.readouterr().out


def test_invoke_list_shows_every_task_on_one_whole_line(capsys):
    """``invoke --list`` gives each task, the site's and the development ones, one line
    holding its whole summary sentence: none is cut or wrapped at 80 columns."""
    import tasks as repository_tasks

    out = _invoke(repository_tasks.namespace, "--list", capsys=capsys)
    lines = [line for line in out.splitlines()[1:] if line.strip()]
    names = [line.split()[0] for line in lines]
    assert sorted(names) == sorted(repository_tasks.namespace.tasks)
    for line in lines:
        assert line.startswith("  ") and line.endswith(".") and len(line) <= 80, line


def test_site_tasks_have_one_definition():
    """This repository's tasks are the site collection's own task objects plus the
    development tasks: ``invoke build`` is the same code here and in every site."""
    import tasks as repository_tasks

    mine = repository_tasks.namespace.tasks
    for name, site_task in tasks.namespace.tasks.items():
        assert mine[name] is site_task
    assert {"test", "lint", "format", "golden", "bench"} <= set(mine) - set(tasks.namespace.tasks)


def test_invoke_new_help_lists_only_what_new_takes(tmp_path, monkeypatch, capsys):
    """``invoke new --help`` shows new's own options, each with its help, and writes
    nothing (invoke would otherwise take '--help' for the headline)."""
    for argv in (["new", "--help"], ["--help", "new"]):
        out = _invoke(tasks.namespace, *argv, capsys=capsys)
        options = [line.split()[0] for line in out.splitlines() if line.startswith("  --")]
        assert options == ["--config=STRING", "--headline=STRING", "--seeds=STRING"], argv
        assert "the article's headline" in out and "time zone" in out
    assert list(tmp_path.iterdir()) == []


def test_feeds_new_takes_no_option_it_ignores(capsys):
    """``feeds new --help`` offers the seeds folder and the configuration, not an
    output folder or a base URL that a draft never uses."""
    with pytest.raises(SystemExit):
        main(["new", "--help"])
    out = capsys.readouterr().out
    assert "--seeds" in out and "--config" in out
    assert "--output" not in out and "--base-url" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "--config", "bad.toml"],  # two bad keys: two lines
        ["build", "--jobs", "many"],  # a usage error
        ["frobnicate"],
        ["new", "Leaders Meet", "--config", "site.toml"],  # the hint after a draft
        ["deploy", "--config", "site.toml"],  # no target
    ],
)
def test_every_message_without_a_file_starts_with_feeds(project, capsys, argv):
    """Each line on stderr that names no seed file says it comes from feeds (the usage
    line aside), a multi-line configuration error included."""
    (project / "bad.toml").write_text(
        "title = 'x'\nbase_url = 'https://e.com/'\nfeed_limt = 1\npage_sise = 2\n"
    )
    with contextlib.suppress(SystemExit):
        main(argv)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    messages = [line for line in lines if not line.startswith(("usage:", " "))]
    assert messages and all(line.startswith("feeds: ") for line in messages), lines


def test_a_refused_first_build_leaves_nothing_behind(project, capsys):
    """A first build refused for a bad article leaves no output, no build cache, no
    remembered configuration and no compiled templates: only the lock file beside it."""
    before = {path.name for path in project.iterdir()}
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    assert run("build") == 1
    assert {path.name for path in project.iterdir()} == before | {".public.lock"}


def test_a_refused_build_leaves_the_cache_as_it_was(project, capsys):
    """A build refused for a bad article, or for emptying a built site, changes no file
    of the build cache and adds none."""
    assert run("build") == 0
    cache = project / ".feeds-cache"
    before = snapshot(cache), sorted(path.name for path in cache.rglob("*"))
    (project / "empty").mkdir()
    assert run("build", "--seeds", "empty") == 1
    (project / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    assert run("build") == 1
    assert (snapshot(cache), sorted(path.name for path in cache.rglob("*"))) == before


def test_the_summary_counts_scheduled_articles_and_drafts(project, capsys):
    """A build's summary says how many articles it held back, scheduled or drafts,
    a build with nothing to do as well."""
    (project / "seeds" / "_unfinished.txt").write_text("2025-01-01\nunfinished\n\nNot yet.\n")
    (project / "seeds" / "later.txt").write_text("2099-01-01\nlater\n\nNot yet either.\n")
    for _ in range(2):
        assert run("build") == 0
        out = capsys.readouterr().out.strip()
        assert out.startswith("built 3 articles, ")
        assert out.endswith(" -> public/; not published yet: 1 scheduled, 1 draft")
    assert "(0 written, 0 deleted)" in out


@pytest.mark.parametrize("ci", [None, "true"])
def test_a_long_build_shows_progress_on_a_terminal_only(project, monkeypatch, ci):
    """On a terminal a build that runs long (here: at once) shows what it is doing on
    one line, erased before the summary; in CI, or piped, nothing but the summary."""
    import io
    import os
    import pty
    import select

    from feeds.build import _progress

    monkeypatch.setattr(_progress, "SHOW_AFTER", 0.0)
    if ci:
        monkeypatch.setenv("CI", ci)
    else:
        monkeypatch.delenv("CI", raising=False)
    controller, terminal = pty.openpty()
    with os.fdopen(terminal, "w", closefd=True) as stream:
        monkeypatch.setattr(sys, "stderr", stream)
        assert run("build") == 0
        stream.flush()
        shown = b""
        while select.select([controller], [], [], 0.2)[0]:
            shown += os.read(controller, 65536)
    os.close(controller)
    if ci:
        assert shown == b""
    else:
        assert b"feeds: rendering " in shown and b"feeds: writing" in shown
        assert shown.endswith(b"\r\x1b[K")
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert run("build", "--no-cache") == 0
    assert "feeds: " not in sys.stderr.getvalue()
