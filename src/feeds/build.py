"""The pipeline: seeds → articles → renderers → the writer, with a build cache.

    read      (``feeds.reading``) seeds whose stat signature is unchanged are
              not read; the others are hashed, and those of unknown hash parsed
              (in worker processes when there are many); articles are kept
              without their bodies
    order     one timeline, newest first, times made distinct (_timeline)
    render    cacheable units (an article's page and document; each archive,
              list and tag page; each subscription feed's three formats; the
              sitemap; the files of the configuration alone) only when their
              render key changed, in worker processes that write their files
              into the staging folder; the pages that count or link everything
              (home page, API index, tags index...) every time, in this process
              meanwhile: they cost O(N) small entries
    write     TreeWriter stages what differs from the output and commits it

    patch     when the seeds changed only in their articles' text, the last
              build's plan (``feeds._plan``) replaces order and render: only
              the units showing an edited article are rendered, every other
              file is kept as the manifest lists it

Rendering finishes before anything in the output changes. ``build`` is the only
place that decides what a bad article means for a run: fail (default) or skip
it (``skip_invalid``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from feeds._cache import (
    BuildCache,
    build_scope,
    cache_path,
    render_key,
    seed_render_key,
    seeds_fingerprint,
)
from feeds._headers import HEADERS_PATH, render_headers_file
from feeds._parallel import default_jobs, mapping, workers_for
from feeds._plan import (
    Plan,
    PlannedListing,
    dump_edits,
    dump_plan,
    load_plan,
    make_plan,
    placement,
)
from feeds._seeds import seed_paths, with_body
from feeds._write import TreeWriter, digest, previous_build
from feeds.errors import SeedError, SeedErrors, WriteError
from feeds.models import Article, Site
from feeds.reading import SeedRead, clock, read_all, settle_reads
from feeds.render import Listing, Tree, list_key, members_key
from feeds.render.api import (
    list_page_jobs,
    render_api_index,
    render_article_document,
    render_list_page,
    render_schemas,
)
from feeds.render.channels import (
    archive_jobs,
    render_archive_page,
    render_feed_documents,
    subscription_feed_jobs,
)
from feeds.render.crawlers import render_redirects, render_robots, render_sitemap, sitemap_key
from feeds.render.html import (
    HOME_PAGE,
    keep_compiled_templates,
    render_article_page,
    render_home_page,
    render_pages,
    render_tag_page,
    tag_page_jobs,
)
from feeds.render.openapi import render_openapi
from feeds.render.site_pages import render_not_found, render_subscribe_page

ArticleRenderer = Callable[[Site, Article], Tree]
SiteRenderer = Callable[[Site, Sequence[Article]], Tree]
ARTICLE_RENDERERS: tuple[ArticleRenderer, ...] = (render_article_page, render_article_document)
SITE_RENDERERS: tuple[SiteRenderer, ...] = (
    render_api_index,
    render_pages,
    render_redirects,
    render_subscribe_page,
)
# Outputs of the site configuration alone, which is in the cache's scope: one unit.
CONFIGURATION_RENDERERS: tuple[SiteRenderer, ...] = (
    render_schemas,
    render_openapi,
    render_robots,
    render_not_found,
)
CONFIGURATION_UNIT = "configuration"
# A unit of rendering that the cache can skip: (cache name, render key, job).
Unit = tuple[str, str, tuple[Any, ...]]
HEADERS_UNIT = "headers"


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
    scope = build_scope(site, output)
    cache = BuildCache(cache_path(output) if use_cache else None, scope, site.zone)
    reads = read_all(seed_paths(seeds), site, cache, jobs)
    fingerprint = seeds_fingerprint((path, seed) for path, seed, _ in reads)
    fresh = all(seed for _, seed, _ in reads) and cache.unchanged_since_last_build(fingerprint, now)
    if fresh and (done := previous_build(output)) and done.digest == cache.last_manifest():
        cache.save_seed_stats()  # so that the next build need not read the seeds again
        seconds = time.perf_counter() - started
        return BuildReport(output, done.articles, len(done.files), seconds)
    if use_cache:  # something is rendered from here on
        keep_compiled_templates(cache_path(output).with_suffix(".templates"), scope[:16])
    if cache.enabled and (patched := _patch(site, output, reads, cache, now, fingerprint, started)):
        return patched
    reading = settle_reads(reads, site, cache, now)
    del reads
    if reading.problems and not (skip_invalid and reading.articles):
        raise SeedErrors(reading.problems)  # with --skip-invalid too when none is valid
    units, listings = _units_and_listings(site, reading.articles)
    try:
        with TreeWriter(output, trust_manifest=use_cache) as writer:
            _write_all(site, reading.articles, units, writer, cache, jobs)
            written = writer.commit(articles=len(reading.articles))
    except SeedErrors:  # a seed changed after it was read: trust no stat signature next time
        cache.forget_seed_stats()
        raise
    newest = reading.articles[0].published if reading.articles else None
    clean = None
    if not reading.problems:
        clean = (fingerprint, newest, reading.next_due(), writer.manifest_digest)
        others = {a.source: a.seed for a in (*reading.scheduled, *reading.drafts)}
        if cache.enabled:
            cache.remember_plan(dump_plan(make_plan(reading.articles, others, listings)))
    cache.save(reading.seed_hashes, [HEADERS_UNIT, *(name for name, _, _ in units)], clean)
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
    return _merged(renderer(site, article) for renderer in ARTICLE_RENDERERS)


def render_site(site: Site, articles: Sequence[Article]) -> Tree:
    """The whole output in memory (tests and small sites; ``build`` streams instead)."""
    units = [render_unit(site, job) for _, _, job in cacheable_units(site, articles)]
    tree = _merged([*units, *(renderer(site, articles) for renderer in SITE_RENDERERS)])
    tree[PurePosixPath(HEADERS_PATH)] = render_headers_file(
        map(str, tree), site.headers, site.root_path
    )
    return tree


def cacheable_units(site: Site, articles: Sequence[Article]) -> list[Unit]:
    """Outputs whose inputs a render key covers: archive pages, article pages and
    documents, subscription feeds, tag pages, list pages, the sitemap and what
    depends on the configuration alone. Only the pages that count or link
    everything (``SITE_RENDERERS``) are rendered on every build.

    Each archive page comes first with its articles (``_groups`` renders them
    together, reading each body once); the biggest work starts first, so that
    worker processes finish together.
    """
    return _units_and_listings(site, articles)[0]


def _units_and_listings(
    site: Site, articles: Sequence[Article]
) -> tuple[list[Unit], list[Listing]]:
    """``cacheable_units``, and those of them that show many articles (for the plan)."""
    keys = {article.slug: render_key(article) for article in articles}
    units: list[Unit] = []
    listings: list[Listing] = []
    for listing in archive_jobs(site, articles):
        listings.append(listing)
        name, label, page, job = listing
        units.append((name, list_key(label, page, keys), job))
        units.extend((f"article:{a.slug}", keys[a.slug], ("article", a)) for a in page)
    for jobs in (subscription_feed_jobs, tag_page_jobs, list_page_jobs):
        for listing in jobs(site, articles):
            listings.append(listing)
            name, label, shown, job = listing
            units.append((name, list_key(label, shown, keys), job))
    units.append(("sitemap", sitemap_key(articles), ("sitemap", articles)))
    units.append((CONFIGURATION_UNIT, CONFIGURATION_UNIT, (CONFIGURATION_UNIT,)))
    return units, listings


def render_unit(site: Site, job: tuple[Any, ...]) -> Tree:
    """Render one cacheable unit."""
    kind = job[0]
    if kind == "article":
        return render_article(site, with_body(job[1]))
    if kind == "archive":
        return render_archive_page(site, job[1], job[2])
    if kind == "channel":
        return render_feed_documents(site, job[1], job[2])
    if kind == "tag":
        return render_tag_page(site, job[1])
    if kind == "sitemap":
        return render_sitemap(site, job[1])
    if kind == CONFIGURATION_UNIT:
        return _merged(render(site, ()) for render in CONFIGURATION_RENDERERS)
    return render_list_page(site, job[1])


def _merged(parts: Iterable[Tree]) -> Tree:
    """One tree of several renderers' files; a path two of them write is an error."""
    tree: Tree = {}
    for part in parts:
        for path, data in part.items():
            if path in tree:
                raise WriteError(f"{path} would be written twice")
            tree[path] = data
    return tree


