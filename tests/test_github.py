"""GitHub Actions: problem annotations, the deploy's step summary, and the workflow file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feeds.cli import annotation, main
from feeds.errors import SeedError
from tests.conftest import SEEDS, SITE_CONFIG

WORKFLOW = Path(__file__).parent.parent / ".github" / "workflows" / "publish.yml"
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
    """feeds deploy appends a Markdown table to $GITHUB_STEP_SUMMARY; a dry run does not."""
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
    rows = [line for line in text.splitlines() if line.startswith("| ") and "uploaded" not in line]
    files = len([path for path in (tmp_path / "public").rglob("*") if path.is_file()]) - 1
    assert rows[0].startswith(f"| {files} (") and rows[0].endswith(" s |")
    assert rows[1].startswith(f"| 0 (0 B) | {files} | 0 | ")
    assert text.count("| uploaded | unchanged | deleted | time |") == 2


def test_workflow_tests_builds_and_deploys_on_push_and_schedule():
    """The workflow runs on pushes to main and a cron; installs, tests, builds and deploys."""
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as True
    assert triggers["push"]["branches"] == ["main"] and triggers["schedule"][0]["cron"]
    steps = workflow["jobs"]["publish"]["steps"]
    python = next(step for step in steps if step.get("uses", "").startswith("actions/setup-py"))
    assert python["with"]["python-version"] == "3.11"
    runs = [step.get("run", "") for step in steps]
    assert runs.index("pip install -e '.[test]'") < runs.index("invoke test")
    assert runs.index("invoke test") < runs.index("invoke build")
    deploy = steps[-1]
    assert "invoke deploy" in deploy["run"]
    secrets = {name: value for name, value in deploy["env"].items() if "secrets." in value}
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "FEEDS_DEPLOY__TARGET"} <= set(secrets)
    assert all(value.startswith("${{ secrets.") for value in secrets.values())
