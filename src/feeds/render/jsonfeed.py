"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of one channel.

Archive chain: a subscription feed's ``next_url`` is its newest archive page,
and each archive page's ``next_url`` the one before it, so following
``next_url`` walks back through every article (JSON Feed's own pagination).
The RFC 5005 links themselves are also given in an ``_rfc5005`` extension
object (``current``, ``prev_archive``, ``next_archive``, ``archive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from feeds._json import dump_json
from feeds.models import Article, Site
from feeds.render import JSON_FEED_PATH, Channel, Tree

VERSION = "https://jsonfeed.org/version/1.1"


def render_json_feed(site: Site, channel: Channel, articles: Sequence[Article]) -> Tree:
    """One channel's JSON Feed, holding ``articles`` (newest first)."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": site.url(channel.root + JSON_FEED_PATH),
        "language": site.language,
        "items": [_item(site, article) for article in articles],
    }
    if channel.description:
        feed["description"] = channel.description
    if site.author:
        feed["authors"] = [{"name": site.author.name}]
    links = {rel.replace("-", "_"): site.url(root + JSON_FEED_PATH) for rel, root in channel.links}
    if "prev_archive" in links:
        feed["next_url"] = links["prev_archive"]
    if links or channel.archive:
        feed["_rfc5005"] = {**links, "archive": channel.archive}
    hubs = [{"type": "WebSub", "url": href} for rel, href in channel.hrefs if rel == "hub"]
    if hubs:
        feed["hubs"] = hubs
    return {PurePosixPath(channel.root + JSON_FEED_PATH): dump_json(feed)}


def _item(site: Site, article: Article) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "summary": article.summary,
        "content_html": article.feed_html,
        "date_published": article.published.isoformat(),
        "date_modified": article.modified.isoformat(),
    }
    if article.tags:
        item["tags"] = list(article.tags)
    if article.image:  # the item's image, and as the attachment RSS and Atom enclose
        file = article.image.published
        item["image"] = site.url(file.path)
        item["attachments"] = [
            {"url": item["image"], "mime_type": file.media_type, "size_in_bytes": file.length}
        ]
    if article.author:
        item["authors"] = [{"name": article.author}]
    if article.language not in {None, site.language}:
        item["language"] = article.language
    return item
