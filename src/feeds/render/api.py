"""The static, versioned JSON API under ``api/v1/``.

    api/v1/index.json             entry point: site, counts, links to everything
    api/v1/pages/{n}.json         article summaries, newest first, page_size each
    api/v1/articles/{slug}.json   one article in full
    api/v1/schema/{name}.json     JSON Schema (2020-12) of index, page, article
    api/v1/openapi.json           OpenAPI 3.1 description (``feeds.render.openapi``)

Every document names its schema's absolute URL in ``$schema``. The schemas are
generated from the pydantic models in ``feeds.api_models``; the documents are
built as plain dicts (no validation in the hot loop), and the tests check every
document against the published schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel

from feeds._json import dump_json
from feeds.api_models import API_VERSION, SCHEMAS
from feeds.models import Article, Site
from feeds.render import API_ROOT, ATOM_PATH, JSON_FEED_PATH, RSS_PATH, Tree

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPENAPI_PATH = "openapi.json"  # below api/v1/


def render_api(site: Site, articles: Sequence[Article]) -> Tree:
    """The index, the list pages and the schemas (documents: ``render_article_document``)."""
    pages = _paginate(articles, site.page_size)
    tree: Tree = {_path("index.json"): dump_json(_index(site, len(articles), len(pages)))}
    for number, chunk in enumerate(pages, start=1):
        page = _page(site, chunk, number, len(pages), len(articles))
        tree[_path(page_path(number))] = dump_json(page)
    for name, model in SCHEMAS.items():
        tree[_path(schema_path(name))] = dump_json(_schema(site, name, model))
    return tree


def render_article_document(site: Site, article: Article) -> Tree:
    """One article's full document."""
    document = {
        "$schema": _url(site, schema_path("article")),
        **_summary(site, article),
        "content_html": article.content_html,
        "content_text": article.content_text,
    }
    return {_path(article_api_path(article.slug)): dump_json(document)}


def page_path(number: int) -> str:
    """Path of list page ``number`` below ``api/v1/``."""
    return f"pages/{number}.json"


def article_api_path(slug: str) -> str:
    """Path of an article's document below ``api/v1/``."""
    return f"articles/{slug}.json"


def schema_path(name: str) -> str:
    """Path of a document type's JSON Schema below ``api/v1/``."""
    return f"schema/{name}.json"


def _path(relative: str) -> PurePosixPath:
    return PurePosixPath(API_ROOT + relative)


def _url(site: Site, relative: str) -> str:
    return site.url(API_ROOT + relative)


def _paginate(articles: Sequence[Article], size: int) -> list[Sequence[Article]]:
    """Pages of ``size`` articles; an empty site still has one (empty) page."""
    return [articles[start : start + size] for start in range(0, len(articles), size)] or [[]]


def _index(site: Site, article_count: int, page_count: int) -> dict[str, Any]:
    author = site.author and {"name": site.author.name, "email": site.author.email}
    return {
        "$schema": _url(site, schema_path("index")),
        "api_version": API_VERSION,
        "site": {
            "title": site.title,
            "description": site.description,
            "home_page_url": site.url(),
            "language": site.language,
            "timezone": site.timezone,
            "author": author or None,
        },
        "article_count": article_count,
        "page_count": page_count,
        "page_size": site.page_size,
        "links": {
            "self": _url(site, "index.json"),
            "first_page": _url(site, page_path(1)),
            "last_page": _url(site, page_path(page_count)),
            "page_template": _url(site, "pages/{page}.json"),
            "article_template": _url(site, "articles/{slug}.json"),
            "feeds": {
                "rss": site.url(RSS_PATH),
                "atom": site.url(ATOM_PATH),
                "json_feed": site.url(JSON_FEED_PATH),
            },
            "schemas": {name: _url(site, schema_path(name)) for name in SCHEMAS},
            "openapi": _url(site, OPENAPI_PATH),
        },
    }


def _page(
    site: Site, articles: Sequence[Article], number: int, page_count: int, article_count: int
) -> dict[str, Any]:
    return {
        "$schema": _url(site, schema_path("page")),
        "page": number,
        "page_count": page_count,
        "page_size": site.page_size,
        "article_count": article_count,
        "articles": [_summary(site, article) for article in articles],
        "links": {
            "self": _url(site, page_path(number)),
            "first": _url(site, page_path(1)),
            "last": _url(site, page_path(page_count)),
            "prev": _url(site, page_path(number - 1)) if number > 1 else None,
            "next": _url(site, page_path(number + 1)) if number < page_count else None,
            "index": _url(site, "index.json"),
        },
    }


def _summary(site: Site, article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "url": article.url,
        "api_url": _url(site, article_api_path(article.slug)),
        "published": article.published.isoformat(),
        "updated": article.modified.isoformat(),
        "tags": list(article.tags),
        "author": article.author,
        "word_count": article.word_count,
    }


def _schema(site: Site, name: str, model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": _url(site, schema_path(name)), **schema}
