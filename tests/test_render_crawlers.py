"""sitemap.xml and robots.txt: well-formed, absolute, and every URL is a built page."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest
from lxml import etree

from feeds.build._units import render_site
from feeds.render import crawlers

NS = {"s": crawlers.SITEMAP_NAMESPACE}


def _xml(tree, name: str):
    root = etree.fromstring(tree[PurePosixPath(name)])
    assert etree.QName(root).namespace == crawlers.SITEMAP_NAMESPACE
    return root


def _built_file(tree, site, url: str) -> PurePosixPath:
    """The output file a URL of the site is served from (directories serve index.html)."""
    parts = urlsplit(url)
    assert parts.scheme in {"http", "https"}
    assert parts.netloc
    assert url.startswith(site.base_url), url
    path = url.removeprefix(site.base_url)
    return PurePosixPath(path + "index.html" if path.endswith("/") or not path else path)


def _urls(root) -> dict[str, str | None]:
    return {
        url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
        for url in root.iterfind("s:url", NS)
    }


def test_sitemap_lists_every_article_and_the_site_pages(tree, site, articles):
    """Each article page, the home and subscribe pages are listed, lastmod from the last change."""
    root = _xml(tree, "sitemap.xml")
    assert etree.QName(root).localname == "urlset"
    urls = _urls(root)
    for article in articles:
        assert urls[article.url] == article.modified.isoformat()
    assert urls[site.url()] == max(a.modified for a in articles).isoformat()
    assert urls[site.url("subscribe/")] is None  # changes with the software, not the articles
    assert len(root.findall("s:url", NS)) == len(urls)  # no URL twice


def test_sitemap_urls_are_absolute_and_built(tree, site):
    """Every <loc> is an absolute URL below base_url that the build wrote a file for."""
    for url in _urls(_xml(tree, "sitemap.xml")):
        assert _built_file(tree, site, url) in tree, url


def test_large_sitemap_becomes_an_index(site, articles, monkeypatch):
    """Beyond SITEMAP_LIMIT URLs, sitemap.xml indexes sitemap-N.xml files that hold them all."""
    monkeypatch.setattr(crawlers, "SITEMAP_LIMIT", 2)
    tree = render_site(site, articles)
    index = _xml(tree, "sitemap.xml")
    assert etree.QName(index).localname == "sitemapindex"
    expected = crawlers.sitemap_entries(site, articles)
    files = [loc.text for loc in index.iterfind("s:sitemap/s:loc", NS)]
    assert len(files) == -(-len(expected) // 2)
    listed: list[str] = []
    for number, url in enumerate(files, start=1):
        assert url == site.url(f"sitemap-{number}.xml")
        part = _xml(tree, str(_built_file(tree, site, url)))
        assert etree.QName(part).localname == "urlset"
        assert 1 <= len(part.findall("s:url", NS)) <= 2
        listed += list(_urls(part))
    assert listed == [entry.url for entry in expected]
    assert not any(str(path).startswith("sitemap-") for path in render_site(site, articles[:0]))


def test_sitemap_adds_to_the_last_file_only(site, articles, monkeypatch):
    """Articles are listed oldest first, so a new article changes only the last sitemap file."""
    monkeypatch.setattr(crawlers, "SITEMAP_LIMIT", 2)
    before = crawlers.render_sitemap(site, articles[1:])
    after = crawlers.render_sitemap(site, articles)
    assert before[PurePosixPath("sitemap-1.xml")] == after[PurePosixPath("sitemap-1.xml")]


@pytest.mark.parametrize("count", [0, 1])
def test_small_sites_have_a_sitemap(site, articles, count):
    """A site with no or one article still has a valid sitemap with its own pages."""
    tree = crawlers.render_sitemap(site, articles[:count])
    urls = _urls(_xml(tree, "sitemap.xml"))
    own_pages = [site.url(), site.url("subscribe/")]
    tag_pages = [site.url(p) for p in ("tags/", "tags/html-xml/", "tags/security/")] * count
    assert list(urls)[count:] == own_pages + tag_pages
    assert len(urls) == count + len(own_pages) + len(tag_pages)


def test_robots_allows_all_and_names_the_sitemap(tree, site):
    """robots.txt allows every crawler everywhere and gives the sitemap's absolute URL."""
    lines = tree[PurePosixPath("robots.txt")].decode().splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert f"Sitemap: {site.url('sitemap.xml')}" in lines
    assert PurePosixPath("sitemap.xml") in tree
