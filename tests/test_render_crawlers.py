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
    """Each article page, the home, subscribe and tag pages are listed, lastmod from the
    last change of what they show."""
    root = _xml(tree, "sitemap.xml")
    assert etree.QName(root).localname == "urlset"
    urls = _urls(root)
    for article in articles:
        assert urls[article.url] == article.modified.isoformat()
    assert list(urls)[: len(articles)] == [article.url for article in reversed(articles)]
    assert urls[site.url()] == max(a.modified for a in articles).isoformat()
    assert urls[site.url("tags/security/")] == articles[0].modified.isoformat()
    assert urls[site.url("subscribe/")] is None  # changes with the software, not the articles
    assert len(root.findall("s:url", NS)) == len(urls)  # no URL twice


def test_sitemap_urls_are_absolute_and_built(tree, site):
    """Every <loc> is an absolute URL below base_url that the build wrote a file for."""
    for url in _urls(_xml(tree, "sitemap.xml")):
        assert _built_file(tree, site, url) in tree, url


def _years(site, *years: int):
    """An article on 1 June of each year, newest first."""
    from feeds._seeds import parse_seed
    from feeds._timeline import newest_first

    return newest_first(
        [
            parse_seed(f"{n}.txt", f"{year}-06-01\narticle-{n}\n\nText.\n".encode(), site)
            for n, year in enumerate(years)
        ]
    )


def test_large_sitemap_becomes_an_index_by_year(site, monkeypatch):
    """Beyond SITEMAP_SPLIT URLs, sitemap.xml indexes a file per year (split again
    beyond SITEMAP_LIMIT) and one of the site's own pages; together they hold every URL."""
    monkeypatch.setattr(crawlers, "SITEMAP_SPLIT", 2)
    monkeypatch.setattr(crawlers, "SITEMAP_LIMIT", 2)
    articles = _years(site, 2024, 2025, 2025, 2025)
    tree = render_site(site, articles)
    index = _xml(tree, "sitemap.xml")
    assert etree.QName(index).localname == "sitemapindex"
    files = [loc.text for loc in index.iterfind("s:sitemap/s:loc", NS)]
    names = ["sitemap-2024.xml", "sitemap-2025.xml", "sitemap-2025-2.xml", "sitemap-pages.xml"]
    assert files == [site.url(name) for name in names]
    assert not index.findall("s:sitemap/s:lastmod", NS)  # it would change on every publish
    pages = _urls(_xml(tree, "sitemap-pages.xml"))
    assert list(pages) == [site.url(), site.url("subscribe/")] and not any(pages.values())
    listed: list[str] = []
    for url in files:
        part = _xml(tree, str(_built_file(tree, site, url)))
        assert etree.QName(part).localname == "urlset"
        assert 1 <= len(part.findall("s:url", NS)) <= 2
        listed += list(_urls(part))
    assert listed == [entry.url for entry in crawlers.sitemap_entries(site, articles)]
    assert not any(str(path).startswith("sitemap-") for path in render_site(site, articles[:0]))


def test_a_new_article_changes_only_its_years_sitemap(site, monkeypatch):
    """A new article changes its year's sitemap file alone: not the index, the other
    years' files or the site's own pages."""
    monkeypatch.setattr(crawlers, "SITEMAP_SPLIT", 2)
    before = crawlers.render_sitemap(site, _years(site, 2024, 2025))
    after = crawlers.render_sitemap(site, _years(site, 2024, 2025, 2025))
    assert {str(path) for path in after if before.get(path) != after[path]} == {"sitemap-2025.xml"}


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
