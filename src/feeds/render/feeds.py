"""RSS 2.0 and Atom 1.0 through feedgen, with its traps disarmed.

feedgen 1.0 would otherwise: stamp ``lastBuildDate``/``updated`` with the clock
(we set both from the newest article); prepend entries (we append, newest
first); take the RSS channel ``<link>`` from the last link added (we add self
first, the home page last); write its own generator with its version (we set
ours); and format RSS dates by switching the process locale with ``setlocale``
(we replace that formatter with ``email.utils.format_datetime``, which never
depends on the locale and is safe in threads).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import PurePosixPath

import feedgen.entry
import feedgen.feed
from feedgen.feed import FeedGenerator
from markupsafe import escape

from feeds.models import Article, Author, Site
from feeds.render import ATOM_PATH, RSS_PATH, Tree

GENERATOR = "feeds"
GENERATOR_URI = "https://pypi.org/project/feeds/"
# Where a site has no article yet, Atom still needs an <updated>: a fixed instant.
EMPTY_SITE_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)

feedgen.feed.formatRFC2822 = format_datetime
feedgen.entry.formatRFC2822 = format_datetime


def render_feeds(site: Site, articles: Sequence[Article]) -> Tree:
    """The subscription feeds: the newest ``feed_limit`` articles as RSS and Atom."""
    newest = articles[: site.feed_limit]
    generator = _feed(site, newest, feed_id(site, articles))
    entries = list(zip(generator.entry(), newest, strict=True))
    # feedgen keeps one identifier per entry for both formats: RSS gets the
    # permalink guid, then Atom the stable tag: URI.
    _link_to(generator, site, RSS_PATH, "application/rss+xml")
    for entry, article in entries:
        entry.guid(article.url, permalink=True)
    rss = generator.rss_str(pretty=True)
    _link_to(generator, site, ATOM_PATH, "application/atom+xml")
    for entry, article in entries:
        entry.id(article.id)
    atom = generator.atom_str(pretty=True)
    return {PurePosixPath(RSS_PATH): _xml_bytes(rss), PurePosixPath(ATOM_PATH): _xml_bytes(atom)}


def feed_id(site: Site, articles: Sequence[Article]) -> str:
    """The Atom feed's id: a tag: URI that survives a change of domain.

    Its date is the oldest article's (RFC 4151 wants a day the authority was
    held; ``articles`` run newest first); a site with no article uses 1970-01-01.
    """
    oldest = articles[-1].published.date().isoformat() if articles else "1970-01-01"
    return f"tag:{site.id_authority},{oldest}:feed"


def _link_to(generator: FeedGenerator, site: Site, path: str, media_type: str) -> None:
    """Self link first, the home page last: RSS takes its channel <link> from the last."""
    self_link = {"href": site.url(path), "rel": "self", "type": media_type}
    home_link = {"href": site.url(), "rel": "alternate", "type": "text/html"}
    generator.link([self_link, home_link], replace=True)


def _feed(site: Site, articles: Sequence[Article], identifier: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.id(identifier)
    generator.title(site.title)
    generator.description(site.description or site.title)
    generator.language(site.language)
    generator.generator(GENERATOR, uri=GENERATOR_URI)
    # Atom needs an author for every entry: the site's, else the site itself.
    author = site.author or Author(name=site.title)
    generator.author(_author(author.name, author.email))
    updated = max((article.modified for article in articles), default=EMPTY_SITE_UPDATED)
    generator.updated(updated)
    generator.lastBuildDate(updated if articles else None)
    if articles:
        generator.pubDate(articles[0].published)
    for article in articles:
        _add_entry(generator, site, article)
    return generator


def _add_entry(generator: FeedGenerator, site: Site, article: Article) -> None:
    entry = generator.add_entry(order="append")
    entry.title(article.title)
    entry.link(href=article.url, rel="alternate", type="text/html")
    entry.published(article.published)
    entry.updated(article.modified)
    # RSS <description> is HTML: the plain-text summary is escaped for it.
    entry.description(str(escape(article.summary)))
    entry.summary(article.summary)
    entry.content(article.content_html, type="html")
    for tag in article.tags:
        entry.category(term=tag)
    if article.author:
        entry.author(_author(article.author, None))
        entry.dc.dc_creator(article.author)


def _author(name: str, email: str | None) -> dict[str, str]:
    return {"name": name, "email": email} if email else {"name": name}


def _xml_bytes(document: bytes) -> bytes:
    """Serialised XML, with '<' in text written as '&#x3C;'.

    The two are the same XML; the W3C validator warns on '&lt;' in plain-text
    elements (a title about "<div>"), and this form avoids that warning.
    """
    return document.replace(b"&lt;", b"&#x3C;")
