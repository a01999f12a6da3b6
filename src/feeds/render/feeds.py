"""RSS 2.0 and Atom 1.0 through feedgen, with its traps disarmed.

feedgen 1.0 would otherwise: stamp ``lastBuildDate``/``updated`` with the clock
(we set both from the newest article); prepend entries (we append, newest
first); take the RSS channel ``<link>`` from the last link added (we add self
first, the home page last); write its own generator with its version (we set
ours); and format RSS dates by switching the process locale with ``setlocale``
(we replace that formatter with ``email.utils.format_datetime``, which never
depends on the locale and is safe in threads).

An article in another language than the site's gets ``xml:lang`` on its Atom
entry (``_EntryLanguage``, an entry extension: feedgen has no setting for it);
RSS has only the channel's ``<language>``.

Links feedgen does not write into RSS (RFC 5005 ``current``/``prev-archive``/
``next-archive``, and ``<fh:archive/>``) come from a small feedgen extension,
``_ChannelLinks``, so both formats carry them; so does the WebSub ``hub`` link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import PurePosixPath
from typing import Any

import feedgen.entry
import feedgen.feed
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree
from markupsafe import escape

from feeds.models import Article, Author, Site
from feeds.render import ATOM_PATH, RSS_PATH, Channel, Tree

GENERATOR = "feeds"
GENERATOR_URI = "https://pypi.org/project/feeds/"
# Where a site has no article yet, Atom still needs an <updated>: a fixed instant.
EMPTY_SITE_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

feedgen.feed.formatRFC2822 = format_datetime
feedgen.entry.formatRFC2822 = format_datetime


def render_xml_feeds(site: Site, channel: Channel, articles: Sequence[Article]) -> Tree:
    """RSS and Atom documents of one channel, holding ``articles`` (newest first)."""
    generator = _feed(site, channel, articles)
    entries = list(zip(generator.entry(), articles, strict=True))
    # feedgen keeps one identifier per entry for both formats: RSS gets the
    # permalink guid, then Atom the stable tag: URI.
    _link_to(generator, site, channel, RSS_PATH, "application/rss+xml")
    for entry, article in entries:
        entry.guid(article.url, permalink=True)
    rss = generator.rss_str(pretty=True)
    _link_to(generator, site, channel, ATOM_PATH, "application/atom+xml")
    for entry, article in entries:
        entry.id(article.id)
    atom = generator.atom_str(pretty=True)
    return {
        PurePosixPath(channel.root + RSS_PATH): _xml_bytes(rss),
        PurePosixPath(channel.root + ATOM_PATH): _xml_bytes(atom),
    }


def _link_to(
    generator: FeedGenerator, site: Site, channel: Channel, name: str, media_type: str
) -> None:
    """Self link first, the home page last: RSS takes its channel <link> from the last."""
    self_link = {"href": site.url(channel.root + name), "rel": "self", "type": media_type}
    home_link = {"href": channel.home, "rel": "alternate", "type": "text/html"}
    generator.link([self_link, home_link], replace=True)
    generator.channel_links.set(
        [(rel, site.url(root + name)) for rel, root in channel.links],
        archive=channel.archive,
        hrefs=list(channel.hrefs),
    )


def _feed(site: Site, channel: Channel, articles: Sequence[Article]) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension("channel_links", _ChannelLinks, _EntryExtras)
    generator.register_extension("html_subtitle", _HtmlSubtitle, _NoEntryExtension, rss=False)
    generator.id(channel.id)
    generator.title(channel.title)
    # Readers show the RSS channel <description> as HTML (as the item's): the text is
    # escaped for it, and the Atom subtitle with the same value is declared HTML.
    generator.description(html_text(channel.description or channel.title))
    generator.language(site.language)
    generator.generator(GENERATOR, uri=GENERATOR_URI)
    # Atom needs an author for every entry: the site's, else the site itself.
    author = site.author or Author(name=site.title)
    generator.author(_author(author.name, author.email))
    updated = max((article.modified for article in articles), default=EMPTY_SITE_UPDATED)
    generator.updated(updated)
    if articles:
        generator.lastBuildDate(updated)
        generator.pubDate(articles[0].published)
    for article in articles:
        _add_entry(generator, site, article)
    return generator


def _add_entry(generator: FeedGenerator, site: Site, article: Article) -> None:
    entry = generator.add_entry(order="append")
    if article.language not in {None, site.language}:
        entry.channel_links.language = article.language
    entry.title(article.title)
    entry.link(href=article.url, rel="alternate", type="text/html")
    entry.published(article.published)
    entry.updated(article.modified)
    # RSS <description> is HTML: the plain-text summary is escaped for it. The Atom
    # summary is declared HTML too, like the content: as text, a summary that
    # mentions "<b>" is valid, but validators warn that it looks like HTML.
    summary = html_text(article.summary)
    entry.description(summary)
    entry.summary(summary, type="html")
    entry.content(article.feed_html, type="html")
    for tag in article.tags:
        entry.category(term=tag)
    if article.image:  # RSS <enclosure>, Atom <link rel="enclosure">: where readers look
        file = article.image.published
        entry.channel_links.enclose(site.url(file.path), file.length, file.media_type)
    if article.author:
        entry.author(_author(article.author, None))
        entry.dc.dc_creator(article.author)


def html_text(text: str) -> str:
    """Plain text as HTML that shows exactly that text, for fields readers render as HTML."""
    return str(escape(text))


def _author(name: str, email: str | None) -> dict[str, str]:
    return {"name": name, "email": email} if email else {"name": name}


def _xml_bytes(document: bytes) -> bytes:
    """Serialised XML, with '<' and '&' in text written as '&#x3C;' and '&#x26;'.

    The forms are the same XML. The RSS Profile asks for these in plain text, and
    the W3C validator, which takes the channel <description> for plain text (readers
    render it as HTML), warns on an escaped entity in it ('&amp;lt;', the text
    '<b>' escaped for HTML) or on '&lt;' in a title about "<div>", unless its line
    has a '&#x' reference.
    """
    return document.replace(b"&lt;", b"&#x3C;").replace(b"&amp;", b"&#x26;")


class _ChannelLinks(BaseExtension):  # type: ignore[misc]
    """Extra ``atom:link`` elements (and ``fh:archive``) for both RSS and Atom."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []
        self.archive = self.complete = False

    def set(
        self,
        links: list[tuple[str, str]],
        *,
        archive: bool,
        hrefs: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Archive links (``links``), then ``hrefs`` such as the hub, which are no archive link."""
        self.links, self.archive = [*links, *hrefs], archive
        # An archive page with no archive link holds every article: it says so (RFC 5005 §2).
        self.complete = archive and not links

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS} if self.archive else {}

    def extend_rss(self, feed: Any) -> Any:  # noqa: ANN401  (lxml element, untyped)
        channel = feed[0]
        position = next((i for i, child in enumerate(channel) if child.tag == "item"), len(channel))
        self._insert(channel, position, f"{{{ATOM_NS}}}link")
        return feed

    def extend_atom(self, feed: Any) -> Any:  # noqa: ANN401
        # feedgen writes Atom elements unqualified, under a default xmlns: so do we.
        position = next((i for i, child in enumerate(feed) if child.tag == "entry"), len(feed))
        self._insert(feed, position, "link")
        return feed

    def _insert(self, parent: Any, position: int, link: str) -> None:  # noqa: ANN401
        """Add the links, then the history markers, before ``position``."""
        tags = [(link, {"rel": rel, "href": href}) for rel, href in self.links]
        if self.archive:
            tags.append((f"{{{HISTORY_NS}}}archive", {}))
        if self.complete:
            tags.append((f"{{{HISTORY_NS}}}complete", {}))
        for offset, (tag, attributes) in enumerate(tags):
            # SubElement takes the prefixes declared on the document (atom:, fh:)
            parent.insert(position + offset, etree.SubElement(parent, tag, attributes))


class _HtmlSubtitle(BaseExtension):  # type: ignore[misc]
    """Atom's ``<subtitle type="html">``: feedgen writes the subtitle without a type."""

    def extend_atom(self, feed: Any) -> Any:  # noqa: ANN401
        for subtitle in feed.iterfind("subtitle"):
            subtitle.set("type", "html")
        return feed


class _NoEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """feedgen wants an entry class for every extension; entries get nothing."""


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """What feedgen cannot say of an entry: its language (Atom ``xml:lang``) and its
    enclosure (RSS ``<enclosure>``, Atom ``<link rel="enclosure">``).

    Not feedgen's own ``enclosure()``: feedgen 1.0 writes an Atom entry's links
    with ``href`` alone (its loop variable shadows the link's attributes), which
    would turn the enclosure into a second alternate link.
    """

    def __init__(self) -> None:
        self.language: str | None = None
        self.attributes: dict[str, str] | None = None

    def enclose(self, url: str, length: int, media_type: str) -> None:
        """Enclose the resource at ``url``, ``length`` bytes of ``media_type``."""
        self.attributes = {"url": url, "length": str(length), "type": media_type}

    def extend_rss(self, item: Any) -> Any:  # noqa: ANN401  (lxml element, untyped)
        if self.attributes:
            etree.SubElement(item, "enclosure", self.attributes)
        return item

    def extend_atom(self, entry: Any) -> Any:  # noqa: ANN401
        if self.language:
            entry.set(XML_LANG, self.language)
        if self.attributes:
            attributes = dict(self.attributes)
            href = attributes.pop("url")
            etree.SubElement(entry, "link", {"rel": "enclosure", "href": href, **attributes})
        return entry
