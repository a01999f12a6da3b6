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
    list: str
    page: str
    article: str


class ArchiveLinksV1(_Document):
    """The RFC 5005 archive pages (JSON Feed; RSS and Atom beside each)."""

    count: int = Field(description="Archive pages; page 1 holds the oldest articles")
    newest: str | None = Field(description="The newest archive page; follow next_url back")
    template: str = Field(description="URL of archive page {n}, from 1 to count")


class TagLinksV1(_Document):
    """One tag: its entry document, HTML page and feeds."""

    name: str
    slug: str = Field(
        description="The tag's folder name: ASCII for a tag in the Latin script, else "
        "Unicode letters (percent-encoded in URLs)"
    )
    article_count: int
    index: str = Field(description="The tag's entry document: its newest articles and pages")
    page: str = Field(description="The tag's HTML page")
    feeds: FeedLinksV1


class YearLinksV1(_Document):
    """One year: its entry document."""

    year: int
    article_count: int
    index: str = Field(description="The year's entry document: its newest articles and pages")


class IndexLinksV1(_Document):
    """Every other endpoint, so a client needs no other knowledge."""

    self: str
    newest_page: str = Field(description="The list page holding the newest articles")
    first_page: str = Field(description="Page 1, which holds the oldest articles")
    page_template: str = Field(description="URL of list page {page}, from 1 to page_count")
    article_template: str = Field(description="URL of the document of article {slug}")
    feeds: FeedLinksV1
    archive: ArchiveLinksV1
    tags: list[TagLinksV1] = Field(description="Every tag, by slug")
    years: list[YearLinksV1] = Field(description="Every year with articles, newest first")
    schemas: SchemaLinksV1
    openapi: str = Field(description="OpenAPI 3.1 description of this API")


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


class IndexV1(_TopLevel):
    """The API's entry point: ``api/v1/index.json``. It changes on every publish; the
    list pages it links stay the same until a newer page follows them."""

    api_version: int = API_VERSION
    site: SiteV1
    article_count: int
    page_count: int
    page_size: int
    articles: list[ArticleSummaryV1] = Field(
        description="The newest page_size articles, newest first"
    )
    links: IndexLinksV1


class TagV1(_Document):
    """A tag as articles carry it, and the slug of its URLs."""

    name: str
    slug: str


class ListLinksV1(_Document):
    """A list's pages, and what else the list has."""

    self: str
    index: str = Field(description="The API's entry point")
    newest_page: str = Field(description="The list page holding the newest articles")
    first_page: str = Field(description="Page 1, which holds the oldest articles")
    page_template: str = Field(description="URL of list page {page}, from 1 to page_count")
    page: str | None = Field(description="The tag's HTML page (tags only)")
    feeds: FeedLinksV1 | None = Field(description="The tag's feeds (tags only)")


class ListIndexV1(_TopLevel):
    """The entry document of one tag's or one year's list:
    ``api/v1/tags/{tag}/index.json``, ``api/v1/years/{year}/index.json``."""

    api_version: int = API_VERSION
    tag: TagV1 | None = Field(description="The tag listed (tags only)")
    year: int | None = Field(description="The year listed (years only)")
    article_count: int
    page_count: int
    page_size: int
    articles: list[ArticleSummaryV1] = Field(
        description="The newest page_size articles of the list, newest first"
    )
    links: ListLinksV1


class PageLinksV1(_Document):
    """Where a list page sits among the others: ``prev`` is older, ``next`` newer."""

    self: str
    first: str = Field(description="Page 1, the oldest articles")
    prev: str | None = Field(description="The page before, of older articles; none on page 1")
    next: str | None = Field(description="The page after, of newer articles; none on the newest")
    index: str = Field(description="The list's entry document, with its counts and newest page")


class PageV1(_TopLevel):
    """One page of an article list: ``api/v1/pages/{page}.json``, and the same under
    ``api/v1/tags/{tag}/`` and ``api/v1/years/{year}/``. Page 1 holds the oldest
    page_size articles, and each page after it the next page_size; the newest page
    may hold fewer. Inside a page, newest first. A full page stays the same until one
    of its articles changes or a newer page follows it (its ``next`` link)."""

    page: int
    page_size: int
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


SCHEMAS: dict[str, type[_TopLevel]] = {
    "index": IndexV1,
    "list": ListIndexV1,
    "page": PageV1,
    "article": ArticleV1,
}
