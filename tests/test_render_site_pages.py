"""The 404 page: the site's layout, with links that work at any depth."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urljoin

import html5lib

from feeds.render import site_pages

NOT_FOUND = PurePosixPath("404.html")


def _links(page: bytes) -> list[str]:
    document = html5lib.parse(page, namespaceHTMLElements=False)
    return [
        element.get("href") or element.get("src")
        for element in document.iter()
        if element.tag in {"a", "link", "script", "img"}
        and (element.get("href") or element.get("src"))
    ]


def test_not_found_page_links_work_at_any_depth(tree, site):
    """Every same-site link of 404.html reaches a built file from a missing URL at any depth."""
    page = tree[NOT_FOUND]
    internal = [
        link for link in _links(page) if "://" not in link and not link.startswith(("#", "data:"))
    ]
    assert internal
    for missing in ("nope", "articles/gone/", "a/b/c/d/e.html"):
        for link in internal:
            assert link.startswith("/news/"), link
            url = urljoin(site.url(missing), link)
            path = url.removeprefix(site.base_url)
            assert PurePosixPath(path + "index.html" if path.endswith("/") else path) in tree


def test_not_found_page_is_not_indexed(tree):
    """404.html asks search engines not to index it and names no canonical URL."""
    document = html5lib.parse(tree[NOT_FOUND], namespaceHTMLElements=False)
    assert document.find(".//h1").text == "Page not found"
    assert not [link for link in document.iter("link") if link.get("rel") == "canonical"]
    robots = [m.get("content") for m in document.iter("meta") if m.get("name") == "robots"]
    assert robots == ["noindex"]


SUBSCRIBE = PurePosixPath("subscribe/index.html")


def _document(tree, path: PurePosixPath = SUBSCRIBE):
    return html5lib.parse(tree[path], namespaceHTMLElements=False)


def test_every_page_links_to_the_subscribe_page(tree, site):
    """The header of every page has a 'Subscribe' link that leads to subscribe/index.html."""
    for path in [p for p in tree if p.suffix == ".html"]:
        links = [a for a in _document(tree, path).iter("a") if a.text == "Subscribe"]
        assert len(links) == 1, path
        url = urljoin(site.url(str(path)), links[0].get("href"))
        assert url == site.url("subscribe/"), path


def test_subscribe_page_lists_every_feed_with_a_copy_button(tree, site, articles):
    """Each feed's absolute URL is in a read-only field with a label and a copy button for it."""
    document = _document(tree)
    fields = {field.get("id"): field for field in document.iter("input")}
    labels = {label.get("for"): "".join(label.itertext()) for label in document.iter("label")}
    buttons = [button.get("data-copy") for button in document.iter("button")]
    feeds = site_pages.subscription_feeds(site, articles)
    assert [field.get("value") for field in fields.values()] == [feed.url for feed in feeds]
    assert {feed.format for feed in feeds} == {"RSS", "Atom", "JSON Feed"}
    for feed, (key, field) in zip(feeds, fields.items(), strict=True):
        assert field.get("readonly") is not None
        assert feed.format in labels[key]
        assert key in buttons
        assert PurePosixPath(feed.url.removeprefix(site.base_url)) in tree


def test_subscribe_page_explains_feeds_and_suggests_readers(tree):
    """The page says what a feed is and links to common feed readers."""
    document = _document(tree)
    headings = [h.text for h in document.iter("h2")]
    assert "What is a feed?" in headings
    links = {a.text: a.get("href") for a in document.iter("a")}
    for reader in ("NetNewsWire", "Feedly", "Inoreader", "NewsBlur", "The Old Reader"):
        assert links[reader].startswith("https://"), reader


def test_subscribe_page_lists_feeds_it_is_given(site, articles, monkeypatch):
    """Feeds added to subscription_feeds (topic feeds, later) appear on the page."""
    extra = site_pages.FeedLink("Topic: Science", "Atom", site.url("tags/science/atom.xml"), "")
    original = site_pages.subscription_feeds
    monkeypatch.setattr(site_pages, "subscription_feeds", lambda s, a: [*original(s, a), extra])
    page = site_pages.render_subscribe_page(site, articles)[SUBSCRIBE].decode()
    assert 'value="https://test.example.org/news/tags/science/atom.xml"' in page
    assert "Topic: Science" in page


def test_copy_script_has_a_fallback(tree):
    """The copy button uses the Clipboard API and falls back to select + execCommand."""
    script = "".join(s.text or "" for s in _document(tree).iter("script"))
    assert "navigator.clipboard" in script
    assert 'execCommand("copy")' in script


def test_feeds_are_not_styled_with_xslt(tree):
    """No feed asks the browser for an XSLT stylesheet (Chromium is dropping XSLT)."""
    for name in ("rss.xml", "atom.xml"):
        assert b"xml-stylesheet" not in tree[PurePosixPath(name)]
