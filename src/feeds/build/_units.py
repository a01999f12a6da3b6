"""Rendering the site as units the build cache can skip, in worker processes,
into a ``TreeWriter``.

A unit is one cache entry (``feeds.build._cache``): an article's page and document,
an image file (once, however many articles show it), an archive page (its feeds
and HTML page; the site's or a tag's), a list page or an entry document of the
API, a tag's page, a subscription channel's feeds, the sitemap, the files of the
configuration alone. Its render key says what it shows; a unit whose key and
files are unchanged is kept, the others are rendered in groups (an archive
page with its articles, so each body is read once) by worker processes that
stage their files, while this process renders the pages that count or link
everything (``SITE_RENDERERS``) every time.
Each unit's record notes the templates it looked up (``render._jinja.recording``),
so that a unit is kept only while they resolve as they did. The site's static
files come after every unit (a path the build writes too is a problem naming
both), and the ``_headers`` file last: it is keyed by the set of every path.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from feeds._digest import content_digest
from feeds._headers import HEADERS_PATH, render_headers_file
from feeds._images import ImageProblem, published_bytes
from feeds._seeds import with_body
from feeds._theme import PACKAGED, Theme
from feeds.build._cache import BuildCache, render_key
from feeds.build._parallel import mapping, workers_for
from feeds.build._progress import advance
from feeds.build._write import MANIFEST, TreeWriter
from feeds.errors import SeedError, SeedErrors, ThemeErrors, WriteError
from feeds.models import Article, ImageFile, Site
from feeds.render import Listing, Tree, list_key
from feeds.render._jinja import recording, template_signature, template_signatures
from feeds.render.api import (
    index_jobs,
    list_page_jobs,
    render_article_document,
    render_index,
    render_list_page,
    render_schemas,
)
from feeds.render.channels import (
    archive_jobs,
    render_archive_page,
    render_feed_documents,
    render_tag_archive_page,
    subscription_feed_jobs,
    tag_archive_jobs,
)
from feeds.render.crawlers import render_redirects, render_robots, render_sitemap, sitemap_key
from feeds.render.html import (
    render_archive_listing,
    render_article_page,
    render_pages,
    render_tag_archive_listing,
    render_tag_page,
    tag_page_jobs,
)
from feeds.render.openapi import render_openapi
from feeds.render.site_pages import render_not_found, render_subscribe_page

ArticleRenderer = Callable[[Site, Article], Tree]
SiteRenderer = Callable[[Site, Sequence[Article]], Tree]
ARTICLE_RENDERERS: tuple[ArticleRenderer, ...] = (render_article_page, render_article_document)
SITE_RENDERERS: tuple[SiteRenderer, ...] = (
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
    documents, subscription feeds, tags' archive pages, tag pages, the API's list
    pages and entry documents, the sitemap and what depends on the configuration
    alone. Only the pages that count or link everything (``SITE_RENDERERS``) are
    rendered on every build.

    Each archive page comes first with its articles (``_groups`` renders them
    together, reading each body once); the biggest work starts first, so that
    worker processes finish together.
    """
    return units_and_listings(site, articles)[0]


def units_and_listings(site: Site, articles: Sequence[Article]) -> tuple[list[Unit], list[Listing]]:
    """``cacheable_units``, and those of them that show many articles (for the plan)."""
    keys = {article.slug: render_key(article) for article in articles}
    units: list[Unit] = [
        (f"media:{file.path}", file.source_digest, ("image", file))
        for file in published_images(articles)
    ]
    listings: list[Listing] = []
    for listing in archive_jobs(site, articles):
        listings.append(listing)
        name, label, page, job = listing
        units.append((name, list_key(label, page, keys), job))
        units.extend((f"article:{a.slug}", keys[a.slug], ("article", a)) for a in page)
    for jobs in (
        tag_archive_jobs,
        subscription_feed_jobs,
        tag_page_jobs,
        list_page_jobs,
        index_jobs,
    ):
        for listing in jobs(site, articles):
            listings.append(listing)
            name, label, shown, job = listing
            units.append((name, list_key(label, shown, keys), job))
    units.append(("sitemap", sitemap_key(articles), ("sitemap", articles)))
    units.append((CONFIGURATION_UNIT, CONFIGURATION_UNIT, (CONFIGURATION_UNIT,)))
    return units, listings


def published_images(articles: Iterable[Article]) -> list[ImageFile]:
    """The image files the articles show, each once (by published path), in order."""
    files = {file.path: file for article in articles for file in article.image_files}
    return list(files.values())


def render_image(file: ImageFile) -> Tree:
    """An image file's published bytes (read again, checked unchanged, stripped)."""
    try:
        data = published_bytes(file)
    except ImageProblem as problem:
        source = os.path.join(file.root, file.source)  # noqa: PTH118
        raise SeedErrors([SeedError(source, 0, problem.message)]) from None
    return {PurePosixPath(file.path): data}


