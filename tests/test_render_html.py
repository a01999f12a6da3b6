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


@pytest.fixture(scope="module")
def archived():
    """A site of 23 articles in archive pages of 4, every other one tagged 'even'."""
    from datetime import date, timedelta

    from feeds._seeds import parse_seed
    from feeds._timeline import newest_first
    from feeds.build._units import render_site
    from tests.conftest import make_site

    site = make_site(feed_limit=3, archive_size=4)
    articles = newest_first(
        [
            parse_seed(
                f"{n}.txt",
                f"{date(2024, 12, 20) + timedelta(days=n)}\narticle-{n}\n"
                f"{'tags: even' if n % 2 == 0 else 'author: A. Writer'}\n\nText {n}.\n".encode(),
                site,
            )
            for n in range(23)
        ]
    )
    return site, articles, render_site(site, articles)


def _listed(tree, path: PurePosixPath) -> tuple[list[PurePosixPath], PurePosixPath | None]:
    """The article pages a listing page links, and the older page it links to, if any."""
    document = html5lib.parse(tree[path], namespaceHTMLElements=False)
    articles = [a.get("href") for a in document.iterfind(".//ol[@class='articles']//h2/a")]
    older = [a.get("href") for a in document.iterfind(".//nav[@class='pager']//a[@rel='prev']")]

    def resolve(href: str) -> PurePosixPath:
        return PurePosixPath(*_normalise(path.parent / href), "index.html")

    return [resolve(href) for href in articles], resolve(older[0]) if older else None


@pytest.mark.parametrize(("start", "tag"), [("index.html", ""), ("tags/even/index.html", "even")])
def test_every_article_is_reachable_through_the_archive(archived, start, tag):
    """From the home page (or a tag's page), 'Older articles' links lead through archive
    pages that list every article (with the tag) exactly once, so each is reachable."""
    site, articles, tree = archived
    shown, page = _listed(tree, PurePosixPath(start))
    assert len(shown) == site.feed_limit
    archived_pages: list[PurePosixPath] = []
    while page is not None:
        listed, page = _listed(tree, page)
        archived_pages += listed
    expected = [a for a in articles if not tag or tag in a.tags]
    assert len(archived_pages) == len(set(archived_pages))
    assert set(archived_pages) | set(shown) == {
        PurePosixPath(a.url.removeprefix(site.base_url), "index.html") for a in expected
    }
    if not tag:  # the site's archive holds every article, as the archive feeds do
        assert len(archived_pages) == len(articles)


def test_archive_pages_are_valid_accessible_and_linked(archived):
    """Archive and tag archive pages parse as HTML5 without an error, have one h1 and a
    main landmark, and every relative link they hold reaches a built file."""
    _, _, tree = archived
    pages = [p for p in tree if "archive" in p.parts and p.name == "index.html"]
    assert len([p for p in pages if p.parts[0] == "tags"]) == 12 // 3  # 12 'even', 3 a page
    assert len([p for p in pages if p.parts[0] == "archive"]) == 6  # 23 articles, 4 a page
    for path in pages:
        html5lib.HTMLParser(strict=True).parse(tree[path])
        names = [tag for tag, _ in _tags(tree[path])]
        assert names.count("h1") == names.count("main") == 1
        for tag, attrs in _tags(tree[path]):
            target = attrs.get("href") if tag in {"a", "link"} else None
            if target and "://" not in target and not target.startswith(("#", "data:")):
                resolved = PurePosixPath(*_normalise(path.parent / target))
                assert (resolved / "index.html" if target.endswith("/") else resolved) in tree
    newest = tree[PurePosixPath("archive/6/index.html")].decode()
    assert 'href="../../index.html" rel="next">Newest articles</a>' in newest
    assert 'href="../5/" rel="prev">Older articles</a>' in newest
