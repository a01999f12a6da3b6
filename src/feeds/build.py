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

Modules: this one reads and decides (nothing to do, a patch or the full
path); ``feeds.units`` renders and writes the units, ``feeds._patch`` patches
the last build. Those two import the renderers (Jinja, feedgen, lxml; with
titlecase, which parsing imports, about 0.1 s of start-up), so a build that
finds nothing to do never imports them.

Rendering finishes before anything in the output changes. ``build`` is the only
place that decides what a bad article means for a run: fail (default) or skip
it (``skip_invalid``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feeds._cache import BuildCache, build_scope, cache_path, seeds_fingerprint
from feeds._parallel import default_jobs
from feeds._plan import dump_plan, make_plan
from feeds._seeds import seed_paths
from feeds._write import TreeWriter, previous_build
from feeds.errors import SeedError, SeedErrors
from feeds.models import Site
from feeds.reading import clock, read_all, settle_reads


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
    # Something is rendered from here on: only now are the renderers imported.
    from feeds._patch import patch
    from feeds.render.html import keep_compiled_templates
    from feeds.units import HEADERS_UNIT, units_and_listings, write_all

    if use_cache:
        keep_compiled_templates(cache_path(output).with_suffix(".templates"), scope[:16])
    if cache.enabled and (patched := patch(site, output, reads, cache, now, fingerprint, started)):
        return patched
    reading = settle_reads(reads, site, cache, now)
    del reads
    if reading.problems and not (skip_invalid and reading.articles):
        raise SeedErrors(reading.problems)  # with --skip-invalid too when none is valid
    units, listings = units_and_listings(site, reading.articles)
    with cache.reading_bodies_back(), TreeWriter(output, trust_manifest=use_cache) as writer:
        write_all(site, reading.articles, units, writer, cache, jobs)
        written = writer.commit(articles=len(reading.articles))
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
