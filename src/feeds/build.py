"""The pipeline: seeds → articles → every renderer → one atomic write.

``build`` wires the pure steps together and is the only place that decides
what a bad article means for a run: fail (default) or skip it
(``skip_invalid``). Rendering finishes completely before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feeds._seeds import load_seeds
from feeds._timeline import newest_first
from feeds._write import write_tree
from feeds.errors import SeedError, SeedErrors, WriteError
from feeds.models import Article, Site
from feeds.render import Tree
from feeds.render.api import render_api
from feeds.render.feeds import render_feeds
from feeds.render.html import render_html
from feeds.render.jsonfeed import render_json_feed

Renderer = Callable[[Site, Sequence[Article]], Tree]
RENDERERS: tuple[Renderer, ...] = (render_feeds, render_json_feed, render_api, render_html)


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    output: Path
    articles: int
    files: int
    seconds: float
    problems: list[SeedError] = field(default_factory=list)

    def summary(self) -> str:
        """``built 1 article, 9 files, 0.21 s -> public/``"""
        plural = "" if self.articles == 1 else "s"
        return (
            f"built {self.articles} article{plural}, {self.files} files, "
            f"{self.seconds:.2f} s -> {self.output}/"
        )


def read_articles(seeds: Path, site: Site) -> tuple[list[Article], list[SeedError]]:
    """Every valid article, newest first, and every problem found."""
    articles, problems = load_seeds(seeds, site)
    return newest_first(articles), problems


def render_site(site: Site, articles: Sequence[Article]) -> Tree:
    """Run every renderer; two renderers claiming one path is a bug."""
    tree: Tree = {}
    for renderer in RENDERERS:
        for path, data in renderer(site, articles).items():
            if path in tree:
                raise WriteError(f"{path} would be written twice ({renderer.__name__})")
            tree[path] = data
    return tree


def build(seeds: Path, output: Path, site: Site, *, skip_invalid: bool = False) -> BuildReport:
    """Build ``output`` from ``seeds``; raise SeedErrors (unless skipping) before writing."""
    started = time.perf_counter()
    articles, problems = read_articles(seeds, site)
    if problems and not skip_invalid:
        raise SeedErrors(problems)
    tree = render_site(site, articles)
    write_tree(tree, output)
    return BuildReport(output, len(articles), len(tree), time.perf_counter() - started, problems)
