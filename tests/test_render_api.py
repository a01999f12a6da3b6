"""The static JSON API: documents validate against the schemas they name, and links resolve."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from feeds._seeds import with_body
from feeds.build._units import render_site
from tests.conftest import make_site

API = "api/v1/"


def _document(tree, url: str, site) -> dict:
    assert url.startswith(site.base_url), url
    return json.loads(tree[PurePosixPath(url.removeprefix(site.base_url))])


def _validator(tree) -> Registry:
    schemas = {
        path: json.loads(data)
        for path, data in tree.items()
        if str(path).startswith(API + "schema/")
    }
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas.values()
    )


def test_every_document_validates_against_its_schema(tree, site):
    """Each API document names an absolute published schema in $schema and follows it."""
    registry = _validator(tree)
    documents = [
        p
        for p in tree
        if str(p).startswith(API) and "/schema/" not in str(p) and p.name != "openapi.json"
    ]
    # entry documents: the site's, 2 tags', 2025's; pages: 2 of all articles, 1 for each
    # of 2 tags, 2 for 2025; 3 articles
    assert len(documents) == (1 + 2 + 1) + (2 + 2 + 2) + 3
    for path in documents:
        document = json.loads(tree[path])
        schema = registry.contents(document["$schema"])
        assert document["$schema"].startswith(site.url(API + "schema/"))
        checker = Draft202012Validator.FORMAT_CHECKER
        Draft202012Validator(schema, registry=registry, format_checker=checker).validate(document)


def test_schemas_check_date_formats(tree):
    """The date-time format of the schemas is enforced (rfc3339-validator is installed)."""
    registry = _validator(tree)
    schema = registry.contents(next(s for s in registry if s.endswith("article.json")))
    checker = Draft202012Validator.FORMAT_CHECKER
    document = json.loads(tree[PurePosixPath(API + "articles/same-day-as-the-sample.json")])
    document["published"] = "23 August 2025"
    assert not Draft202012Validator(schema, registry=registry, format_checker=checker).is_valid(
        document
    )


def _walk_back(tree, site, url: str) -> list[dict]:
    """The pages from ``url`` back to page 1, following ``prev``."""
    pages = [_document(tree, url, site)]
    while pages[-1]["links"]["prev"]:
        pages.append(_document(tree, pages[-1]["links"]["prev"], site))
    return pages


def test_index_links_reach_everything(tree, site, articles):
    """From index.json alone a client finds every page, article and schema, and they exist."""
    index = _document(tree, site.url(API + "index.json"), site)
    assert (index["article_count"], index["page_count"]) == (3, 2)
    links = index["links"]
    pages = _walk_back(tree, site, links["newest_page"])
    seen = [summary["slug"] for page in pages for summary in page["articles"]]
    assert seen == [article.slug for article in articles]  # newest first, each once
    for summary in (summary for page in pages for summary in page["articles"]):
        assert _document(tree, summary["api_url"], site)["slug"] == summary["slug"]
    assert pages[-1]["links"]["self"] == links["first_page"]
    for url in links["schemas"].values():
        assert _document(tree, url, site)["$id"] == url
    for name in ("rss", "atom", "json_feed"):
        assert PurePosixPath(links["feeds"][name].removeprefix(site.base_url)) in tree
    article_url = links["article_template"].format(slug=articles[0].slug)
    assert _document(tree, article_url, site)["id"] == articles[0].id


def test_pages_are_numbered_from_the_oldest(tree, site, articles):
    """Page 1 holds the oldest page_size articles; the newest page holds the rest; each
    page lists its articles newest first and links to its neighbours and its list."""
    first = _document(tree, site.url(API + "pages/1.json"), site)
    second = _document(tree, first["links"]["next"], site)
    assert [s["slug"] for s in first["articles"]] == [a.slug for a in articles[-2:]]
    assert [s["slug"] for s in second["articles"]] == [articles[0].slug]
    assert (first["page"], second["page"], first["page_size"]) == (1, 2, 2)
    assert first["links"]["prev"] is None
    assert second["links"]["prev"] == first["links"]["self"]
    assert second["links"]["next"] is None
    assert first["links"]["index"] == site.url(API + "index.json")


def test_entry_documents_carry_the_newest_articles(tree, site, articles):
    """The site's, each tag's and each year's entry document embed the list's newest
    page_size summaries and link its newest page, which holds the newest article."""
    index = _document(tree, site.url(API + "index.json"), site)
    assert [s["slug"] for s in index["articles"]] == [a.slug for a in articles[:2]]
    lists = [entry["index"] for entry in index["links"]["tags"] + index["links"]["years"]]
    assert len(lists) == 3
    for url in lists:
        entry = _document(tree, url, site)
        newest = _document(tree, entry["links"]["newest_page"], site)
        assert entry["articles"][0] == newest["articles"][0]
        assert newest["links"]["index"] == url == entry["links"]["self"]
        assert newest["page"] == entry["page_count"]
        walked = [s["id"] for page in _walk_back(tree, site, newest["links"]["self"])
                  for s in page["articles"]]  # fmt: skip
        assert len(walked) == len(set(walked)) == entry["article_count"]
    year = _document(tree, site.url(API + "years/2025/index.json"), site)
    assert (year["year"], year["tag"], year["links"]["feeds"]) == (2025, None, None)
    tag = _document(tree, site.url(API + "tags/html-xml/index.json"), site)
    assert tag["tag"] == {"name": "HTML & XML", "slug": "html-xml"}
    assert tag["links"]["page"] == site.url("tags/html-xml/")


def _many(site, count: int):
    """``count`` articles, one a day in 2021, tagged t0 and t1 in turn."""
    from datetime import date, timedelta

    from feeds._seeds import parse_seed
    from feeds._timeline import newest_first

    def seed(n: int) -> bytes:
        return (
            f"{date(2021, 1, 1) + timedelta(days=n)}\narticle-{n}\ntags: t{n % 2}\n\nA.\n".encode()
        )

    return newest_first([parse_seed(f"a{n}.txt", seed(n), site) for n in range(count)])


@pytest.mark.parametrize(
    ("count", "newest"),
    [
        # 9 -> 10: the newest pages fill up (tag t1 from 4 articles to 5)
        (9, ["pages/2.json", "tags/t1/pages/1.json", "years/2021/pages/2.json"]),
        # 10 -> 11: a page after two full ones, whose next link appears (t0 from 5 to 6)
        (10, ["pages/2.json", "pages/3.json", "tags/t0/pages/1.json", "tags/t0/pages/2.json",
              "years/2021/pages/2.json", "years/2021/pages/3.json"]),
    ],
)  # fmt: skip
def test_a_new_article_changes_only_the_newest_pages(count, newest):
    """Adding the newest article changes the lists' newest pages and entry documents; a
    full page changes only when the new one starts a page after it (its next link)."""
    site = make_site(page_size=5)
    before, after = render_site(site, _many(site, count)), render_site(site, _many(site, count + 1))
    changed = {str(p) for p in after if str(p).startswith(API) and before.get(p) != after[p]}
    entries = ["index.json", f"tags/t{count % 2}/index.json", "years/2021/index.json"]
    article = f"articles/article-{count}.json"
    assert changed == {API + path for path in [*entries, *newest, article]}
    if count == 10:
        full = json.loads(after[PurePosixPath(f"{API}pages/2.json")])
        assert full["links"]["next"] == site.url(f"{API}pages/3.json")
        assert json.loads(before[PurePosixPath(f"{API}pages/2.json")])["links"]["next"] is None


def test_article_document_carries_the_body(tree, site, articles):
    """An article's document has its content as escaped HTML and as plain text."""
    article = next(a for a in articles if a.slug == "script-tags-and-cdata-ends")
    document = _document(tree, site.url(f"{API}articles/{article.slug}.json"), site)
    assert document["content_text"] == "\n\n".join(with_body(article).paragraphs)
    assert "<script>" in document["content_text"]
    assert "<script>" not in document["content_html"]
    assert document["tags"] == ["security", "HTML & XML"]
    assert document["published"] == "2025-08-23T09:30:00+09:00"


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (1, 1), (2, 1), (3, 2)])
def test_page_count(site, articles, count, pages):
    """Pages hold page_size summaries; an empty site still has one empty first page."""
    tree = render_site(make_site(page_size=2), articles[:count])
    index = json.loads(tree[PurePosixPath(API + "index.json")])
    assert index["page_count"] == pages
    assert index["links"]["newest_page"] == make_site().url(f"{API}pages/{pages}.json")
    listed = [
        summary
        for number in range(1, pages + 1)
        for summary in json.loads(tree[PurePosixPath(f"{API}pages/{number}.json")])["articles"]
    ]
    assert len(listed) == count
