"""``feeds init``: a new site's repository that builds, checks and publishes as written."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from feeds._distribution import DISTRIBUTION
from feeds._scaffold import FILES
from feeds.cli import main
from tests.conftest import snapshot

ROOT = Path(__file__).parent.parent
TITLE = 'Example "News" & Co'
BASE_URL = "https://news.example.com"


def init(folder: Path, *options: str) -> int:
    return main(["init", str(folder), "--title", TITLE, "--base-url", BASE_URL, *options])


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A new site written by feeds init into an empty git repository, as the working folder."""
    folder = tmp_path / "example-news"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    assert init(folder) == 0
    monkeypatch.chdir(folder)
    return folder


def test_init_writes_a_site_that_builds(site, capsys):
    """feeds init writes every file it lists into an empty git repository, and the
    site builds and validates at once: one article, the given title and URL."""
    written = sorted(
        path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()
    )
    assert [name for name in written if not name.startswith(".git/")] == sorted(FILES)
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert "1 article valid, 0 scheduled, 0 drafts" in capsys.readouterr().out
    assert main(["build"]) == 0
    assert capsys.readouterr().out.startswith("built 1 article, ")
    home = (site / "public" / "index.html").read_text()
    assert "Example &#34;News&#34; &amp; Co" in home or "Example &quot;News&quot; &amp; Co" in home
    feed = (site / "public" / "feed.json").read_text()
    assert '"https://news.example.com/articles/welcome/"' in feed


def test_the_site_tasks_are_one_line_away(site):
    """The site's tasks.py is one line, and invoke lists the site tasks from it."""
    assert (site / "tasks.py").read_text().count("\n") == 1
    done = subprocess.run(
        [str(Path(sys.executable).parent / "invoke"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = [line.split()[0] for line in done.stdout.splitlines()[2:] if line.strip()]
    assert listed == ["build", "clean", "deploy", "new", "rollback", "serve", "validate"]


def test_the_configuration_pins_this_feeds(site):
    """pyproject.toml holds the site (title, canonical base URL, an id authority kept
    when the URL moves) and requires exactly this version of the distribution."""
    pyproject = tomllib.loads((site / "pyproject.toml").read_text())
    assert pyproject["tool"]["feeds"]["title"] == TITLE
    assert pyproject["tool"]["feeds"]["base_url"] == "https://news.example.com/"
    assert pyproject["tool"]["feeds"]["id_authority"] == "news.example.com"
    version = metadata.version(DISTRIBUTION)
    assert pyproject["project"]["dependencies"] == [f"{DISTRIBUTION}=={version}"]


def test_requirements_pin_what_publishing_needs_and_nothing_else(site):
    """requirements.txt pins the distribution and each of its dependencies, recursively,
    at the versions installed here, and none of the test tools."""
    lines = [
        line for line in (site / "requirements.txt").read_text().splitlines() if line[:1] != "#"
    ]
    assert lines[0] == f"{DISTRIBUTION}=={metadata.version(DISTRIBUTION)}"
    pins = dict(line.split("==") for line in lines[1:])
    for name, version in pins.items():
        assert metadata.version(name) == version
    names = {re.sub(r"[-_.]+", "-", name).lower() for name in pins}
    assert {"boto3", "botocore", "pydantic", "pydantic-core", "jinja2", "invoke", "six"} <= names
    assert not names & {"pytest", "moto", "playwright", "mypy", "ruff", "hypothesis"}


def test_init_refuses_to_overwrite_naming_the_files(tmp_path, capsys):
    """In a folder that holds a file init would write, it names that file, writes
    nothing, and exits 2; other files are never in its way."""
    (tmp_path / "README.md").write_text("mine\n")
    (tmp_path / "LICENSE").write_text("mine\n")
    before = snapshot(tmp_path)
    assert init(tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"feeds: {tmp_path / 'README.md'} already exists;")
    assert snapshot(tmp_path) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["LICENSE", "README.md"]


def test_init_without_a_terminal_needs_title_and_url(tmp_path, monkeypatch, capsys):
    """Without --title or --base-url, and no terminal to ask on, init says which it
    needs; a base URL that is not one is refused as the configuration would be."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["init", str(tmp_path), "--title", "News"]) == 2
    assert capsys.readouterr().err == (
        "feeds: init needs --base-url; there is no terminal to ask on\n"
    )
    assert main(["init", str(tmp_path), "--title", "News", "--base-url", "news.example"]) == 2
    assert "feeds: configuration: base_url: 'news.example' is not an absolute" in (
        capsys.readouterr().err
    )
    assert list(tmp_path.iterdir()) == []


def test_init_asks_on_a_terminal_until_the_answers_are_valid(tmp_path, monkeypatch):
    """On a terminal init asks for what is missing, and asks again for a bad URL."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["Example News", "example.com", "https://example.com/news/"])
    asked: list[str] = []
    errors = io.StringIO()
    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setattr(sys, "stderr", errors)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or next(answers))
    assert main(["init", str(tmp_path)]) == 0
    assert [prompt.split()[0] for prompt in asked] == ["Site", "Public", "Public"]
    assert "base_url: 'example.com' is not an absolute" in errors.getvalue()
    configuration = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["feeds"]
    assert configuration["base_url"] == "https://example.com/news/"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "git+https://github.com/example/feeds@v0.2.0",
            "@ git+https://github.com/example/feeds@v0.2.0",
        ),
        (f"{DISTRIBUTION}>=0.1,<0.2", ">=0.1,<0.2"),
        ("checkout", "@ file:///"),
    ],
)
def test_the_requirement_can_name_another_feeds(tmp_path, given, expected):
    """--requirement records a git URL, a version range or a local checkout (as a file
    URL) instead of this version, in pyproject.toml and requirements.txt alike."""
    if given == "checkout":
        given = str(ROOT)
    assert init(tmp_path / "site", "--requirement", given) == 0
    pyproject = tomllib.loads((tmp_path / "site" / "pyproject.toml").read_text())
    (requirement,) = pyproject["project"]["dependencies"]
    assert requirement.startswith(f"{DISTRIBUTION} {expected}".replace(" >", ">"))
    lines = (tmp_path / "site" / "requirements.txt").read_text().splitlines()
    assert requirement in lines


