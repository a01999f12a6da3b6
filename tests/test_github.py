"""GitHub Actions: problem annotations, the deploy's step summary, and the workflows."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from feeds.cli import annotation, main
from feeds.errors import SeedError
from tests.conftest import SEEDS, SITE_CONFIG

ROOT = Path(__file__).parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
SCAFFOLD = ROOT / "src" / "feeds" / "scaffold"
BAD_SEED = b"30 February, 2025\nBad Slug\n\nBody.\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The test seeds plus one bad file, as the working directory."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(SITE_CONFIG, tmp_path / "site.toml")
    (tmp_path / "seeds" / "bad.txt").write_bytes(BAD_SEED)
    (tmp_path / "seeds" / "empty.txt").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("command", ["validate", "build"])
def test_problems_become_annotations_on_github(project, monkeypatch, capsys, command):
    """With GITHUB_ACTIONS=true each problem is also an ::error line (no line for a whole file)."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main([command, "--config", "site.toml"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "::error file=seeds/bad.txt,line=1::impossible date '30 February, 2025': "
        "February 2025 has 28 days",
        "::error file=seeds/bad.txt,line=2::slug 'Bad Slug' is not URL-safe; use 'bad-slug'",
        "::error file=seeds/empty.txt::file is empty; an article starts with a date line "
        "like '23 August, 2025'",
    ]


def test_skip_invalid_build_annotates_too(project, monkeypatch, capsys):
    """A --skip-invalid build that succeeds still annotates each problem."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["build", "--skip-invalid", "--config", "site.toml"]) == 0
    assert "::error file=seeds/bad.txt,line=2::" in capsys.readouterr().out


def test_no_annotations_outside_github(project, monkeypatch, capsys):
    """Without GITHUB_ACTIONS=true nothing but the plain problems is printed."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["validate", "--config", "site.toml"]) == 1
    assert "::error" not in capsys.readouterr().out


def test_annotation_escapes_workflow_command_characters():
    """'%', CR and LF are escaped in the message; ',' and ':' too in the file property."""
    problem = SeedError("seeds/a,b:c%.txt", 3, "100% wrong:\r\nsecond line, still")
    assert annotation(problem) == (
        "::error file=seeds/a%2Cb%3Ac%25.txt,line=3::100%25 wrong:%0D%0Asecond line, still"
    )


def test_deploy_appends_a_step_summary(tmp_path, monkeypatch, capsys):
    """feeds deploy appends a Markdown table to $GITHUB_STEP_SUMMARY (new and changed
    files apart); a dry run does not."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(SITE_CONFIG, tmp_path / "site.toml")
    monkeypatch.chdir(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["build", "--config", "site.toml"]) == 0
    deploy = ["deploy", "--config", "site.toml", "--target", str(tmp_path / "srv")]
    assert main([*deploy, "--dry-run"]) == 0
    assert summary.read_text() == "earlier step\n"
    assert main(deploy) == 0
    assert main(deploy) == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n### feeds deploy to ")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "new" not in line]
    files = len([path for path in (tmp_path / "public").rglob("*") if path.is_file()]) - 1
    assert rows[0].startswith(f"| {files} | 0 | 0 | 0 | ") and rows[0].endswith(" s |")
    assert rows[1].startswith(f"| 0 | 0 | {files} | 0 | 0 B | ")
    assert text.count("| new | changed | unchanged | deleted | sent | time |") == 2


def _workflow(path: Path) -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(path.read_text())


def _secrets_by_step(workflow: dict) -> dict[str, list[str]]:
    """The secrets each step names, by step name; '(job)' and '(workflow)' for env above."""
    found: dict[str, list[str]] = {}
    found["(workflow)"] = [v for v in workflow.get("env", {}).values() if "secrets." in str(v)]
    for job in workflow["jobs"].values():
        found["(job)"] = [v for v in job.get("env", {}).values() if "secrets." in str(v)]
        for step in job["steps"]:
            text = repr(step)
            found[step.get("name", step.get("uses", ""))] = re.findall(r"secrets\.(\w+)", text)
    return {name: names for name, names in found.items() if names}


@pytest.mark.parametrize(
    "path",
    [WORKFLOWS / "publish.yml", SCAFFOLD / "publish.yml.in"],
    ids=["this repository", "feeds init"],
)
def test_publishing_installs_builds_and_deploys_without_the_tests(path):
    """A publish workflow runs on pushes to main, a cron and by hand; installs no test
    tool and every version pinned; validates, builds and deploys, never runs the
    tests; and only the deploy step sees a secret."""
    workflow = _workflow(path)
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as True
    assert triggers["push"]["branches"] == ["main"] and triggers["schedule"][0]["cron"]
    assert "workflow_dispatch" in triggers
    steps = workflow["jobs"]["publish"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    install = runs[0]
    assert "[test]" not in install and "requirements" in install
    assert runs[1:] == ["invoke validate", "invoke build", runs[-1]]
    assert "invoke deploy" in runs[-1] and "test" not in " ".join(runs)
    assert _secrets_by_step(workflow) == {
        "Deploy": [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "FEEDS_DEPLOY__TARGET",
            "AWS_ENDPOINT_URL_S3",
            "AWS_REGION",
        ]
    }
    for step in steps:  # every action pinned to a commit
        if "uses" in step:
            assert re.fullmatch(
                r"actions/[\w/-]+@[0-9a-f]{40}|actions/[\w/-]+@__\w+__", step["uses"]
            )


def test_publishing_restores_the_last_build_and_saves_only_a_new_one():
    """The build cache and public/ come from the Actions cache, keyed on the sources;
    the save step runs only when that key was not found (a run with nothing new saves
    nothing), after the build and before the deploy."""
    steps = _workflow(SCAFFOLD / "publish.yml.in")["jobs"]["publish"]["steps"]
    names = [step.get("name") for step in steps]
    restore, save = (
        steps[names.index("Restore the last build")],
        steps[names.index("Save the build")],
    )
    assert (
        restore["with"]["path"].split()
        == save["with"]["path"].split()
        == [".feeds-cache", "public"]
    )
    assert "hashFiles('seeds/**'" in restore["with"]["key"]
    assert save["if"] == "steps.restore.outputs.cache-hit != 'true'"
    assert names.index("Build") < names.index("Save the build") < names.index("Deploy")


def test_a_pull_request_is_validated_and_built_without_secrets():
    """A site's pull-request workflow validates and builds, and names no secret."""
    workflow = _workflow(SCAFFOLD / "check.yml.in")
    assert set(workflow[True]) == {"pull_request"}
    runs = [step["run"] for step in workflow["jobs"]["check"]["steps"] if "run" in step]
    assert runs[1:] == ["invoke validate", "invoke build"]
    assert "secrets." not in (SCAFFOLD / "check.yml.in").read_text()


def test_this_repository_tests_and_lints_in_its_own_workflow():
    """The tests, the lint and the workflow checks run in tests.yml, on pushes and pull
    requests, with the test tools; publishing does not wait for them."""
    workflow = _workflow(WORKFLOWS / "tests.yml")
    assert {"push", "pull_request"} <= set(workflow[True])
    runs = [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]
    assert "python -m pip install -e '.[test]'" in runs
    assert {"invoke test", "invoke lint", "invoke workflows"} <= set(runs)
