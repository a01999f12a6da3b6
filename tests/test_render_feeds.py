"""RSS 2.0 and Atom 1.0 read back through feedparser, as feed readers do."""

from __future__ import annotations

import html
import locale
from datetime import UTC
from pathlib import PurePosixPath
from xml.etree import ElementTree

import pytest

from feeds._seeds import with_body
from feeds.render.channels import render_subscription_feeds as render_feeds
from tests.conftest import make_site
from tests.feedcheck import parse_xml_feed

FORMATS = ["rss.xml", "atom.xml"]


@pytest.mark.parametrize("name", FORMATS)
def test_items_round_trip(tree, articles, site, name):
    """Titles, links, ids, dates and content of the newest items read back as the models say."""
    parsed = parse_xml_feed(tree, name)
    newest = articles[: site.feed_limit]
    assert len(parsed.entries) == len(newest) == 2
    for entry, article in zip(parsed.entries, newest, strict=True):
        assert entry.title == article.title
        assert entry.link == article.url
        assert entry.id == (article.url if name == "rss.xml" else article.id)
        published = article.published.astimezone(UTC).timetuple()[:6]
        assert tuple(entry.published_parsed)[:6] == published
        # feedparser re-serialises HTML (quotes unescaped): compare the text it shows.
        content = with_body(article).content_html
        assert html.unescape(entry.content[0].value) == html.unescape(content)


@pytest.mark.parametrize("name", FORMATS)
def test_channel_links_and_dates(tree, articles, site, name):
    """Self and home links are absolute, and the feed date is the newest article's."""
    feed = parse_xml_feed(tree, name).feed
    links = {link.rel: link.href for link in feed.links}
    assert links["self"] == site.url(name)
    assert feed.link == site.url()
    newest_change = max(a.modified for a in articles[: site.feed_limit]).astimezone(UTC)
    assert tuple(feed.updated_parsed)[:6] == newest_change.timetuple()[:6]
    assert feed.title == site.title


def test_rss_guids_are_permalinks(tree, articles):
    """RSS items carry permalink guids: the article URL, marked isPermaLink."""
    items = ElementTree.fromstring(tree[PurePosixPath("rss.xml")]).iter("item")
    guids = [(item.findtext("guid"), item.find("guid").get("isPermaLink")) for item in items]
    assert guids == [(article.url, "true") for article in articles[:2]]


@pytest.mark.parametrize("name", FORMATS)
def test_markup_in_articles_stays_text(tree, name):
    """'<script>' and ']]>' in an article arrive as text, never as markup."""
    entry = parse_xml_feed(tree, name).entries[0]
    assert entry.title == "Why <script> & ]]> Must Stay Text"
    content = entry.content[0].value
    assert "<script>" not in content
    assert "&lt;script&gt;" in content
    assert "]]&gt;" in content


@pytest.mark.parametrize("name", FORMATS)
def test_summaries_are_html_that_shows_the_text(tree, articles, site, name):
    """The summary (RSS description, Atom summary) is declared HTML and shows the
    plain-text summary exactly, '<b>' and '&' included, never as markup."""
    parsed = parse_xml_feed(tree, name)
    for entry, article in zip(parsed.entries, articles[: site.feed_limit], strict=True):
        assert entry.summary_detail.type == "text/html"
        assert "<b>" not in entry.summary
        assert html.unescape(entry.summary) == article.summary
    assert any("<" in article.summary for article in articles[: site.feed_limit])


@pytest.mark.parametrize("name", FORMATS)
def test_channel_descriptions_show_markup_as_text(articles, name):
    """A site description or tag name with '<img onerror>' in it shows as that text in
    the channel description readers render as HTML, never as an image."""
    hostile = "<img src=x onerror=alert(2)>"
    site = make_site(description=f"News & {hostile}")
    tagged = [article.replaced(tags=(hostile,)) for article in articles]
    tree = render_feeds(site, tagged)
    expected = {
        name: f"News & {hostile}",
        f"tags/img-src-x-onerror-alert-2/{name}": f"Articles tagged “{hostile}” on {site.title}.",
    }
    for path, text in expected.items():
        subtitle = parse_xml_feed(tree, path).feed.subtitle_detail
        if subtitle.type == "text/html":  # RSS; Atom declares it HTML too
            assert "<img" not in subtitle.value
            assert html.unescape(subtitle.value) == text
        else:
            assert subtitle.value == text


@pytest.mark.parametrize("name", FORMATS)
def test_feed_limit_keeps_the_newest(articles, name):
    """A feed holds at most feed_limit items, newest first."""
    site = make_site(feed_limit=1)
    parsed = parse_xml_feed(render_feeds(site, articles), name)
    assert [entry.link for entry in parsed.entries] == [articles[0].url]


@pytest.mark.parametrize("name", FORMATS)
def test_empty_site_has_valid_feeds(site, name):
    """A site with no article yet still publishes well-formed, empty feeds."""
    parsed = parse_xml_feed(render_feeds(site, []), name)
    assert parsed.entries == []
    assert parsed.feed.title == site.title


def test_same_bytes_under_another_locale(site, articles, german_locale):
    """Feed bytes do not change with the process locale, and feedgen leaves it alone."""
    with german_locale():
        german = render_feeds(site, articles)
        assert locale.setlocale(locale.LC_TIME) == "de_DE.UTF-8"
    assert german == render_feeds(site, articles)
    assert b"Sa, 23 Aug" not in german[PurePosixPath("rss.xml")]


def test_rendering_never_switches_the_process_locale(site, articles, monkeypatch):
    """feedgen's process-wide, thread-unsafe setlocale() is never called."""

    def forbidden(*args):
        raise AssertionError(f"setlocale{args} called while rendering feeds")

    monkeypatch.setattr(locale, "setlocale", forbidden)
    render_feeds(site, articles)


def test_atom_id_survives_a_move(articles):
    """The Atom feed id is a tag: URI that does not change with base_url."""
    moved = make_site(base_url="https://elsewhere.example.net/")
    ids = {
        parse_xml_feed(render_feeds(s, articles), "atom.xml").feed.id for s in (make_site(), moved)
    }
    assert ids == {"tag:example.org,2025-08-23:feed"}


def test_generator_is_ours(tree):
    """The feeds name us as generator, without feedgen's version stamp."""
    assert parse_xml_feed(tree, "atom.xml").feed.generator == "feeds"
    assert b"python-feedgen" not in tree[PurePosixPath("rss.xml")]
    assert b"python-feedgen" not in tree[PurePosixPath("atom.xml")]
