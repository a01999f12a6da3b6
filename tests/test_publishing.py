"""The publishing workflow: scheduled articles, drafts, and `feeds new`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds._dates import MONTH_NAMES
from feeds.build import build
from feeds.cli import main
from tests.conftest import SITE_CONFIG, snapshot, test_site

FUTURE = "2031-05-01\nnews-from-the-future\n\nNot yet.\n"


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "now.txt").write_text("2025-01-01\nnews-of-today\n\nToday.\n")
    (folder / "later.txt").write_text(FUTURE)
    (folder / "_draft.txt").write_text("2024-01-01\na-draft\n\nNot ready.\n")
    return folder


def test_scheduled_article_waits_for_its_date(seeds, tmp_path):
    """An article dated in the future is published only once 'now' has passed its date."""
    before = datetime(2031, 4, 30, tzinfo=UTC)
    after = datetime(2031, 5, 2, tzinfo=UTC)
    build(seeds, tmp_path / "a", test_site(), now=before)
    assert not (tmp_path / "a" / "articles" / "news-from-the-future").exists()
    build(seeds, tmp_path / "a", test_site(), now=after)
    assert (tmp_path / "a" / "articles" / "news-from-the-future" / "index.html").is_file()


def test_now_never_appears_in_the_output(seeds, tmp_path):
    """Two builds with different 'now' but the same published set are byte-identical."""
    build(seeds, tmp_path / "a", test_site(), now=datetime(2026, 1, 1, tzinfo=UTC))
    build(seeds, tmp_path / "b", test_site(), now=datetime(2030, 6, 1, tzinfo=UTC))
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_cached_build_notices_a_scheduled_article_falling_due(seeds, tmp_path):
    """With nothing else changed, a rebuild after the date publishes the article."""
    output = tmp_path / "public"
    build(seeds, output, test_site(), now=datetime(2031, 4, 30, tzinfo=UTC))
    report = build(seeds, output, test_site(), now=datetime(2031, 5, 2, tzinfo=UTC))
    assert report.articles == 2


def test_drafts_are_validated_but_never_published(seeds, tmp_path):
    """A file named _something.txt is checked but never reaches the output."""
    build(seeds, tmp_path / "public", test_site(), now=datetime(2040, 1, 1, tzinfo=UTC))
    assert not (tmp_path / "public" / "articles" / "a-draft").exists()
    (seeds / "_draft.txt").write_text("someday\na-draft\n\nNot ready.\n")
    with pytest.raises(Exception, match="unreadable date 'someday'"):
        build(seeds, tmp_path / "public", test_site())


def test_validate_lists_scheduled_and_drafts(seeds, capsys, monkeypatch):
    """validate names each scheduled article with its date, and each draft."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    code = main(["validate", "--seeds", str(seeds), "--config", str(SITE_CONFIG)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"scheduled: {seeds}/later.txt goes live 2031-05-01T00:00:00+02:00" in out
    assert f"draft: {seeds}/_draft.txt" in out
    assert "1 article valid, " in out


def test_new_writes_a_valid_draft_and_refuses_to_overwrite(tmp_path, capsys, monkeypatch):
    """`feeds new` writes the draft seeds/_<slug>.txt dated today, which validates and is
    not published until renamed; it never overwrites a draft or a published article."""
    monkeypatch.chdir(tmp_path)
    argv = ["new", "Leaders Meet in Tokyo!", "--config", str(SITE_CONFIG)]
    assert main(argv) == 0
    printed = capsys.readouterr()
    path = Path(printed.out.strip())
    assert path == Path("seeds/_leaders-meet-in-tokyo.txt")
    assert "rename it to seeds/leaders-meet-in-tokyo.txt" in printed.err
    lines = path.read_text().splitlines()
    today = datetime.now(test_site().zone).date()
    assert lines[0] == f"{today.day} {MONTH_NAMES[today.month - 1]}, {today.year}"
    assert lines[1:3] == ["leaders-meet-in-tokyo", "title: Leaders Meet in Tokyo!"]
    assert main(["validate", "--config", str(SITE_CONFIG)]) == 0
    assert "0 articles valid, " in capsys.readouterr().out
    assert main(argv) == 1
    assert "seeds/_leaders-meet-in-tokyo.txt has the slug" in capsys.readouterr().err
    path.rename("seeds/leaders-meet-in-tokyo.txt")
    assert main(["validate", "--config", str(SITE_CONFIG)]) == 0
    assert "1 article valid, " in capsys.readouterr().out
    assert main(argv) == 1
    assert "seeds/leaders-meet-in-tokyo.txt already exists" in capsys.readouterr().err
    Path("seeds/2024").mkdir()
    Path("seeds/leaders-meet-in-tokyo.txt").rename("seeds/2024/tokyo.txt")
    assert main(argv) == 1, "the slug is taken by an article in a sub-folder"
    assert "seeds/2024/tokyo.txt has the slug 'leaders-meet-in-tokyo'" in capsys.readouterr().err
    assert main(["new", "Another Headline", "--config", str(SITE_CONFIG)]) == 0
