"""The static, versioned JSON API under ``api/v1/``.

    api/v1/index.json             entry point: site, counts, links to everything
    api/v1/pages/{n}.json         article summaries, newest first, page_size each
    api/v1/tags/{tag}/pages/{n}.json    the same, for the articles with one tag
    api/v1/years/{year}/pages/{n}.json  the same, for the articles of one year
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
from feeds.models import Article, Site, tag_slug
from feeds.render import (
    API_ROOT,
    ATOM_PATH,
    JSON_FEED_PATH,
    RSS_PATH,
    TAGS_ROOT,
    Listing,
    Tree,
)
from feeds.render.channels import archive_count, archive_root, articles_by_tag

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPENAPI_PATH = "openapi.json"  # below api/v1/


def render_api_index(site: Site, articles: Sequence[Article]) -> Tree:
    """The index (lists' pages: ``list_page_jobs``; documents: ``render_article_document``;
    schemas: ``render_schemas``)."""
    return {_path("index.json"): dump_json(_index(site, articles, _lists(articles)))}


def render_schemas(site: Site, articles: Sequence[Article]) -> Tree:
    """The published JSON Schemas (they do not depend on the articles)."""
    return {
        _path(schema_path(name)): dump_json(_schema(site, name, m)) for name, m in SCHEMAS.items()
    }


# A list page to render: (list root, its articles, page number, page count, list length).
ListPageJob = tuple[str, Sequence[Article], int, int, int]


def list_page_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """Every page of every list: its label is its number, the number of pages and of
    articles in its list."""
    jobs: list[Listing] = []
    for root, members in _lists(articles).items():
        pages = _paginate(members, site.page_size)
        for number, chunk in enumerate(pages, start=1):
            label = f"{root}{number}/{len(pages)}/{len(members)}"
            job = ("list", (root, chunk, number, len(pages), len(members)))
            jobs.append((f"api:{page_path(number, root)}", label, chunk, job))
    return jobs


def render_list_page(site: Site, job: ListPageJob) -> Tree:
    """One page of a list of article summaries."""
    root, articles, number, page_count, article_count = job
    page = _page(site, root, articles, number, page_count, article_count)
    return {_path(page_path(number, root)): dump_json(page)}


def render_article_document(site: Site, article: Article) -> Tree:
    """One article's full document."""
    document = {
        "$schema": _url(site, schema_path("article")),
        **_summary(site, article),
        "content_html": article.feed_html,
        "content_text": article.content_text,
    }
    return {_path(article_api_path(article.slug)): dump_json(document)}


def page_path(number: int | str, root: str = "") -> str:
    """Path of page ``number`` of a list (``root``: "", ``tags/<slug>/``, ``years/<year>/``)."""
    return f"{root}pages/{number}.json"


def _lists(articles: Sequence[Article]) -> dict[str, Sequence[Article]]:
    """Every paginated list by its root: all articles, each tag's, each year's (newest first)."""
    lists: dict[str, Sequence[Article]] = {"": articles}
    for tag, tagged in articles_by_tag(articles).items():
        lists[f"tags/{tag_slug(tag)}/"] = tagged
    years: dict[int, list[Article]] = {}
    for article in articles:
        years.setdefault(article.published.year, []).append(article)
    for year, members in sorted(years.items(), reverse=True):
        lists[f"years/{year}/"] = members
    return lists


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


def _index(
    site: Site, articles: Sequence[Article], lists: dict[str, Sequence[Article]]
) -> dict[str, Any]:
    author = site.author and {"name": site.author.name, "email": site.author.email}
    page_count = len(_paginate(articles, site.page_size))
    archives = archive_count(len(articles), site.archive_size)
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
        "article_count": len(articles),
        "page_count": page_count,
        "page_size": site.page_size,
        "links": {
            "self": _url(site, "index.json"),
            "first_page": _url(site, page_path(1)),
            "last_page": _url(site, page_path(page_count)),
            "page_template": _url(site, page_path("{page}")),
            "article_template": _url(site, "articles/{slug}.json"),
            "feeds": _feed_links(site, ""),
            "archive": {
                "count": archives,
                "newest": site.url(archive_root(archives) + JSON_FEED_PATH) if archives else None,
                "template": site.url(archive_root("{n}") + JSON_FEED_PATH),
            },
            "tags": [
                {
                    "name": tag,
                    "slug": tag_slug(tag),
                    "article_count": len(tagged),
                    "first_page": _url(site, page_path(1, f"tags/{tag_slug(tag)}/")),
                    "page": site.url(f"{TAGS_ROOT}{tag_slug(tag)}/"),
                    "feeds": _feed_links(site, f"{TAGS_ROOT}{tag_slug(tag)}/"),
                }
                for tag, tagged in articles_by_tag(articles).items()
            ],
            "years": [
                {
                    "year": int(root.split("/")[1]),
                    "article_count": len(members),
                    "first_page": _url(site, page_path(1, root)),
                }
                for root, members in lists.items()
                if root.startswith("years/")
            ],
            "schemas": {name: _url(site, schema_path(name)) for name in SCHEMAS},
            "openapi": _url(site, OPENAPI_PATH),
        },
    }


def _feed_links(site: Site, root: str) -> dict[str, str]:
    return {
        "rss": site.url(root + RSS_PATH),
        "atom": site.url(root + ATOM_PATH),
        "json_feed": site.url(root + JSON_FEED_PATH),
    }


def _page(
    site: Site,
    root: str,
    articles: Sequence[Article],
    number: int,
    page_count: int,
    article_count: int,
) -> dict[str, Any]:
    return {
        "$schema": _url(site, schema_path("page")),
        "page": number,
        "page_count": page_count,
        "page_size": site.page_size,
        "article_count": article_count,
        "articles": [_summary(site, article) for article in articles],
        "links": {
            "self": _url(site, page_path(number, root)),
            "first": _url(site, page_path(1, root)),
            "last": _url(site, page_path(page_count, root)),
            "prev": _url(site, page_path(number - 1, root)) if number > 1 else None,
            "next": _url(site, page_path(number + 1, root)) if number < page_count else None,
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
        "language": article.language or site.language,
        "word_count": article.word_count,
        "image": _image(site, article),
    }


def _image(site: Site, article: Article) -> dict[str, Any] | None:
    if article.image is None:
        return None
    file = article.image.published
    return {
        "url": site.url(file.path),
        "width": file.width,
        "height": file.height,
        "type": file.media_type,
        "alt": article.image.alt,
        "caption": article.image.caption,
        "credit": article.image.credit,
    }


def _schema(site: Site, name: str, model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": _url(site, schema_path(name)), **schema}