def test_a_requirement_that_is_nothing_is_refused(tmp_path, capsys):
    """--requirement naming another project, or a missing path, is refused, and nothing
    is written."""
    for given in ("feeds==1.0", "no/such/wheel.whl"):
        assert init(tmp_path / "site", "--requirement", given) == 2
        assert "is neither a requirement on feeds-publisher" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


# ---------------------------------------------------------------------------
# The new site installed as a newsroom would, and its workflow run as GitHub would.


@pytest.fixture(scope="module")
def installed_site(tmp_path_factory):
    """A site written by feeds init with --requirement naming this checkout (so that no
    package index is asked for an unpublished name), committed to git, and a fresh
    virtual environment outside it with the site's requirements.txt installed."""
    root = tmp_path_factory.mktemp("installed")
    checkout = root / "checkout"  # what pip builds: this checkout's files, none left over
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(
        ROOT / "src", checkout / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    site = root / "site"
    assert init(site, "--requirement", str(checkout)) == 0
    _git(site, "init", "-q")
    _git(site, "add", ".")
    _git(site, "commit", "-q", "-m", "feeds init")
    venv = root / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode:
        pytest.skip(f"no virtual environment can be made here: {made.stderr.strip()[-200:]}")
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", "requirements.txt"], site
    )
    return site, venv


