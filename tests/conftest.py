"""Shared fixtures: the test site, its seeds, and a built tree."""

from __future__ import annotations

import locale
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from feeds.build._reading import read_articles
from feeds.build._units import render_site
from feeds.config import load_site
from feeds.models import Article, Site
from feeds.render import Tree

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"
SITE_CONFIG = DATA / "site" / "feeds.toml"
SAMPLE = SEEDS / "000_b12bc7ca86569cfe.txt"


@pytest.fixture(autouse=True)
def _no_feeds_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's FEEDS_* variables out of every test."""
    import os

    for name in list(os.environ):
        if name.startswith("FEEDS_"):
            monkeypatch.delenv(name)


def test_site() -> Site:
    """The site of tests/data/site/feeds.toml."""
    return load_site(pyproject=None, config_file=SITE_CONFIG)


test_site.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def site() -> Site:
    return test_site()


@pytest.fixture
def articles(site: Site) -> list[Article]:
    reading = read_articles(SEEDS, site)
    assert reading.problems == []
    return reading.articles


@pytest.fixture
def tree(site: Site, articles: list[Article]) -> Tree:
    return render_site(site, articles)


@pytest.fixture
def german_locale() -> Callable[[], AbstractContextManager[None]]:
    """A context that switches the process to a German locale (skips where none is installed)."""
    try:
        previous = locale.setlocale(locale.LC_ALL)
        locale.setlocale(locale.LC_ALL, "de_DE.UTF-8")
        locale.setlocale(locale.LC_ALL, previous)
    except locale.Error:
        pytest.skip("locale de_DE.UTF-8 is not installed (.ci/run installs it)")

    @contextmanager
    def switched() -> Iterator[None]:
        locale.setlocale(locale.LC_ALL, "de_DE.UTF-8")
        try:
            yield
        finally:
            locale.setlocale(locale.LC_ALL, previous)

    return switched


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def make_site(**changes: object) -> Site:
    """The test site with some settings changed (validated like a real configuration)."""
    return Site.model_validate({**test_site().model_dump(), **changes})
