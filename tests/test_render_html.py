"""The HTML pages: valid, escaped, and the targets of every feed link."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import html5lib
import pytest

from tests.feedcheck import parse_xml_feed


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(data: bytes) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Links()
    parser.feed(data.decode())
    return parser.tags


def _pages(tree):
    return [path for path in tree if path.suffix == ".html"]


def test_pages_are_valid_html5(tree):
    """Every page parses as HTML5 without a single parse error."""
    for path in _pages(tree):
        html5lib.HTMLParser(strict=True).parse(tree[path])


def test_pages_are_accessible_basics(tree, site):
    """Each page declares its language and has one h1, a main landmark and a title."""
    for path in _pages(tree):
        tags = _tags(tree[path])
        names = [tag for tag, _ in tags]
        assert ("html", {"lang": site.language, "dir": "ltr"}) in tags
        assert names.count("h1") == 1, path
        assert names.count("main") == 1
        assert "title" in names


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_every_feed_link_has_a_page(tree, site, name):
    """Every item link of the feeds points to a page the build wrote."""
    for entry in parse_xml_feed(tree, name).entries:
        path = PurePosixPath(entry.link.removeprefix(site.base_url), "index.html")
        assert path in tree


def test_home_page_advertises_all_feeds(tree, site):
    """index.html has rel=alternate autodiscovery links for RSS, Atom and JSON Feed."""
    alternates = {
        attrs["type"]: attrs["href"]
        for tag, attrs in _tags(tree[PurePosixPath("index.html")])
        if tag == "link" and attrs.get("rel") == "alternate"
    }
    assert alternates == {
        "application/rss+xml": site.url("rss.xml"),
        "application/atom+xml": site.url("atom.xml"),
        "application/feed+json": site.url("feed.json"),
    }


def test_relative_links_resolve_inside_the_build(tree, site):
    """Links and stylesheets between pages point at files the build wrote."""
    root = urlsplit(site.base_url).path  # absolute-path links (the 404 page) start here
    for path in _pages(tree):
        for tag, attrs in _tags(tree[path]):
            target = attrs.get("href") if tag in {"a", "link"} else None
            if not target or "://" in target or target.startswith(("#", "data:")):
                continue
            base = path.parent
            if target.startswith("/"):
                assert target.startswith(root), f"{path}: {target}"
                base, target = PurePosixPath(), target.removeprefix(root) or "./"
            resolved = PurePosixPath(*_normalise(base / target))
            if target.endswith("/"):
                resolved /= "index.html"
            assert resolved in tree, f"{path}: {target}"


def _normalise(path: PurePosixPath) -> list[str]:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return parts


def test_article_text_is_escaped(tree):
    """'<script>' in a title or body is shown as text, never run."""
    page = tree[PurePosixPath("articles/script-tags-and-cdata-ends/index.html")]
    assert page.count(b"<script") == 1  # only the JSON-LD element, whose text is escaped
    assert b'<script type="application/ld+json">' in page
    assert b"&lt;script&gt;alert(" in page
    document = html5lib.parse(page, namespaceHTMLElements=False)
    assert document.find(".//h1").text == "Why <script> & ]]> Must Stay Text"