def _git(folder: Path, *arguments: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", *identity, "-C", str(folder), *arguments], check=True)


def _environment(venv: Path, **extra: str) -> dict[str, str]:
    """This process's environment without its venv, FEEDS_* or AWS_* variables, the
    site's venv first on PATH (as setup-python puts its Python), and ``extra``."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FEEDS_", "AWS_", "VIRTUAL_ENV", "PYTHON"))
    }
    path = os.pathsep.join([str(venv / "bin"), kept.get("PATH", "/usr/bin:/bin")])
    return {**kept, "PATH": path, **extra}


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_a_new_site_installs_and_builds_in_a_fresh_environment(installed_site, tmp_path):
    """In a fresh clone of the new site, with only its requirements.txt installed in a
    new virtual environment, the site's own 'invoke validate' and 'invoke build' work;
    what got installed is exactly what requirements.txt pins."""
    site, venv = installed_site
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(site), str(clone))
    env = _environment(venv, CI="true")
    invoke = str(venv / "bin" / "invoke")
    assert "1 article valid" in _run([invoke, "validate"], clone, env)
    assert "built 1 article, " in _run([invoke, "build"], clone, env)
    assert (clone / "public" / "articles" / "welcome" / "index.html").is_file()
    frozen = _run([str(venv / "bin" / "python"), "-m", "pip", "freeze"], clone, env).split()
    pinned = [line for line in (site / "requirements.txt").read_text().splitlines()[4:]]
    assert sorted(_normal(line) for line in frozen if "==" in line) == sorted(map(_normal, pinned))
    other = tmp_path / "other"  # the installed feeds can start a site too (its texts ship)
    feeds = str(venv / "bin" / "feeds")
    _run([feeds, "init", str(other), "--title", "Other", "--base-url", BASE_URL], tmp_path, env)
    assert sorted(FILES) == sorted(
        path.relative_to(other).as_posix() for path in other.rglob("*") if path.is_file()
    )


def _normal(pin: str) -> str:
    name, _, version = pin.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 API (moto's server) on a free port of 127.0.0.1, for this module."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _steps(workflow: Path, job: str) -> list[dict[str, object]]:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load(workflow.read_text())
    steps: list[dict[str, object]] = document["jobs"][job]["steps"]
    return steps


def run_workflow(
    steps: list[dict[str, object]],
    folder: Path,
    env: dict[str, str],
    secrets: dict[str, str],
    seconds: dict[str, float],
) -> dict[str, str]:
    """Run each step's ``run:`` script in order, in ``folder``, as GitHub's runner does
    (bash -eo pipefail, the step's env with its secrets filled in); skip the ``uses:``
    steps. Each step's output, by name; each one's time goes into ``seconds``."""
    outputs = {}
    for step in steps:
        if "run" not in step:
            continue
        script = str(step["run"])
        assert "${{" not in script, "an expression in a script is a template injection"
        step_env = {}
        for name, value in dict(step.get("env", {})).items():  # type: ignore[call-overload]
            found = re.fullmatch(r"\$\{\{\s*secrets\.(\w+)\s*\}\}", str(value))
            assert found, f"{name}: only secrets are expected in a step's env"
            step_env[name] = secrets.get(found.group(1), "")
        argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script]
        started = time.perf_counter()
        outputs[str(step["name"])] = _run(argv, folder, {**env, **step_env})
        seconds[str(step["name"])] = time.perf_counter() - started
    return outputs


def test_the_publish_workflow_publishes_then_costs_nothing_when_nothing_changed(
    installed_site, s3_endpoint, tmp_path
):
    """The site's publish workflow, its scripts run in order in a fresh clone against an
    S3 API on 127.0.0.1, publishes the site; run again in a fresh clone with the build
    cache and public/ kept (as the Actions cache restores them), it writes no file and
    uploads none."""
    import boto3

    from tests.deploy_support import FAKE_KEY_ID, FAKE_SECRET, FaultProxy, new_bucket

    site, venv = installed_site
    steps = _steps(site / ".github" / "workflows" / "publish.yml", "publish")
    proxy = FaultProxy(s3_endpoint)  # forwards every request, and counts them
    secrets = {
        "AWS_ACCESS_KEY_ID": FAKE_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_ENDPOINT_URL_S3": proxy.url,
        "AWS_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=FAKE_KEY_ID,
        aws_secret_access_key=FAKE_SECRET,
    )
    secrets["FEEDS_DEPLOY__TARGET"] = f"s3://{new_bucket(client)}/site"
    summary = tmp_path / "step-summary.md"
    env = _environment(
        venv,
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
    )
    clone = tmp_path / "runner" / "site"  # one path, as on the runner
    kept = tmp_path / "actions-cache"
    try:
        _git(tmp_path, "clone", "-q", str(site), str(clone))
        first = run_workflow(steps, clone, env, secrets, {})
        assert first["Build"].startswith("built 1 article, ")
        assert proxy.puts > 20
        assert "feeds: hint: bucket " in first["Deploy"]  # no CORS rule: the one-time step
        # Between runs: a new clone, with what the cache step restores.
        kept.mkdir()
        for name in (".feeds-cache", "public"):
            (clone / name).rename(kept / name)
        _remove(clone)
        _git(tmp_path, "clone", "-q", str(site), str(clone))
        for name in (".feeds-cache", "public"):
            (kept / name).rename(clone / name)
        proxy.requests = proxy.puts = 0
        times: dict[str, float] = {}
        second = run_workflow(steps, clone, env, secrets, times)
    finally:
        proxy.close()
    cost = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in times.items())
    print(f"a run with nothing new: {cost}; {proxy.requests} requests to S3, {proxy.puts} PUT")
    print(second["Deploy"])
    assert "1 article valid" in second["Validate"]
    assert "(0 written, 0 deleted)" in second["Build"]
    assert "uploaded 0 " in second["Deploy"] and "hint" not in second["Deploy"]
    assert proxy.puts == 0
    assert summary.read_text().count("### feeds deploy to ") == 2


def _remove(folder: Path) -> None:
    shutil.rmtree(folder)
