"""The pipeline: seeds → articles → renderers → the writer, with a build cache.

    read      each seed file is hashed; unchanged ones come from the cache,
              the rest are parsed (in worker processes when there are many)
    order     one timeline, newest first, times made distinct (_timeline)
    render    per-article outputs (page, JSON document) only for articles whose
              render key changed; site-wide outputs (feeds, lists, home page)
              every time: they cost O(feed_limit) or O(N / page_size)
    write     TreeWriter stages what differs from the output and commits it

Rendering finishes before anything in the output changes. ``build`` is the only
place that decides what a bad article means for a run: fail (default) or skip
it (``skip_invalid``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from feeds._cache import (
    BuildCache,
    build_scope,
    cache_path,
    render_key,
    seed_hash,
    seeds_fingerprint,
)
from feeds._headers import HEADERS_PATH, render_headers_file
from feeds._parallel import default_jobs, ordered_map
from feeds._seeds import read_seed, scan_seeds, settle
from feeds._timeline import newest_first
from feeds._write import TreeWriter, digest, previous_build
from feeds.errors import ConfigError, SeedError, SeedErrors, WriteError
from feeds.models import Article, Site
from feeds.render import Tree
from feeds.render.api import render_api, render_article_document
from feeds.render.channels import (
    archive_jobs,
    feed_id,
    render_archive_page,
    render_subscription_feeds,
)
from feeds.render.crawlers import render_redirects, render_robots, render_sitemap
from feeds.render.html import render_article_page, render_pages
from feeds.render.openapi import render_openapi
from feeds.render.site_pages import render_not_found, render_subscribe_page

ArticleRenderer = Callable[[Site, Article], Tree]
SiteRenderer = Callable[[Site, Sequence[Article]], Tree]
ARTICLE_RENDERERS: tuple[ArticleRenderer, ...] = (render_article_page, render_article_document)
SITE_RENDERERS: tuple[SiteRenderer, ...] = (
    render_subscription_feeds,
    render_api,
    render_pages,
    render_sitemap,
    render_robots,
    render_redirects,
    render_not_found,
    render_subscribe_page,
    render_openapi,
)
# A unit of rendering that the cache can skip: (cache name, render key, job).
Unit = tuple[str, str, tuple[Any, ...]]


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    output: Path
    articles: int
    files: int
    seconds: float
    written: int = 0
    deleted: int = 0
    problems: list[SeedError] = field(default_factory=list)

    def summary(self) -> str:
        """``built 1 article, 9 files, 0.21 s -> public/``"""
        plural = "" if self.articles == 1 else "s"
        changes = (
            f" ({self.written} written, {self.deleted} deleted)"
            if self.written < self.files
            else ""
        )
        return (
            f"built {self.articles} article{plural}, {self.files} files{changes}, "
            f"{self.seconds:.2f} s -> {self.output}/"
        )


@dataclass(frozen=True)
class Reading:
    """What a seeds folder holds: articles to publish (newest first), problems, the rest."""

    articles: list[Article]
    problems: list[SeedError]
    seed_hashes: list[str]
    scheduled: list[Article] = field(default_factory=list)
    drafts: list[Article] = field(default_factory=list)

    def next_due(self) -> datetime | None:
        """When the next scheduled article goes live."""
        return min((article.published for article in self.scheduled), default=None)


def is_draft(article: Article) -> bool:
    """Drafts are files whose name starts with '_': validated, never published."""
    return Path(article.source).name.startswith("_")


def clock() -> datetime:
    """'Now' for publishing: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise ConfigError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time") from None
    return datetime.now(UTC)


def read_articles(
    seeds: Path,
    site: Site,
    cache: BuildCache | None = None,
    jobs: int = 1,
    now: datetime | None = None,
) -> Reading:
    """Every valid article, newest first, and every problem; unchanged seeds come from the cache.

    Articles dated after ``now`` are scheduled, not published (no ``now``: none is).
    """
    sources, unreadable = scan_seeds(seeds)
    cache = cache or BuildCache(None, "", site.zone)
    return _parse(sources, unreadable, site, cache, jobs, now)


def _parse(
    sources: list[tuple[str, bytes]],
    unreadable: list[SeedError],
    site: Site,
    cache: BuildCache,
    jobs: int,
    now: datetime | None,
) -> Reading:
    hashes = [seed_hash(data) for _, data in sources]
    cached = cache.articles([(seed, path) for seed, (path, _) in zip(hashes, sources, strict=True)])
    results: list[Article | list[SeedError]] = []
    to_parse: list[tuple[int, str, bytes]] = []
    for index, (path, data) in enumerate(sources):
        article = cached.get(path)
        if article is None:
            to_parse.append((index, path, data))
            results.append([])
        else:
            results.append(article)
    parse = partial(_read_seed, site=site)
    for (index, _, _), result in zip(to_parse, ordered_map(parse, to_parse, jobs), strict=True):
        results[index] = result
        if isinstance(result, Article):
            cache.remember_article(hashes[index], result)
    articles, problems = settle([*results, unreadable])
    drafts = [article for article in articles if is_draft(article)]
    scheduled = [a for a in articles if now and a.published > now and not is_draft(a)]
    published = [a for a in articles if not is_draft(a) and (now is None or a.published <= now)]
    return Reading(newest_first(published), problems, hashes, scheduled, drafts)


