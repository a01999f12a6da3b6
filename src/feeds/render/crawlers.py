"""What search engines read: ``sitemap.xml`` and ``robots.txt``.

    sitemap.xml        every page, with <lastmod> from the article's last change;
                       beyond SITEMAP_LIMIT URLs, a sitemap index over ...
    sitemap-{n}.xml    ... files of at most SITEMAP_LIMIT URLs each
    robots.txt         allows everything and names the sitemap

Articles are listed oldest first and the site's own pages last, so when an
article is added only the last sitemap file (and the index) changes.
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


@dataclass(frozen=True)
class SitemapEntry:
    """One page in the sitemap: its absolute URL and when it last changed, if known."""

    url: str
    lastmod: datetime | None = None


def sitemap_entries(site: Site, articles: Sequence[Article]) -> list[SitemapEntry]:
    """Every page for search engines: the articles oldest first, then the site's own pages."""
    entries = [SitemapEntry(article.url, article.modified) for article in reversed(articles)]
    home_changed = max((article.modified for article in articles[: site.feed_limit]), default=None)
    entries.append(SitemapEntry(site.url(), home_changed))
    entries.append(SitemapEntry(site.url(SUBSCRIBE_PATH)))
    tagged = articles_by_tag(articles)
    if tagged:
        entries.append(SitemapEntry(site.url(TAGS_ROOT)))
    for tag, members in tagged.items():
        changed = max(member.modified for member in members)
        entries.append(SitemapEntry(site.url(f"{TAGS_ROOT}{tag_slug(tag)}/"), changed))
    return entries


def sitemap_file_path(number: int) -> str:
    """Path of sitemap file ``number`` of a sitemap index."""
    return f"sitemap-{number}.xml"


def render_sitemap(site: Site, articles: Sequence[Article]) -> Tree:
    """``sitemap.xml``: the URL set, or an index over ``sitemap-{n}.xml`` when it is too long."""
    entries = sitemap_entries(site, articles)
    chunks = [
        entries[start : start + SITEMAP_LIMIT] for start in range(0, len(entries), SITEMAP_LIMIT)
    ]
    if len(chunks) <= 1:
        return {PurePosixPath(SITEMAP_PATH): _urlset(entries)}
    tree: Tree = {}
    parts: list[SitemapEntry] = []
    for number, chunk in enumerate(chunks, start=1):
        tree[PurePosixPath(sitemap_file_path(number))] = _urlset(chunk)
        dates = [entry.lastmod for entry in chunk if entry.lastmod is not None]
        parts.append(SitemapEntry(site.url(sitemap_file_path(number)), max(dates, default=None)))
    tree[PurePosixPath(SITEMAP_PATH)] = _document("sitemapindex", "sitemap", parts)
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
