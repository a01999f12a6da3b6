"""Article pages carry OpenGraph tags and JSON-LD that no article text can break out of."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import html5lib

from feeds._seeds import parse_seed
from feeds.render.html import render_article_page
from feeds.render.structured import article_json_ld

BREAKOUT = "</script><script>alert(1)</script>"
LD_JSON = "application/ld+json"


def _page(tree, slug: str):
    data = tree[PurePosixPath(f"articles/{slug}/index.html")]
    return html5lib.parse(data, namespaceHTMLElements=False)


def _meta(document) -> dict[str, str]:
    return {
        element.get("property"): element.get("content")
        for element in document.iter("meta")
        if element.get("property")
    }


def _hostile(site):
    text = (
        f"2025-08-25\nhostile-text\ntitle: {BREAKOUT}\nauthor: {BREAKOUT}\n"
        f"summary: {BREAKOUT} & <b>bold</b>\ntags: {BREAKOUT}\n\nBody {BREAKOUT} here.\n"
    )
    return parse_seed("seeds/hostile.txt", text.encode(), site)


def test_article_page_has_opengraph_tags(tree, site, articles):
    """og:title, og:type, og:url, og:description, og:site_name and the article times are set."""
    for article in articles:
        meta = _meta(_page(tree, article.slug))
        assert meta["og:type"] == "article"
        assert meta["og:title"] == article.title
        assert meta["og:url"] == article.url
        assert meta["og:description"] == article.summary
        assert meta["og:site_name"] == site.title
        assert meta["article:published_time"] == article.published.isoformat()
        assert meta["article:modified_time"] == article.modified.isoformat()


def test_article_page_keeps_its_canonical_link(tree, articles):
    """Each article page names its own absolute URL as canonical."""
    for article in articles:
        links = _page(tree, article.slug).iter("link")
        assert [link.get("href") for link in links if link.get("rel") == "canonical"] == [
            article.url
        ]


def test_article_page_has_news_article_json_ld(tree, site, articles):
    """One JSON-LD NewsArticle per page, with headline, dates, author, url and main entity."""
    for article in articles:
        scripts = list(_page(tree, article.slug).iter("script"))
        assert [script.get("type") for script in scripts] == [LD_JSON]
        data = json.loads(scripts[0].text)
        assert data == article_json_ld(site, article)
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "NewsArticle"
        assert data["headline"] == article.title
        assert data["datePublished"] == article.published.isoformat()
        assert data["dateModified"] == article.modified.isoformat()
        assert data["author"]["name"] == (article.author or site.author.name)
        assert data["url"] == data["mainEntityOfPage"]["@id"] == article.url


def test_json_ld_cannot_be_closed_by_article_text(site):
    """'</script><script>alert(1)</script>' in any field stays inside the one JSON-LD string."""
    article = _hostile(site)
    page = render_article_page(site, article)[PurePosixPath("articles/hostile-text/index.html")]
    assert page.count(b"</script>") == 1  # the JSON-LD element's own end tag
    assert page.count(b"<script") == 1
    raw = page.split(b'<script type="application/ld+json">')[1].split(b"</script>")[0]
    assert b"<" not in raw
    assert b">" not in raw
    assert b"&" not in raw
    assert b"\\u003c/script\\u003e" in raw
    scripts = list(html5lib.parse(page, namespaceHTMLElements=False).iter("script"))
    assert len(scripts) == 1
    data = json.loads(scripts[0].text)
    assert data["headline"] == BREAKOUT
    assert data["author"] == {"@type": "Person", "name": BREAKOUT}
    assert data["description"] == f"{BREAKOUT} & <b>bold</b>"
    assert data["keywords"] == [BREAKOUT]


def test_json_ld_credits_the_site_author_without_an_article_author(site, articles):
    """An article with no author of its own is credited to the site's author."""
    article = next(a for a in articles if a.author is None)
    assert article_json_ld(site, article)["author"] == {
        "@type": "Organization",
        "name": site.author.name,
    }
