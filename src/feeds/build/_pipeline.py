"""One build: read, decide (nothing to do, a patch or the full path), render, write."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from feeds._images import ImageResolver
from feeds._seeds import seed_paths
from feeds._theme import Theme, load_theme, using
from feeds.build._cache import (
    BuildCache,
    build_scope,
    cache_path,
    seeds_fingerprint,
    undone_if_refused,
)
from feeds.build._faults import fault
from feeds.build._lock import locked
from feeds.build._parallel import default_jobs
from feeds.build._plan import dump_plan, make_plan
from feeds.build._progress import showing, stage
from feeds.build._reading import clock, read_all, settle_reads
from feeds.build._report import BuildReport
from feeds.build._write import TreeWriter, previous_build
from feeds.errors import FeedsError, SeedErrors, ThemeErrors
from feeds.models import Site


def build(
    seeds: Path,
    output: Path,
    site: Site,
    *,
    skip_invalid: bool = False,
    use_cache: bool = True,
    jobs: int | None = None,
    now: datetime | None = None,
    allow_empty: bool = False,
    progress: TextIO | None = None,
) -> BuildReport:
    """Build ``output`` from ``seeds``; raise SeedErrors (unless skipping) before writing.

    ``now`` decides which articles are published (default: ``clock()``); it never
    appears in the output. The output and its cache are locked meanwhile: another
    build, clean or deploy of it waits for this one (``site.lock_timeout``). A
    build with no article to publish never replaces an output that has some,
    unless ``allow_empty``. ``progress``: a stream to show progress on, if a person
    watches it (a terminal, outside CI) and the build runs more than two seconds.

    The site's templates and static files (``feeds._theme``) are read first: a
    link or unreadable file there stops the build before it locks or writes
    anything; a template that does not compile, before anything is rendered.
    """
    theme = load_theme(site)
    with (
        using(theme),
        locked(output, "feeds build", site.lock_timeout),
        undone_if_refused(output),
        showing(progress),
    ):
        fault("build.locked")
        return _build(
            seeds,
            output,
            site,
            theme,
            skip_invalid=skip_invalid,
            use_cache=use_cache,
            jobs=jobs,
            now=now,
            allow_empty=allow_empty,
        )


def _build(
    seeds: Path,
    output: Path,
    site: Site,
    theme: Theme,
    *,
    skip_invalid: bool,
    use_cache: bool,
    jobs: int | None,
    now: datetime | None,
    allow_empty: bool,
) -> BuildReport:
    started = time.perf_counter()
    jobs = jobs or default_jobs()
    now = now or clock()
    if not use_cache:  # ignored now, and stale afterwards: the next build starts afresh
        cache_path(output).unlink(missing_ok=True)
    scope = build_scope(site, output)
    cache = BuildCache(cache_path(output) if use_cache else None, scope, site.zone)
    images = ImageResolver.for_site(str(seeds), site, cache.image_stats())
    reads = read_all(seed_paths(seeds), site, cache, jobs, images)
    fingerprint = seeds_fingerprint((path, seed) for path, seed, _ in reads)
    # The fingerprint knows the seeds; whether their images are unchanged, the images say.
    images_unchanged = images.unchanged(cache.image_stats())
    fresh = all(seed for _, seed, _ in reads) and cache.unchanged_since_last_build(fingerprint, now)
    fresh = fresh and cache.last_theme() == theme.digest
    if (
        fresh
        and images_unchanged
        and (done := previous_build(output))
        and done.digest == cache.last_manifest()
    ):
        cache.remember_images(images.learned)
        cache.save_seed_stats()  # so that the next build need not read the seeds again
        seconds = time.perf_counter() - started
        scheduled, drafts = cache.held_back()
        return BuildReport(
            output, done.articles, len(done.files), seconds, scheduled=scheduled, drafts=drafts
        )
    # Something is rendered from here on: only now are the renderers imported.
    from feeds.build._patch import patch
    from feeds.build._units import HEADERS_UNIT, units_and_listings, write_all
    from feeds.render._jinja import check_templates, keep_compiled_templates

    checked = not theme.templates or cache.last_theme() == theme.digest  # by the last build
    if not checked and (problems := check_templates(theme)):
        raise ThemeErrors(problems)
    if use_cache:
        keep_compiled_templates(cache_path(output).with_suffix(".templates"), scope[:16])
    if (
        cache.enabled
        and images_unchanged
        and (
            patched := patch(
                site, output, reads, cache, now, fingerprint, started, images, theme.digest
            )
        )
    ):
        return patched
    stage("checking")
    reading = settle_reads(reads, site, cache, now, images)
    del reads
    if reading.problems and not (skip_invalid and reading.articles):
        raise SeedErrors(reading.problems)  # with --skip-invalid too when none is valid
    if not reading.articles and not allow_empty:
        _refuse_to_empty(seeds, output)
    units, listings = units_and_listings(site, reading.articles)
    with cache.reading_bodies_back(), TreeWriter(output, trust_manifest=use_cache) as writer:
        write_all(site, reading.articles, units, writer, cache, jobs, theme)
        stage("writing")
        written = writer.commit(articles=len(reading.articles))
    newest = reading.articles[0].published if reading.articles else None
    clean = None
    if not reading.problems:
        # Held articles (they link to scheduled ones) go live with them: scheduled too.
        held_back = (len(reading.scheduled) + len(reading.held), len(reading.drafts))
        clean = (fingerprint, newest, reading.next_due(), writer.manifest_digest, held_back)
        held = [held.article for held in reading.held]
        others = {a.source: a.seed for a in (*reading.scheduled, *reading.drafts, *held)}
        if cache.enabled:
            cache.remember_plan(dump_plan(make_plan(reading.articles, others, listings)))
    cache.remember_images(images.learned)
    units_in_use = [HEADERS_UNIT, *(name for name, _, _ in units)]
    cache.save(
        reading.seed_hashes, units_in_use, clean, reading.image_sources(), theme=theme.digest
    )
    return BuildReport(
        output,
        len(reading.articles),
        written.files,
        time.perf_counter() - started,
        written.written,
        written.deleted,
        reading.problems,
        scheduled=len(reading.scheduled) + len(reading.held),
        drafts=len(reading.drafts),
    )


def _refuse_to_empty(seeds: Path, output: Path) -> None:
    """Stop a build with no article from replacing an output that has some: a wrong
    ``--seeds``, a checkout gone wrong in CI, must never empty a live site."""
    done = previous_build(output)
    if done is not None and done.articles:
        plural = "" if done.articles == 1 else "s"
        raise FeedsError(
            f"{seeds}/ has no article to publish, and {output}/ holds {done.articles} "
            f"article{plural}: refusing to empty it. Check --seeds; pass --allow-empty "
            f"if the site is meant to be empty"
        )
