"""The pipeline: seeds → articles → renderers → the writer, with a build cache.

    read      seeds whose stat signature is unchanged are not read;
              the others are hashed, and those of unknown hash parsed
              (in worker processes when there are many); articles are kept
              without their bodies
    order     one timeline, newest first, times made distinct (_timeline)
    render    cacheable units (an article's page and document; each archive
              page, the site's or a tag's, with its feeds; each API list page
              and entry document; each tag page; each subscription feed's three
              formats; the sitemap; the files of the configuration alone) only
              when their render key changed, in worker processes that write
              their files into the staging folder; the pages that count or link
              everything (home page, tags index, subscribe page) every time, in
              this process meanwhile
    write     TreeWriter stages what differs from the output and commits it

    patch     when the seeds changed only in their articles' text, the last
              build's plan replaces order and render: only
              the units showing an edited article are rendered, every other
              file is kept as the manifest lists it

Modules, in the order a build uses them: ``_reading`` (seeds through the
cache, ``_cache``), ``_pipeline`` (``build``: reads and decides: nothing to
do, a patch or the full path), ``_units`` (renders and writes the units, in
worker processes: ``_parallel``), ``_patch`` (patches the last build with its
plan, ``_plan``), ``_write`` (stages and commits the output), ``_report`` (the
summary). ``_units`` and ``_patch`` import the renderers (Jinja, feedgen,
lxml; with titlecase, which parsing imports, about 0.1 s of start-up), so a
build that finds nothing to do never imports them. Every import points down
this list or out of the package: nothing in it imports the pipeline back.

Rendering finishes before anything in the output changes. ``build`` is the only
place that decides what a bad article means for a run: fail (default) or skip
it (``skip_invalid``).
"""

from feeds.build._pipeline import build
from feeds.build._report import BuildReport

__all__ = ["BuildReport", "build"]