@dataclass(frozen=True)
class _Rendering:
    """What rendering units needs: worker processes are forked with it."""

    site: Site
    writer: TreeWriter
    jobs: list[tuple[Any, ...]]


Staged = dict[str, tuple[str, bool]]  # path → (hash, whether staged) of one unit's files
_GROUP_SIZE = 50  # units of a group without an archive page


def _groups(jobs: Sequence[tuple[Any, ...]]) -> list[list[int]]:
    """Indexes of jobs in groups: an archive page with the articles after it (so each
    body is read and turned into HTML once), other units by ``_GROUP_SIZE``."""
    groups: list[list[int]] = []
    for index, (kind, *_) in enumerate(jobs):
        head = jobs[groups[-1][0]][0] if groups else None
        on_its_archive_page = head == "archive" and kind == "article"
        batched = head not in {None, "archive"} and kind != "archive"
        if on_its_archive_page or (batched and len(groups[-1]) < _GROUP_SIZE):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _render_group(rendering: _Rendering, indexes: list[int]) -> list[Staged]:
    """Render and stage a group of units, each article's body read once for all."""
    bodies: dict[str, Article] = {}

    def full(article: Article) -> Article:
        if article.slug not in bodies:
            bodies[article.slug] = with_body(article)
        return bodies[article.slug]

    staged = []
    for index in indexes:
        job = rendering.jobs[index]
        if job[0] == "article":
            job = ("article", full(job[1]))
        elif job[0] == "archive":
            number, count, page = job[1]
            job = ("archive", (number, count, [full(a) for a in page]), job[2])
        elif job[0] == "channel":
            job = ("channel", job[1], [full(a) for a in job[2]])
        tree = render_unit(rendering.site, job)
        staged.append(
            {str(path): rendering.writer.stage(path, data) for path, data in tree.items()}
        )
    return staged


