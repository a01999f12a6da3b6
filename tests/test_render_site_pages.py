"""The 404 page: the site's layout, with links that work at any depth."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urljoin

import html5lib

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
    internal = [link for link in _links(page) if "://" not in link and not link.startswith("#")]
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
