"""The shapes of the static JSON API, version 1 (``/api/v1/``).

These models are the public contract, separate from the internal ``Article``:
internal changes never alter ``api/v1/``. Adding an optional member is allowed;
renaming, removing or retyping one needs ``v2`` and a CHANGELOG entry. The JSON
Schemas published under ``api/v1/schema/`` are generated from these classes.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

API_VERSION = 1


class _Document(BaseModel):
    # defer_build: only schema generation uses these models (documents are plain
    # dicts), so a build that keeps its cached schemas never pays for them.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


class _TopLevel(_Document):
    schema_url: str = Field(alias="$schema", description="The JSON Schema this document follows.")


class AuthorV1(_Document):
    """A person or organisation credited with the site's articles."""

    name: str
    email: str | None = None


class SiteV1(_Document):
    """What the site is."""

    title: str
    description: str
    home_page_url: str
    language: str = Field(description="BCP 47 language tag")
    timezone: str = Field(description="IANA time zone of dates given without a time")
    author: AuthorV1 | None


class FeedLinksV1(_Document):
    """The subscription feeds."""

    rss: str
    atom: str
    json_feed: str


class SchemaLinksV1(_Document):
    """The JSON Schema of each document type."""

    index: str
    page: str
    article: str


class ArchiveLinksV1(_Document):
    """The RFC 5005 archive pages (JSON Feed; RSS and Atom beside each)."""

    count: int = Field(description="Archive pages; page 1 holds the oldest articles")
    newest: str | None = Field(description="The newest archive page; follow next_url back")
    template: str = Field(description="URL of archive page {n}, from 1 to count")


class TagLinksV1(_Document):
    """One tag: its article list, HTML page and feeds."""

    name: str
    slug: str = Field(
        description="The tag's folder name: ASCII for a tag in the Latin script, else "
        "Unicode letters (percent-encoded in URLs)"
    )
    article_count: int
    first_page: str
    page: str = Field(description="The tag's HTML page")
    feeds: FeedLinksV1


class YearLinksV1(_Document):
    """One year's article list."""

    year: int
    article_count: int
    first_page: str


class IndexLinksV1(_Document):
    """Every other endpoint, so a client needs no other knowledge."""

    self: str
    first_page: str
    last_page: str
    page_template: str = Field(description="URL of list page {page}, from 1 to page_count")
    article_template: str = Field(description="URL of the document of article {slug}")
    feeds: FeedLinksV1
    archive: ArchiveLinksV1
    tags: list[TagLinksV1] = Field(description="Every tag, by slug")
    years: list[YearLinksV1] = Field(description="Every year with articles, newest first")
    schemas: SchemaLinksV1
    openapi: str = Field(description="OpenAPI 3.1 description of this API")


class IndexV1(_TopLevel):
    """The API's entry point: ``api/v1/index.json``."""

    api_version: int = API_VERSION
    site: SiteV1
    article_count: int
    page_count: int
    page_size: int
    links: IndexLinksV1


class ImageV1(_Document):
    """An article's lead image, as published (its metadata removed)."""

    url: str = Field(
        description="Absolute URL; content-addressed: a replaced picture gets a new URL"
    )
    width: int = Field(description="Width in CSS pixels as shown (after the EXIF orientation)")
    height: int = Field(description="Height in CSS pixels as shown (after the EXIF orientation)")
    type: str = Field(
        description="Media type: image/jpeg, image/png, image/webp, image/gif or image/avif"
    )
    alt: str = Field(description="What the picture shows, for readers who cannot see it")
    caption: str | None
    credit: str | None = Field(description="Whom to credit for the picture; show it with it")


class ArticleSummaryV1(_Document):
    """An article as list pages show it."""

    id: str = Field(description="Stable RFC 4151 tag URI; survives a change of domain")
    slug: str
    title: str
    summary: str
    url: str = Field(description="The article's HTML page")
    api_url: str = Field(description="The article's full JSON document")
    published: AwareDatetime
    updated: AwareDatetime = Field(description="Last change; equals published if never updated")
    tags: list[str]
    author: str | None
    language: str = Field(description="BCP 47 language tag: the article's own, else the site's")
    word_count: int
    image: ImageV1 | None = Field(
        default=None, description="The lead image; null without one (added in v1: may be absent)"
    )


class PageLinksV1(_Document):
    """Where a list page sits among the others."""

    self: str
    first: str
    last: str
    prev: str | None
    next: str | None
    index: str


class PageV1(_TopLevel):
    """One page of an article list, newest first: ``api/v1/pages/{page}.json``, and the
    same under ``api/v1/tags/{tag}/`` and ``api/v1/years/{year}/``."""

    page: int
    page_count: int
    page_size: int
    article_count: int
    articles: list[ArticleSummaryV1]
    links: PageLinksV1


class ArticleV1(_TopLevel, ArticleSummaryV1):
    """One article in full: ``api/v1/articles/{slug}.json``."""

    content_html: str = Field(
        description="The body as HTML (paragraphs, or rendered Markdown), text escaped, "
        "every link and image URL absolute"
    )
    content_text: str = Field(
        description="The body as plain text, paragraphs separated by a blank line"
    )


SCHEMAS: dict[str, type[_TopLevel]] = {"index": IndexV1, "page": PageV1, "article": ArticleV1}
