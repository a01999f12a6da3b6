"""Patching the last build: when the seeds changed only in their articles' text.

The last build's plan (``feeds.build._plan``) holds the timeline and which articles
each list, archive and feed unit shows. If every changed seed is a published
article that keeps its place (slug, dates, tags... ``placement``), only the
units showing an edited article are rendered again, with the times the plan
gives; every other file is kept as the manifest lists it. Anything else (a new,
deleted or invalid seed, an article due, an edit to the links or local images
of a body, a damaged plan, another template or static file) returns None: the
full path, never a wrong tree.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from feeds._headers import HEADERS_PATH
from feeds._images import ImageResolver
from feeds.build._cache import BuildCache, seed_render_key
from feeds.build._plan import Plan, PlannedListing, dump_edits, load_plan, placement
from feeds.build._reading import SeedRead
from feeds.build._report import BuildReport
from feeds.build._units import Unit, render_units, write_headers_file
from feeds.build._write import TreeWriter
from feeds.models import Article, Site
from feeds.render import members_key
from feeds.render.channels import archive_count
from feeds.render.html import HOME_PAGE, render_home_page


def patch(
    site: Site,
    output: Path,
    reads: Sequence[SeedRead],
    cache: BuildCache,
    now: datetime,
    fingerprint: str,
    started: float,
    images: ImageResolver,
    theme: str,
) -> BuildReport | None:
    """Build by patching the last build (``feeds.build._plan``) when seeds changed only in
    their text (and the site's templates and static files, ``theme``, not at all);
    None (nothing written) when the full build is needed.

    The caller has checked that no image file changed (``ImageResolver.unchanged``);
    an edit that gives an article another image file takes the full path too.
    """
    if cache.last_theme() != theme:
        return None
    patch = _plan_patch(site, reads, cache, now, images)
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
    with cache.reading_bodies_back(), TreeWriter(output) as writer:
        if writer.previous is None or writer.manifest_digest != cache.last_manifest():
            return None  # not the output the plan was made for (a build was killed)
        writer.keep_all_but(replaced)
        render_units(site, units, writer, cache)
        if home:
            archives = archive_count(len(plan.timeline), site.archive_size)
            newest = [articles[i] for i in home]
            for path, page in render_home_page(site, newest, archives).items():
                writer.add(path, page)
        write_headers_file(site, writer, cache)
        written = writer.commit(articles=len(plan.timeline))
    for seed, article in edits.values():
        cache.remember_article(seed, article)
    seeds = {index: seed for index, (seed, _) in edits.items()}
    cache.remember_plan(dump_edits(plan, seeds), edits=True)
    cache.remember_images(images.learned)
    start, due = cache.publishing_window() or (None, None)
    held_back = cache.held_back()  # a patch changes no draft or scheduled article
    clean = (fingerprint, start, due, writer.manifest_digest, held_back)
    cache.save([seed for _, seed, _ in reads], None, clean, theme=theme)  # the same units
    seconds = time.perf_counter() - started
    return BuildReport(
        output,
        len(plan.timeline),
        written.files,
        seconds,
        written.written,
        written.deleted,
        scheduled=held_back[0],
        drafts=held_back[1],
    )


# What a patch renders: the plan, the edits, the units showing them, the articles
# those units show by timeline position, and the positions the home page shows
# (none if no edited article is on it).
_Patch = tuple["Plan", "Edits", list[Unit], dict[int, Article], range]


def _plan_patch(
    site: Site, reads: Sequence[SeedRead], cache: BuildCache, now: datetime, images: ImageResolver
) -> _Patch | None:
    """What a patch of the last build renders; None if it cannot be patched (or its
    plan does not fit: a damaged cache makes a build slower, never wrong)."""
    data = cache.plan()
    plan = load_plan(*data) if data else None
    if plan is None:
        return None
    try:
        edits = _edits(plan, reads, cache, images)
        if edits is None or not cache.same_articles_due(now):
            return None
        affected = [item for item in plan.listings if not edits.keys().isdisjoint(item.members)]
        shown = min(site.feed_limit, len(plan.timeline))
        home = range(shown) if min(edits) < shown else range(0)
        shown_too = set(home).union(*(item.members for item in affected))
        articles = _planned_articles(site, plan, edits, shown_too, cache, images)
        if articles is None:
            return None
        return plan, edits, _patched_units(plan, edits, affected, articles), articles, home
    except (TypeError, ValueError, KeyError, IndexError):
        return None


# Timeline position → (new seed hash, the article parsed from it, before the timeline).
Edits = dict[int, tuple[str, Article]]
_PATCH_LIMIT = 0.01  # above this share of articles edited (and 10), the full path is as quick


def _edits(
    plan: Plan, reads: Sequence[SeedRead], cache: BuildCache, images: ImageResolver
) -> Edits | None:
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
        article = result or _with_image(cached.get(path), images)
        if article is None:
            return None
        edits[position] = (seed, article)
    return edits


def _with_image(article: Article | None, images: ImageResolver) -> Article | None:
    """A cached article with its lead image's file; None if that has a problem (the full
    path reports it)."""
    if article is None:
        return None
    resolved = images.lead(article)
    return resolved if isinstance(resolved, Article) else None


def _planned_articles(
    site: Site,
    plan: Plan,
    edits: Edits,
    shown_too: set[int],
    cache: BuildCache,
    images: ImageResolver,
) -> dict[int, Article] | None:
    """By timeline position, the articles the patch renders (the edited ones and
    those ``shown_too`` beside them), with the times the plan gives them; None if
    an edit moves an article (another slug, date, tag...) or gives it another
    image file (whose unit the plan does not know): ``image_key`` differs."""
    entries = {index: plan.timeline[index] for index in shown_too.union(edits)}
    cached = cache.articles([(entry.seed, entry.source) for entry in entries.values()])
    articles = {}
    for index, entry in entries.items():
        before = _with_image(cached.get(entry.source), images)
        if before is None or before.image_key != entry.image:
            return None
        after = edits[index][1] if index in edits else before
        if after is not before and _moved_or_relinked(after, before):
            return None
        articles[index] = after.replaced(**entry.times(site.zone))
    return articles


def _moved_or_relinked(after: Article, before: Article) -> bool:
    """Whether an edit moves an article, or changes what it refers to: its links to
    other articles and its body's local images are checked across the seeds
    (``feeds._links``), and its lead image is a unit of its own, on the full path."""
    return (
        placement(after) != placement(before)
        or after.links != before.links
        or after.images != before.images
        or after.image_key != before.image_key
    )


def _patched_units(
    plan: Plan, edits: Edits, affected: Sequence[PlannedListing], articles: dict[int, Article]
) -> list[Unit]:
    """The units showing an edited article, with their new render keys."""

    def key(index: int) -> str:
        entry = plan.timeline[index]
        seed = edits[index][0] if index in edits else entry.seed
        return seed_render_key(seed, entry.published, entry.updated, entry.image)

    units: list[Unit] = [
        (f"article:{plan.timeline[index].slug}", key(index), ("article", articles[index]))
        for index in sorted(edits)
    ]
    for item in affected:
        shown = [articles[index] for index in item.members]
        units.append((item.name, members_key(item.label, map(key, item.members)), item.job(shown)))
    return units
