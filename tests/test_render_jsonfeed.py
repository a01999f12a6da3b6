"""JSON Feed 1.1: the specification's rules, and lemon24/reader reading it back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from feeds._seeds import with_body
from feeds.render.channels import render_subscription_feeds
from tests.feedcheck import read_json_feed

FEED = PurePosixPath("feed.json")


def _is_absolute_url(value: object) -> bool:
    parts = urlsplit(str(value))
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _rfc3339(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no offset"
    return moment


def test_follows_json_feed_1_1(tree, site):
    """Top-level and item members have the types and forms JSON Feed 1.1 requires."""
    feed = json.loads(tree[FEED])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["home_page_url"] == site.url()
    assert feed["feed_url"] == site.url("feed.json")
    assert all(isinstance(author["name"], str) for author in feed["authors"])
    assert isinstance(feed["items"], list)
    ids = [item["id"] for item in feed["items"]]
    assert len(set(ids)) == len(ids), "item ids must be unique"
    for item in feed["items"]:
        assert isinstance(item["id"], str)
        assert "content_html" in item or "content_text" in item
        assert _is_absolute_url(item["url"])
        assert _rfc3339(item["date_modified"]) >= _rfc3339(item["date_published"])
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
        assert "author" not in item, "1.1 uses authors, not author"


def test_reader_reads_the_items(tree, articles, tmp_path):
    """reader subscribes and sees every item's id, title, link, dates and content."""
    entries = read_json_feed(tree[FEED], tmp_path)
    newest = articles[:2]
    assert [entry.id for entry in entries] == [article.id for article in newest]
    for entry, article in zip(entries, newest, strict=True):
        assert entry.title == article.title
        assert entry.link == article.url
        assert entry.published == article.published.astimezone(UTC)
        assert entry.updated == article.modified.astimezone(UTC)
        assert entry.content[0].value == with_body(article).content_html


def test_newest_first_and_limited(site, articles):
    """Items are the newest feed_limit articles, newest first."""
    items = json.loads(render_subscription_feeds(site, articles)[FEED])["items"]
    assert [item["id"] for item in items] == [article.id for article in articles[: site.feed_limit]]


def test_markup_is_escaped_in_content(tree):
    """Article text with '<script>' is escaped inside content_html and plain in title."""
    item = json.loads(tree[FEED])["items"][0]
    assert item["title"] == "Why <script> & ]]> Must Stay Text"
    assert "<script>" not in item["content_html"]
    assert "&lt;script&gt;" in item["content_html"]