def _write_all(
    site: Site,
    articles: Sequence[Article],
    units: Sequence[Unit],
    writer: TreeWriter,
    cache: BuildCache,
    jobs: int,
) -> None:
    """Keep the outputs of unchanged units, render the others (in workers while
    this process renders the site-wide outputs), and add it all to ``writer``."""
    recorded = cache.rendered_each([(name, key) for name, key, _ in units])
    stale = [unit for unit, files in zip(units, recorded, strict=True) if not _kept(files, writer)]
    rendering = _Rendering(site, writer, [job for _, _, job in stale])
    groups = _groups(rendering.jobs)
    workers = workers_for(len(stale), jobs)
    with mapping(_render_group, rendering, groups, workers) as results:
        for renderer in SITE_RENDERERS:
            for path, data in renderer(site, articles).items():
                writer.add(path, data)
        for group, group_staged in zip(groups, results, strict=True):
            for index, staged in zip(group, group_staged, strict=True):
                _record(stale[index], staged, writer, cache)
    _write_headers_file(site, writer, cache)


def _write_headers_file(site: Site, writer: TreeWriter, cache: BuildCache) -> None:
    """``_headers`` depends on the set of paths alone (the rules are in the cache's scope)."""
    key = hashlib.sha256("\n".join(sorted(writer.files)).encode()).hexdigest()
    if _kept(cache.rendered(HEADERS_UNIT, key), writer):
        return
    data = render_headers_file(writer.files, site.headers, site.root_path)
    writer.add(PurePosixPath(HEADERS_PATH), data)
    cache.remember_render(HEADERS_UNIT, key, {HEADERS_PATH: digest(data)})


def _patch(
    site: Site,
    output: Path,
    reads: Sequence[SeedRead],
    cache: BuildCache,
    now: datetime,
    fingerprint: str,
    started: float,
) -> BuildReport | None:
    """Build by patching the last build (``feeds._plan``) when seeds changed only in
    their text; None (nothing written) when the full build is needed."""
    patch = _plan_patch(site, reads, cache, now)
    if patch is None:
        return None
    plan, edits, units, articles, home = patch
    recorded = list(cache.rendered_each([(name, None) for name, _, _ in units]))
    if any(files is None for files in recorded):
        return None
    replaced = {path for files in recorded if files for path in files}
    replaced.add(HEADERS_PATH)  # kept or rendered again below, as in a full build
    if home:
        replaced.add(HOME_PAGE)
    try:
        with TreeWriter(output) as writer:
            if writer.previous is None or writer.manifest_digest != cache.last_manifest():
                return None  # not the output the plan was made for (a build was killed)
            writer.keep_all_but(replaced)
            _render_units(site, units, writer, cache)
            if home:
                for path, page in render_home_page(site, [articles[i] for i in home]).items():
                    writer.add(path, page)
            _write_headers_file(site, writer, cache)
            written = writer.commit(articles=len(plan.timeline))
    except SeedErrors:  # a seed changed after it was read: trust no stat signature next time
        cache.forget_seed_stats()
        raise
    for seed, article in edits.values():
        cache.remember_article(seed, article)
    seeds = {index: seed for index, (seed, _) in edits.items()}
    cache.remember_plan(dump_edits(plan, seeds), edits=True)
    start, due = cache.publishing_window() or (None, None)
    clean = (fingerprint, start, due, writer.manifest_digest)
    cache.save([seed for _, seed, _ in reads], None, clean)  # the same units as before
    seconds = time.perf_counter() - started
    return BuildReport(
        output, len(plan.timeline), written.files, seconds, written.written, written.deleted
    )


# What a patch renders: the plan, the edits, the units showing them, the articles
# those units show by timeline position, and the positions the home page shows
# (none if no edited article is on it).
_Patch = tuple["Plan", "Edits", list[Unit], dict[int, Article], range]


