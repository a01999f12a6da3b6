"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the newest ``feed_limit`` articles."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from feeds._json import dump_json
from feeds.models import Article, Site
from feeds.render import JSON_FEED_PATH, Tree

VERSION = "https://jsonfeed.org/version/1.1"


def render_json_feed(site: Site, articles: Sequence[Article]) -> Tree:
    """The subscription feed as JSON Feed 1.1."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": site.title,
        "home_page_url": site.url(),
        "feed_url": site.url(JSON_FEED_PATH),
        "language": site.language,
        "items": [_item(article) for article in articles[: site.feed_limit]],
    }
    if site.description:
        feed["description"] = site.description
    if site.author:
        feed["authors"] = [{"name": site.author.name}]
    return {PurePosixPath(JSON_FEED_PATH): dump_json(feed)}


def _item(article: Article) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "summary": article.summary,
        "content_html": article.content_html,
        "date_published": article.published.isoformat(),
        "date_modified": article.modified.isoformat(),
    }
    if article.tags:
        item["tags"] = list(article.tags)
    if article.author:
        item["authors"] = [{"name": article.author}]
    return item