def render_unit(site: Site, job: tuple[Any, ...]) -> Tree:
    """Render one cacheable unit."""
    kind = job[0]
    if kind == "image":
        return render_image(job[1])
    if kind == "article":
        return render_article(site, with_body(job[1]))
    if kind == "archive":
        return {**render_archive_page(site, job[1], job[2]), **render_archive_listing(site, job[1])}
    if kind == "tag-archive":
        return {
            **render_tag_archive_page(site, job[1], job[2]),
            **render_tag_archive_listing(site, job[1]),
        }
    if kind == "channel":
        return render_feed_documents(site, job[1], job[2])
    if kind == "tag":
        return render_tag_page(site, job[1])
    if kind == "sitemap":
        return render_sitemap(site, job[1])
    if kind == "index":
        return render_index(site, job[1])
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
Rendered = tuple[Staged, frozenset[str]]  # and the names of the templates it looked up
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


def _render_group(rendering: _Rendering, indexes: list[int]) -> list[Rendered]:
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
        elif job[0] == "tag-archive":
            tag, number, count, page = job[1]
            job = ("tag-archive", (tag, number, count, [full(a) for a in page]), job[2])
        elif job[0] == "channel":
            job = ("channel", job[1], [full(a) for a in job[2]])
        with recording() as used:
            tree = render_unit(rendering.site, job)
        files = {str(path): rendering.writer.stage(path, data) for path, data in tree.items()}
        staged.append((files, frozenset(used)))
    return staged


def write_all(
    site: Site,
    articles: Sequence[Article],
    units: Sequence[Unit],
    writer: TreeWriter,
    cache: BuildCache,
    jobs: int,
    theme: Theme = PACKAGED,
) -> None:
    """Keep the outputs of unchanged units, render the others (in workers while
    this process renders the site-wide outputs), and add it all to ``writer``,
    with the site's static files."""
    pairs = [(name, key) for name, key, _ in units]
    recorded = cache.rendered_each(pairs, templates=template_signature)
    stale = [unit for unit, files in zip(units, recorded, strict=True) if not _kept(files, writer)]
    rendering = _Rendering(site, writer, [job for _, _, job in stale])
    groups = _groups(rendering.jobs)
    workers = workers_for(len(stale), jobs)
    with mapping(_render_group, rendering, groups, workers) as results:
        for renderer in SITE_RENDERERS:
            for path, data in renderer(site, articles).items():
                writer.add(path, data)
        done = 0
        for group, group_staged in zip(groups, results, strict=True):
            for index, staged in zip(group, group_staged, strict=True):
                _record(stale[index], staged, writer, cache)
            done += len(group)
            advance("rendering", done, len(stale))
    add_static_files(theme, writer)
    write_headers_file(site, writer, cache)


def add_static_files(theme: Theme, writer: TreeWriter) -> None:
    """Add the site's static files as they are; one the build writes too (or the
    ``_headers`` file and the manifest, which come later) is a problem naming both."""
    problems = []
    for path in theme.static:
        if path in writer.files or path in {HEADERS_PATH, MANIFEST}:
            problems.append(
                SeedError(
                    theme.static_path(path),
                    0,
                    f"the build writes {path} too (into the output); rename or move this "
                    "file, or override a packaged template in templates/ instead",
                )
            )
    if problems:
        raise ThemeErrors(problems)
    for path, data in theme.static.items():
        writer.add(PurePosixPath(path), data)


def write_headers_file(site: Site, writer: TreeWriter, cache: BuildCache) -> None:
    """``_headers`` depends on the set of paths alone (the rules are in the cache's scope)."""
    key = hashlib.sha256("\n".join(sorted(writer.files)).encode()).hexdigest()
    if _kept(cache.rendered(HEADERS_UNIT, key), writer):
        return
    data = render_headers_file(writer.files, site.headers, site.root_path)
    writer.add(PurePosixPath(HEADERS_PATH), data)
    cache.remember_render(HEADERS_UNIT, key, {HEADERS_PATH: content_digest(data)})


def render_units(site: Site, units: Sequence[Unit], writer: TreeWriter, cache: BuildCache) -> None:
    """Render a few units in this process."""
    rendering = _Rendering(site, writer, [job for _, _, job in units])
    for unit, staged in zip(units, _render_group(rendering, list(range(len(units)))), strict=True):
        _record(unit, staged, writer, cache)


def _record(unit: Unit, rendered: Rendered, writer: TreeWriter, cache: BuildCache) -> None:
    """Add a rendered unit's files to the writer, and them and its templates to the cache."""
    name, key, _ = unit
    staged, used = rendered
    for staged_path, (file_digest, is_new) in staged.items():
        writer.record(staged_path, file_digest, is_new)
    files = {path: file_digest for path, (file_digest, _) in staged.items()}
    cache.remember_render(name, key, files, template_signatures(used))


def _kept(recorded: dict[str, str] | None, writer: TreeWriter) -> bool:
    """Whether a unit's recorded outputs (path → hash, if rendered with its key) are
    still in the output unchanged: if so, keep them."""
    return recorded is not None and writer.keep(recorded)