def _plan_patch(
    site: Site, reads: Sequence[SeedRead], cache: BuildCache, now: datetime
) -> _Patch | None:
    """What a patch of the last build renders; None if it cannot be patched (or its
    plan does not fit: a damaged cache makes a build slower, never wrong)."""
    data = cache.plan()
    plan = load_plan(*data) if data else None
    if plan is None:
        return None
    try:
        edits = _edits(plan, reads, cache)
        if edits is None or not cache.same_articles_due(now):
            return None
        affected = [item for item in plan.listings if not edits.keys().isdisjoint(item.members)]
        shown = min(site.feed_limit, len(plan.timeline))
        home = range(shown) if min(edits) < shown else range(0)
        shown_too = set(home).union(*(item.members for item in affected))
        articles = _planned_articles(site, plan, edits, shown_too, cache)
        if articles is None:
            return None
        return plan, edits, _patched_units(plan, edits, affected, articles), articles, home
    except (TypeError, ValueError, KeyError, IndexError):
        return None


# Timeline position → (new seed hash, the article parsed from it, before the timeline).
Edits = dict[int, tuple[str, Article]]
_PATCH_LIMIT = 0.01  # above this share of articles edited (and 10), the full path is as quick


def _edits(plan: Plan, reads: Sequence[SeedRead], cache: BuildCache) -> Edits | None:
    """The published articles whose seeds changed, if that is all that changed."""
    positions = plan.positions()
    changed: dict[int, tuple[str, str, Article | None]] = {}
    published = others = 0
    for path, seed, result in reads:
        position = positions.get(path)
        if position is None:
            if plan.others.get(path) != seed:
                return None  # a new file, or a draft or scheduled article changed
            others += 1
        elif isinstance(result, list) or not seed:
            return None  # problems: the full path reports them
        else:
            published += 1
            if seed != plan.timeline[position].seed:
                changed[position] = (path, seed, result)
    if (published, others) != (len(plan.timeline), len(plan.others)):
        return None  # a file was deleted
    if not changed or len(changed) > max(10, len(plan.timeline) * _PATCH_LIMIT):
        return None
    cached = cache.articles([(seed, path) for path, seed, result in changed.values() if not result])
    edits = {}
    for position, (path, seed, result) in changed.items():
        article = result or cached.get(path)
        if article is None:
            return None
        edits[position] = (seed, article)
    return edits


def _planned_articles(
    site: Site, plan: Plan, edits: Edits, shown_too: set[int], cache: BuildCache
) -> dict[int, Article] | None:
    """By timeline position, the articles the patch renders (the edited ones and
    those ``shown_too`` beside them), with the times the plan gives them; None if
    an edit moves an article (another slug, date, tag...)."""
    entries = {index: plan.timeline[index] for index in shown_too.union(edits)}
    cached = cache.articles([(entry.seed, entry.source) for entry in entries.values()])
    articles = {}
    for index, entry in entries.items():
        before = cached.get(entry.source)
        if before is None:
            return None
        after = edits[index][1] if index in edits else before
        if after is not before and placement(after) != placement(before):
            return None
        articles[index] = after.replaced(**entry.times(site.zone))
    return articles


def _patched_units(
    plan: Plan, edits: Edits, affected: Sequence[PlannedListing], articles: dict[int, Article]
) -> list[Unit]:
    """The units showing an edited article, with their new render keys."""

    def key(index: int) -> str:
        entry = plan.timeline[index]
        seed = edits[index][0] if index in edits else entry.seed
        return seed_render_key(seed, entry.published, entry.updated)

    units: list[Unit] = [
        (f"article:{plan.timeline[index].slug}", key(index), ("article", articles[index]))
        for index in sorted(edits)
    ]
    for item in affected:
        shown = [articles[index] for index in item.members]
        units.append((item.name, members_key(item.label, map(key, item.members)), item.job(shown)))
    return units


def _render_units(site: Site, units: Sequence[Unit], writer: TreeWriter, cache: BuildCache) -> None:
    """Render a few units in this process."""
    rendering = _Rendering(site, writer, [job for _, _, job in units])
    for unit, staged in zip(units, _render_group(rendering, list(range(len(units)))), strict=True):
        _record(unit, staged, writer, cache)


def _record(unit: Unit, staged: Staged, writer: TreeWriter, cache: BuildCache) -> None:
    """Add a rendered unit's files to the writer and the cache."""
    name, key, _ = unit
    for staged_path, (file_digest, is_new) in staged.items():
        writer.record(staged_path, file_digest, is_new)
    cache.remember_render(
        name, key, {path: file_digest for path, (file_digest, _) in staged.items()}
    )


def _kept(recorded: dict[str, str] | None, writer: TreeWriter) -> bool:
    """Whether a unit's recorded outputs (path → hash, if rendered with its key) are
    still in the output unchanged: if so, keep them."""
    return recorded is not None and writer.keep(recorded)
