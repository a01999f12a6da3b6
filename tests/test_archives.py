"""RFC 5005 archives: walking back from the subscription feed reaches every article once."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import PurePosixPath

import feedparser
import pytest

from feeds._seeds import parse_seed
from feeds._timeline import newest_first
from feeds.build._units import cacheable_units, render_unit
from feeds.render.channels import render_subscription_feeds
from tests.conftest import make_site

FEED_LIMIT, ARCHIVE_SIZE = 3, 4


def _articles(site, count: int, start: date = date(2020, 1, 1)):
    articles = [
        parse_seed(
            f"a{n}.txt", f"{start + timedelta(days=n)}\narticle-{n}\n\nText {n}.\n".encode(), site
        )
        for n in range(count)
    ]
    return newest_first(articles)


def _feed_tree(site, articles):
    tree = render_subscription_feeds(site, articles)
    for name, _, job in cacheable_units(site, articles):
        if name.startswith("archive:"):
            tree.update(render_unit(site, job))
    return tree


def _walk(tree, site, name: str) -> list[list[str]]:
    """Follow prev-archive from the subscription feed; each document's entry links."""
    documents, path = [], PurePosixPath(name)
    while True:
        parsed = feedparser.parse(tree[path])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        documents.append([entry.link for entry in parsed.entries])
        previous = [
            link.href for link in parsed.feed.get("links", []) if link.rel == "prev-archive"
        ]
        if not previous:
            return documents
        path = PurePosixPath(previous[0].removeprefix(site.base_url))


@pytest.fixture
def site():
    return make_site(feed_limit=FEED_LIMIT, archive_size=ARCHIVE_SIZE)


@pytest.mark.parametrize("count", [0, 1, FEED_LIMIT, FEED_LIMIT + 1, 1000])
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_walking_archives_reaches_every_article_once(site, count, name):
    """prev-archive links lead from the subscription feed through pages with each article once."""
    articles = _articles(site, count)
    documents = _walk(_feed_tree(site, articles), site, name)
    archived = [link for page in documents[1:] for link in page]
    assert sorted(archived) == sorted(article.url for article in articles)
    assert len(set(archived)) == len(archived), "no article in two archive pages"
    assert documents[0] == [article.url for article in articles[:FEED_LIMIT]]


@pytest.mark.parametrize("count", [0, 1, FEED_LIMIT + 1, 1000])
def test_json_feed_next_url_walks_the_same_chain(site, count):
    """JSON Feed's next_url leads from feed.json through every archive page."""
    articles = _articles(site, count)
    tree = _feed_tree(site, articles)
    seen, feed = [], json.loads(tree[PurePosixPath("feed.json")])
    while "next_url" in feed:
        feed = json.loads(tree[PurePosixPath(feed["next_url"].removeprefix(site.base_url))])
        assert feed["_rfc5005"]["archive"] is True
        seen += [item["url"] for item in feed["items"]]
    assert sorted(seen) == sorted(article.url for article in articles)


def test_archive_pages_are_marked_and_linked(site):
    """Archive documents carry fh:archive, current and their neighbours."""
    tree = _feed_tree(site, _articles(site, 10))  # pages of 4, 4, 2
    middle = tree[PurePosixPath("archive/2/atom.xml")]
    assert b"<fh:archive/>" in middle
    links = {link.rel: link.href for link in feedparser.parse(middle).feed.links}
    assert links["current"] == site.url("atom.xml")
    assert links["prev-archive"] == site.url("archive/1/atom.xml")
    assert links["next-archive"] == site.url("archive/3/atom.xml")
    assert links["self"] == site.url("archive/2/atom.xml")


def test_new_article_changes_only_the_subscription_feeds_and_newest_page(site):
    """Adding one article changes the subscription feeds and the newest archive page (its
    feeds and HTML page) only."""
    articles = _articles(site, 9)  # pages of 4, 4, 1
    before = _feed_tree(site, articles)
    newer = _articles(site, 10)
    after = _feed_tree(site, newer)
    changed = {str(path) for path in after if before.get(path) != after[path]}
    assert changed == {
        "rss.xml", "atom.xml", "feed.json",
        "archive/3/rss.xml", "archive/3/atom.xml", "archive/3/feed.json", "archive/3/index.html",
    }  # fmt: skip
