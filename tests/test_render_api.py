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
    # index, 2 pages of all articles, 3 articles, 1 page for each of 2 tags, 2 for 2025
    assert len(documents) == 1 + 2 + 3 + 2 + 2
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


def test_index_links_reach_everything(tree, site, articles):
    """From index.json alone a client finds every page, article and schema, and they exist."""
    index = _document(tree, site.url(API + "index.json"), site)
    assert index["article_count"] == 3
    assert index["page_count"] == 2
    links = index["links"]
    seen = []
    page = _document(tree, links["first_page"], site)
    while True:
        seen += [summary["slug"] for summary in page["articles"]]
        for summary in page["articles"]:
            assert _document(tree, summary["api_url"], site)["slug"] == summary["slug"]
        if page["links"]["next"] is None:
            break
        page = _document(tree, page["links"]["next"], site)
    assert seen == [article.slug for article in articles]
    assert page["links"]["self"] == links["last_page"]
    for url in links["schemas"].values():
        assert _document(tree, url, site)["$id"] == url
    for name in ("rss", "atom", "json_feed"):
        assert PurePosixPath(links["feeds"][name].removeprefix(site.base_url)) in tree
    article_url = links["article_template"].format(slug=articles[0].slug)
    assert _document(tree, article_url, site)["id"] == articles[0].id


def test_pages_link_both_ways(tree, site):
    """Each page links to its neighbours; the first has no prev, the last no next."""
    first = _document(tree, site.url(API + "pages/1.json"), site)
    second = _document(tree, first["links"]["next"], site)
    assert first["links"]["prev"] is None
    assert second["links"]["prev"] == first["links"]["self"]
    assert second["links"]["next"] is None
    assert (first["page"], second["page"], first["page_count"]) == (1, 2, 2)


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
    listed = [
        summary
        for number in range(1, pages + 1)
        for summary in json.loads(tree[PurePosixPath(f"{API}pages/{number}.json")])["articles"]
    ]
    assert len(listed) == count
