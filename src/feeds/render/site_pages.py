"""HTML pages about the site rather than one article: subscribing, and the 404 page.

    subscribe/index.html    what a feed is, every feed's URL with a copy button,
                            and some feed readers to choose from
    404.html                what static hosts serve for a missing URL, at any depth

A 404 page is served at whatever URL was asked for, so its links cannot be
relative: they are absolute paths from the base URL's path (``/news/style.css``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from feeds.models import Article, Site, tag_slug
from feeds.render import FEED_FORMATS, TAGS_ROOT, Tree
from feeds.render._jinja import _environment
from feeds.render.channels import articles_by_tag
from feeds.render.html import _common, _encode

NOT_FOUND_PATH = "404.html"
SUBSCRIBE_PATH = "subscribe/"


@dataclass(frozen=True)
class FeedLink:
    """One feed a reader can subscribe to, as the subscribe page lists it."""

    title: str
    format: str
    url: str
    media_type: str


@dataclass(frozen=True)
class FeedReader:
    """A feed reader the subscribe page suggests (a plain link, no tracking)."""

    name: str
    url: str
    platforms: str


READERS = (
    FeedReader("NetNewsWire", "https://netnewswire.com/", "free app for Mac, iPhone and iPad"),
    FeedReader("Feedly", "https://feedly.com/", "web, Android and iOS"),
    FeedReader("Inoreader", "https://www.inoreader.com/", "web, Android and iOS"),
    FeedReader("NewsBlur", "https://newsblur.com/", "web, Android and iOS"),
    FeedReader("The Old Reader", "https://theoldreader.com/", "web"),
)


def subscription_feeds(site: Site, articles: Sequence[Article]) -> list[FeedLink]:
    """Every feed the subscribe page lists: the whole site's, then each tag's."""
    channels = [("All articles", "")] + [
        (f"Tagged “{tag}”", f"{TAGS_ROOT}{tag_slug(tag)}/") for tag in articles_by_tag(articles)
    ]
    return [
        FeedLink(title, name, site.url(root + path), media_type)
        for title, root in channels
        for name, media_type, path in FEED_FORMATS
    ]


def render_subscribe_page(site: Site, articles: Sequence[Article]) -> Tree:
    """``subscribe/index.html``: feeds explained to people who have never used one."""
    page = _environment().get_template("subscribe.html")
    html = page.render(
        _common(site, "../"),
        subscriptions=subscription_feeds(site, articles),
        readers=READERS,
    )
    return {PurePosixPath(SUBSCRIBE_PATH, "index.html"): _encode(html)}


def render_not_found(site: Site, articles: Sequence[Article]) -> Tree:
    """``404.html``, in the site's layout, with links that work wherever it is served."""
    page = _environment().get_template("404.html")
    root = site.root_path  # absolute-path links work at any depth
    html = page.render(_common(site, root))
    return {PurePosixPath(NOT_FOUND_PATH): _encode(html)}
