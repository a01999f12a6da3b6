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


def _tagged(site, count: int):
    """``count`` articles, one a day, every third tagged 'sport' (besides 'all')."""
    articles = [
        parse_seed(
            f"t{n}.txt",
            f"{date(2021, 1, 1) + timedelta(days=n)}\narticle-{n}\n"
            f"tags: all{', sport' if n % 3 == 0 else ''}\n\nText {n}.\n".encode(),
            site,
        )
        for n in range(count)
    ]
    return newest_first(articles)


def _tag_tree(site, articles):
    tree = render_subscription_feeds(site, articles)
    for name, _, job in cacheable_units(site, articles):
        if name.startswith(("tag-archive:", "tag:")):
            tree.update(render_unit(site, job))
    return tree


@pytest.mark.parametrize("count", [1, 5, 6, 7, 20])
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_walking_a_tags_archives_reaches_every_tagged_article(site, count, name):
    """From a tag's feed, prev-archive leads through its archive pages (full ones only,
    min(archive_size, feed_limit) articles each): with the feed, every tagged article,
    and no article in two archive pages."""
    articles = _tagged(site, count)
    tree = _tag_tree(site, articles)
    documents = _walk(tree, site, f"tags/all/{name}")
    archived = [link for page in documents[1:] for link in page]
    size = min(FEED_LIMIT, ARCHIVE_SIZE)
    assert [len(page) for page in documents[1:]] == [size] * (count // size)
    assert len(set(archived)) == len(archived)
    assert set(archived) | set(documents[0]) == {article.url for article in articles}
    assert documents[0] == [article.url for article in articles[:FEED_LIMIT]]


def test_a_tag_archive_page_is_marked_and_linked(site):
    """A tag's archive page carries fh:archive, current (the tag's feed) and its neighbours."""
    tree = _tag_tree(site, _tagged(site, 10))  # 'all': pages of 3, 3, 3, and 1 in the feed only
    middle = tree[PurePosixPath("tags/all/archive/2/atom.xml")]
    assert b"<fh:archive/>" in middle
    links = {link.rel: link.href for link in feedparser.parse(middle).feed.links}
    assert links["current"] == site.url("tags/all/atom.xml")
    assert links["prev-archive"] == site.url("tags/all/archive/1/atom.xml")
    assert links["next-archive"] == site.url("tags/all/archive/3/atom.xml")
    assert links["alternate"] == site.url("tags/all/archive/2/")
    assert PurePosixPath("tags/all/archive/4/atom.xml") not in tree


def test_a_new_tagged_article_changes_no_tag_archive_page_until_one_fills(site):
    """Tag archive pages are written full: a new tagged article changes the tag's feeds and
    page, and a tag archive page only when it completes a new one."""
    before = _tag_tree(site, _tagged(site, 10))
    after = _tag_tree(site, _tagged(site, 11))  # 'all' from 10 to 11: no page fills up
    changed = {str(path) for path in after if before.get(path) != after[path]}
    assert {path for path in changed if "/archive/" in path} == set()
    assert "tags/all/index.html" in changed and "tags/all/rss.xml" in changed
    fuller = _tag_tree(site, _tagged(site, 12))  # 'all' from 11 to 12: page 4 fills up
    changed = {str(path) for path in fuller if after.get(path) != fuller[path]}
    assert {path for path in changed if "/archive/" in path} == {
        *(
            f"tags/all/archive/4/{name}"
            for name in ("rss.xml", "atom.xml", "feed.json", "index.html")
        ),
        *(
            f"tags/all/archive/3/{name}"
            for name in ("rss.xml", "atom.xml", "feed.json", "index.html")
        ),
    }
