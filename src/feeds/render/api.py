"""The static, versioned JSON API under ``api/v1/``.

    api/v1/index.json                   entry point: site, counts, the newest
                                        page_size summaries, links to everything
    api/v1/pages/{n}.json               article summaries, page_size each
    api/v1/tags/{tag}/index.json        a tag's entry document (as index.json)
    api/v1/tags/{tag}/pages/{n}.json    the list of the articles with the tag
    api/v1/years/{year}/index.json      a year's entry document
    api/v1/years/{year}/pages/{n}.json  the list of one year's articles
    api/v1/articles/{slug}.json         one article in full
    api/v1/schema/{name}.json           JSON Schema (2020-12) of index, list, page, article
    api/v1/openapi.json                 OpenAPI 3.1 description (``feeds.render.openapi``)

Stable pages: lists are numbered from the oldest article, as the archive feeds
are. Page 1 holds the oldest page_size articles and each page after it the next
page_size; only the newest page may hold fewer. So a new article changes the
newest page alone (and the one before it, for its ``next`` link, when it starts
a new page): counts and the newest articles live in the entry documents, which
change on every publish, and clients walk back from there through pages they
may keep cached.

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
    Listing,
    Tree,
    lead_image_fields,
)
from feeds.render.channels import (
    archive_count,
    archive_pages,
    archive_root,
    articles_by_tag,
    tag_root,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPENAPI_PATH = "openapi.json"  # below api/v1/
INDEX_PATH = "index.json"  # below api/v1/ and each list's root
YEARS_ROOT = "years/"  # below api/v1/


def render_schemas(site: Site, articles: Sequence[Article]) -> Tree:
    """The published JSON Schemas (they do not depend on the articles)."""
    return {
        _path(schema_path(name)): dump_json(_schema(site, name, m)) for name, m in SCHEMAS.items()
    }


# A list page to render: (list root, its articles, page number, whether it is the newest).
ListPageJob = tuple[str, Sequence[Article], int, bool]
# An entry document to render: (list root, what it shows besides its articles, the
# newest page_size articles). Facts of the site's: (article count, archive pages,
# (tag, count) of each tag, (year, count) of each year); of a tag's or year's list:
# (article count, the tag or the year).
IndexJob = tuple[str, tuple[Any, ...], Sequence[Article]]


def list_page_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """Every page of every list: its label is its number and whether it is the newest."""
    jobs: list[Listing] = []
    for root, members in list_roots(articles).items():
        pages = _pages(members, site.page_size)
        for number, chunk in enumerate(pages, start=1):
            newest = number == len(pages)
            job = ("list", (root, chunk, number, newest))
            jobs.append((f"api:{page_path(number, root)}", f"{root}{number}/{newest}", chunk, job))
    return jobs


def index_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """The entry documents, the site's and each list's: each shows the newest page_size
    articles of its list; its label is everything else it shows (counts, tags, years)."""
    lists = list_roots(articles)
    tagged = articles_by_tag(articles)
    names = {tag_root(tag): tag for tag in tagged}
    tags = tuple((tag, len(members)) for tag, members in tagged.items())
    years = tuple(
        (_year(root), len(members))
        for root, members in lists.items()
        if root.startswith(YEARS_ROOT)
    )
    archives = archive_count(len(articles), site.archive_size)
    jobs: list[Listing] = []
    for root, members in lists.items():
        facts: tuple[Any, ...]
        if not root:
            facts = (len(members), archives, tags, years)
        else:
            facts = (len(members), names[root] if root in names else _year(root))
        newest = members[: site.page_size]
        job = ("index", (root, facts, newest))
        jobs.append((f"api:{root}{INDEX_PATH}", f"{root}{INDEX_PATH} {facts!r}", newest, job))
    return jobs


def render_list_page(site: Site, job: ListPageJob) -> Tree:
    """One page of a list of article summaries."""
    root, articles, number, newest = job
    return {_path(page_path(number, root)): dump_json(_page(site, root, articles, number, newest))}


def render_index(site: Site, job: IndexJob) -> Tree:
    """An entry document: ``index.json``, or a tag's or a year's."""
    root, facts, newest = job
    document = _index(site, facts, newest) if not root else _list_index(site, root, facts, newest)
    return {_path(root + INDEX_PATH): dump_json(document)}


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


def list_roots(articles: Sequence[Article]) -> dict[str, Sequence[Article]]:
    """Every paginated list by its root: all articles, each tag's, each year's (newest first)."""
    lists: dict[str, Sequence[Article]] = {"": articles}
    for tag, tagged in articles_by_tag(articles).items():
        lists[tag_root(tag)] = tagged
    years: dict[int, list[Article]] = {}
    for article in articles:
        years.setdefault(article.published.year, []).append(article)
    for year, members in sorted(years.items(), reverse=True):
        lists[f"{YEARS_ROOT}{year}/"] = members
    return lists


def page_count(articles: int, size: int) -> int:
    """How many pages a list of ``articles`` has (an empty list still has one, empty)."""
    return max(1, -(-articles // size))


def _pages(articles: Sequence[Article], size: int) -> list[list[Article]]:
    """Pages numbered from the oldest (``channels.archive_pages``); at least one."""
    return archive_pages(articles, size) or [[]]


def _year(root: str) -> int:
    return int(root.removeprefix(YEARS_ROOT).rstrip("/"))


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


def _index(site: Site, facts: tuple[Any, ...], newest: Sequence[Article]) -> dict[str, Any]:
    article_count, archives, tags, years = facts
    author = site.author and {"name": site.author.name, "email": site.author.email}
    pages = page_count(article_count, site.page_size)
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
        "page_count": pages,
        "page_size": site.page_size,
        "articles": [_summary(site, article) for article in newest],
        "links": {
            "self": _url(site, INDEX_PATH),
            "newest_page": _url(site, page_path(pages)),
            "first_page": _url(site, page_path(1)),
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
                    "article_count": count,
                    "index": _url(site, tag_root(tag) + INDEX_PATH),
                    "page": site.url(tag_root(tag)),
                    "feeds": _feed_links(site, tag_root(tag)),
                }
                for tag, count in tags
            ],
            "years": [
                {
                    "year": year,
                    "article_count": count,
                    "index": _url(site, f"{YEARS_ROOT}{year}/{INDEX_PATH}"),
                }
                for year, count in years
            ],
            "schemas": {name: _url(site, schema_path(name)) for name in SCHEMAS},
            "openapi": _url(site, OPENAPI_PATH),
        },
    }


def _list_index(
    site: Site, root: str, facts: tuple[Any, ...], newest: Sequence[Article]
) -> dict[str, Any]:
    article_count, what = facts
    pages = page_count(article_count, site.page_size)
    tag = isinstance(what, str)
    return {
        "$schema": _url(site, schema_path("list")),
        "api_version": API_VERSION,
        "tag": {"name": what, "slug": tag_slug(what)} if tag else None,
        "year": None if tag else what,
        "article_count": article_count,
        "page_count": pages,
        "page_size": site.page_size,
        "articles": [_summary(site, article) for article in newest],
        "links": {
            "self": _url(site, root + INDEX_PATH),
            "index": _url(site, INDEX_PATH),
            "newest_page": _url(site, page_path(pages, root)),
            "first_page": _url(site, page_path(1, root)),
            "page_template": _url(site, page_path("{page}", root)),
            "page": site.url(root) if tag else None,
            "feeds": _feed_links(site, root) if tag else None,
        },
    }


def _feed_links(site: Site, root: str) -> dict[str, str]:
    return {
        "rss": site.url(root + RSS_PATH),
        "atom": site.url(root + ATOM_PATH),
        "json_feed": site.url(root + JSON_FEED_PATH),
    }


def _page(
    site: Site, root: str, articles: Sequence[Article], number: int, newest: bool
) -> dict[str, Any]:
    return {
        "$schema": _url(site, schema_path("page")),
        "page": number,
        "page_size": site.page_size,
        "articles": [_summary(site, article) for article in articles],
        "links": {
            "self": _url(site, page_path(number, root)),
            "first": _url(site, page_path(1, root)),
            "prev": _url(site, page_path(number - 1, root)) if number > 1 else None,
            "next": None if newest else _url(site, page_path(number + 1, root)),
            "index": _url(site, root + INDEX_PATH),
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
        "image": lead_image_fields(site, article),
    }


def _schema(site: Site, name: str, model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": _url(site, schema_path(name)), **schema}
