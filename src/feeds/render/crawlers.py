"""What search engines read: ``sitemap.xml`` and ``robots.txt``.

    sitemap.xml          every article page, with <lastmod> from its last change,
                         then the site's own pages; beyond SITEMAP_SPLIT URLs, a
                         sitemap index over the files below
    sitemap-{year}.xml   one year's articles, oldest first (beyond SITEMAP_LIMIT
                         in a year: sitemap-{year}-2.xml, ...)
    sitemap-pages.xml    the site's own pages: home, subscribe, tags
    robots.txt           allows everything and names the sitemap

Split by year, a new article changes only its year's file (about 140 bytes an
article: 120 kB for 900 articles a year, 1.3 MB for 9,000) rather than a file
of every article (1.4 MB at 10,000 articles, 7 MB per part beyond 50,000);
the index changes only when a year begins: it gives no <lastmod>, which would
change on every publish. For the same reason the site's own pages carry no
<lastmod> in a split sitemap (in one file, they change with it anyway): they
change with every article, and crawlers visit them often. Archive pages are
not listed: they hold no article of their own, and links reach them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from markupsafe import escape

from feeds._seeds import article_path
from feeds.models import Article, Site, quote_path, tag_slug
from feeds.render import API_ROOT, FEED_FORMATS, TAGS_ROOT, Tree
from feeds.render.channels import articles_by_tag, moved_tags
from feeds.render.site_pages import SUBSCRIBE_PATH

SITEMAP_PATH = "sitemap.xml"
ROBOTS_PATH = "robots.txt"
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# URLs in one sitemap file, the sitemaps.org maximum (tests lower it).
SITEMAP_LIMIT = 50_000
# Beyond this many URLs, sitemap.xml is split by year (tests lower it).
SITEMAP_SPLIT = 1_000
PAGES_PART = "pages"


@dataclass(frozen=True)
class SitemapEntry:
    """One page in the sitemap: its absolute URL and when it last changed, if known."""

    url: str
    lastmod: datetime | None = None


def sitemap_entries(site: Site, articles: Sequence[Article]) -> list[SitemapEntry]:
    """Every page for search engines: the articles oldest first, then the site's own pages."""
    return [*map(_article_entry, reversed(articles)), *_own_pages(site, articles, dated=True)]


def _article_entry(article: Article) -> SitemapEntry:
    return SitemapEntry(article.url, article.modified)


def _own_pages(site: Site, articles: Sequence[Article], *, dated: bool) -> list[SitemapEntry]:
    """The home, subscribe and tag pages; ``dated``: home and tag pages with <lastmod>."""

    def changed(members: Sequence[Article]) -> datetime | None:
        return max((a.modified for a in members), default=None) if dated else None

    entries = [
        SitemapEntry(site.url(), changed(articles[: site.feed_limit])),
        SitemapEntry(site.url(SUBSCRIBE_PATH)),
    ]
    tags = articles_by_tag(articles)
    if tags:
        entries.append(SitemapEntry(site.url(TAGS_ROOT)))
    for tag, members in tags.items():
        entries.append(SitemapEntry(site.url(f"{TAGS_ROOT}{tag_slug(tag)}/"), changed(members)))
    return entries


def sitemap_part_path(name: str) -> str:
    """Path of a part of a sitemap index: ``sitemap-2025.xml``, ``sitemap-pages.xml``."""
    return f"sitemap-{name}.xml"


def render_sitemap(site: Site, articles: Sequence[Article]) -> Tree:
    """``sitemap.xml``: the URL set, or an index over a file per year when it is too long."""
    entries = sitemap_entries(site, articles)
    if len(entries) <= SITEMAP_SPLIT:
        return {PurePosixPath(SITEMAP_PATH): _urlset(entries)}
    years: dict[int, list[SitemapEntry]] = {}
    for article in reversed(articles):  # a year as the API's lists have it: in its own zone
        years.setdefault(article.published.year, []).append(_article_entry(article))
    parts: dict[str, list[SitemapEntry]] = {}
    for year, year_entries in sorted(years.items()):
        for start in range(0, len(year_entries), SITEMAP_LIMIT):
            name = f"{year}-{start // SITEMAP_LIMIT + 1}" if start else str(year)
            parts[name] = year_entries[start : start + SITEMAP_LIMIT]
    parts[PAGES_PART] = _own_pages(site, articles, dated=False)
    tree = {PurePosixPath(sitemap_part_path(name)): _urlset(part) for name, part in parts.items()}
    index = [SitemapEntry(site.url(sitemap_part_path(name))) for name in parts]
    tree[PurePosixPath(SITEMAP_PATH)] = _document("sitemapindex", "sitemap", index)
    return tree


def sitemap_key(articles: Sequence[Article]) -> str:
    """The render key of the sitemap: all it shows of the articles (the site is in the
    cache's scope). A change to an article's text alone leaves it unchanged."""
    shown = (f"{a.url} {a.modified.isoformat()} {a.tags}" for a in articles)
    return hashlib.sha256("\n".join(shown).encode()).hexdigest()


def render_robots(site: Site, articles: Sequence[Article]) -> Tree:
    """``robots.txt``: crawl everything; the sitemap is here (absolute URL)."""
    text = f"User-agent: *\nAllow: /\n\nSitemap: {site.url(SITEMAP_PATH)}\n"
    return {PurePosixPath(ROBOTS_PATH): text.encode("utf-8")}


def _urlset(entries: Sequence[SitemapEntry]) -> bytes:
    return _document("urlset", "url", entries)


def _document(root: str, element: str, entries: Sequence[SitemapEntry]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="{SITEMAP_NAMESPACE}">']
    for entry in entries:
        lastmod = f"<lastmod>{entry.lastmod.isoformat()}</lastmod>" if entry.lastmod else ""
        lines.append(f"<{element}><loc>{escape(entry.url)}</loc>{lastmod}</{element}>")
    lines.append(f"</{root}>\n")
    return "\n".join(lines).encode("utf-8")


REDIRECTS_PATH = "_redirects"


def render_redirects(site: Site, articles: Sequence[Article]) -> Tree:
    """``_redirects`` (Netlify, Cloudflare Pages): a 301 from each old slug to its
    article, then from each moved tag's old URLs (``moved_tags``) to its new ones."""
    root = site.root_path
    lines = [
        f"{root}{article_path(alias)} {root}{article_path(article.slug)} 301\n"
        for article in sorted(articles, key=lambda article: article.slug)
        for alias in article.aliases
    ]
    tagged = articles_by_tag(articles)
    for old, tag in moved_tags(articles).items():
        new = quote_path(tag_slug(tag))
        pages = -(-len(tagged[tag]) // site.page_size)
        files = ["", *(name for _, _, name in FEED_FORMATS)]
        moves = [(f"{TAGS_ROOT}{old}/{name}", f"{TAGS_ROOT}{new}/{name}") for name in files]
        moves += [
            (f"{API_ROOT}tags/{old}/pages/{n}.json", f"{API_ROOT}tags/{new}/pages/{n}.json")
            for n in range(1, pages + 1)
        ]
        lines += [f"{root}{before} {root}{after} 301\n" for before, after in moves]
    return {PurePosixPath(REDIRECTS_PATH): "".join(lines).encode()} if lines else {}