def _read_seed(job: tuple[int, str, bytes], site: Site) -> Article | list[SeedError]:
    return read_seed(job[1], job[2], site)


def build(
    seeds: Path,
    output: Path,
    site: Site,
    *,
    skip_invalid: bool = False,
    use_cache: bool = True,
    jobs: int | None = None,
    now: datetime | None = None,
) -> BuildReport:
    """Build ``output`` from ``seeds``; raise SeedErrors (unless skipping) before writing.

    ``now`` decides which articles are published (default: ``clock()``); it never
    appears in the output.
    """
    started = time.perf_counter()
    jobs = jobs or default_jobs()
    now = now or clock()
    if not use_cache:  # ignored now, and stale afterwards: the next build starts afresh
        cache_path(output).unlink(missing_ok=True)
    cache = BuildCache(
        cache_path(output) if use_cache else None, build_scope(site, output), site.zone
    )
    sources, unreadable = scan_seeds(seeds)
    fingerprint = seeds_fingerprint((path, seed_hash(data)) for path, data in sources)
    fresh = not unreadable and cache.unchanged_since_last_build(fingerprint, now)
    if fresh and (done := previous_build(output)):
        seconds = time.perf_counter() - started
        return BuildReport(output, done.articles, len(done.files), seconds)
    reading = _parse(sources, unreadable, site, cache, jobs, now)
    del sources
    if reading.problems and not (skip_invalid and reading.articles):
        raise SeedErrors(reading.problems)  # with --skip-invalid too when none is valid
    units = cacheable_units(site, reading.articles)
    with TreeWriter(output, trust_manifest=use_cache) as writer:
        _write_units(site, units, writer, cache, jobs)
        for renderer in SITE_RENDERERS:
            for path, data in renderer(site, reading.articles).items():
                writer.add(path, data)
        writer.add(
            PurePosixPath(HEADERS_PATH),
            render_headers_file(writer.files, site.headers, site.root_path),
        )
        written = writer.commit(articles=len(reading.articles))
    newest = reading.articles[0].published if reading.articles else None
    clean = None if reading.problems else (fingerprint, newest, reading.next_due())
    cache.save(reading.seed_hashes, [name for name, _, _ in units], clean)
    return BuildReport(
        output,
        len(reading.articles),
        written.files,
        time.perf_counter() - started,
        written.written,
        written.deleted,
        reading.problems,
    )


def render_article(site: Site, article: Article) -> Tree:
    """Every output that depends on one article alone."""
    tree: Tree = {}
    for renderer in ARTICLE_RENDERERS:
        for path, data in renderer(site, article).items():
            if path in tree:
                raise WriteError(f"{path} would be written twice ({renderer.__name__})")
            tree[path] = data
    return tree


def render_site(site: Site, articles: Sequence[Article]) -> Tree:
    """The whole output in memory (tests and small sites; ``build`` streams instead)."""
    tree: Tree = {}
    units = [render_unit(site, job) for _, _, job in cacheable_units(site, articles)]
    for part in [*units, *(renderer(site, articles) for renderer in SITE_RENDERERS)]:
        for path, data in part.items():
            if path in tree:
                raise WriteError(f"{path} would be written twice")
            tree[path] = data
    tree[PurePosixPath(HEADERS_PATH)] = render_headers_file(
        map(str, tree), site.headers, site.root_path
    )
    return tree


def cacheable_units(site: Site, articles: Sequence[Article]) -> list[Unit]:
    """Outputs whose inputs a render key covers: article pages and documents, archive pages."""
    keys = {article.slug: render_key(article) for article in articles}
    units: list[Unit] = [(f"article:{a.slug}", keys[a.slug], ("article", a)) for a in articles]
    site_feed = feed_id(site, articles)
    for name, key, job in archive_jobs(site, articles, keys):
        units.append((name, key, ("archive", job, site_feed)))
    return units


def render_unit(site: Site, job: tuple[Any, ...]) -> Tree:
    """Render one cacheable unit (a top-level function, so worker processes can run it)."""
    if job[0] == "article":
        return render_article(site, job[1])
    return render_archive_page(site, job[1], job[2])


def _write_units(
    site: Site, units: Sequence[Unit], writer: TreeWriter, cache: BuildCache, jobs: int
) -> None:
    """Keep the outputs of unchanged units; render and add the others."""
    stale: list[Unit] = []
    for unit in units:
        name, key, _ = unit
        recorded = cache.rendered(name)
        if recorded and recorded[0] == key and _all_unchanged(writer, recorded[1]):
            for kept, file_digest in recorded[1].items():
                writer.keep(PurePosixPath(kept), file_digest)
        else:
            stale.append(unit)
    render = partial(render_unit, site)
    for (name, key, _), tree in zip(
        stale, ordered_map(render, [u[2] for u in stale], jobs), strict=True
    ):
        for path, data in tree.items():
            writer.add(path, data)
        cache.remember_render(name, key, {str(path): digest(data) for path, data in tree.items()})


def _all_unchanged(writer: TreeWriter, file_digests: dict[str, str]) -> bool:
    return all(writer.unchanged(path, file_digest) for path, file_digest in file_digests.items())
