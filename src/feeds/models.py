"""The validated data feeds works with: the site configuration and articles.

Both are frozen pydantic models that forbid unknown fields.
``feeds.config.load_site`` reads a ``Site`` from the configuration's layers;
``Site.model_validate`` builds one from a plain dict (tests, library use).
"""

from __future__ import annotations

import ipaddress
import re
import string
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit
from urllib.parse import quote as percent_encode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from slugify import slugify

from feeds._language import check_language

if TYPE_CHECKING:
    from feeds._body import RenderedBody

SLUG_MAX_LENGTH = 120
MAX_SEED_BYTES = 2 * 1024 * 1024  # a long read is 100 kB; 50 MB made three 52 MB feeds
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a camera's JPEG is 5 to 15 MB; a page should carry less
# Characters XML 1.0 cannot carry (U+0009, U+000A and U+000D it can), and the C1
# controls, which it can but which are never text (most often a wrong encoding).
# _seeds._has_control_characters finds the same characters in UTF-8 bytes: change both.
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# The bidi embedding, override and isolate controls: they reorder the text after
# them, up to the end of a paragraph or beyond (a feed reader's list, a log line),
# so that text can read other than it is (CVE-2021-42574, "Trojan Source"). The
# marks U+200E, U+200F and U+061C only tip a direction: right-to-left text needs
# them, and they stay allowed.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Zone files that mean different things on different machines.
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# How much of a line an error message quotes: a seed's text is the author's, or
# (a file linked in by a pull request) anybody's, and error messages go to CI logs.
QUOTE_LENGTH = 40
_URL_PATH = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*")
_PRINTABLE_ASCII = re.compile("[!-~]+")
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")  # urlsplit lower-cases it
_ESCAPE = re.compile("%([0-9A-Fa-f]{2})?")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_EMAIL = re.compile(r"[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+")
_AUTHORITY = re.compile(
    r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}|[^@\s]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}"
)


def quote(text: str, limit: int = QUOTE_LENGTH) -> str:
    """Text from an input as an error message shows it: in quotes like ``repr``, at
    most ``limit`` characters between them (then ``...`` after the closing quote), and
    every character that is not printable (controls, bidi controls, separators,
    unassigned code points) and every backslash written as an escape. Each escape
    counts its full length, so the quote never exceeds ``limit + 5`` characters."""
    mark = '"' if "'" in text[:limit] and '"' not in text[:limit] else "'"
    pieces: list[str] = []
    used = 0
    for character in text:
        if character == mark or character == "\\" or not character.isprintable():
            piece = "\\" + mark if character == mark else repr(character)[1:-1]
        else:
            piece = character
        if used + len(piece) > limit:
            return f"{mark}{''.join(pieces)}{mark}..."
        pieces.append(piece)
        used += len(piece)
    return f"{mark}{''.join(pieces)}{mark}"


def bidi_message(match: re.Match[str]) -> str:
    """The problem of a bidi control ``BIDI_CONTROL`` found in a line."""
    character = match.group()
    return (
        f"bidi control U+{ord(character):04X} ({unicodedata.name(character)}) at column "
        f"{match.start() + 1} can make the text read other than it is; delete it "
        "(right-to-left text needs only the marks U+200F, U+200E and U+061C)"
    )


def check_text(value: str) -> str:
    """Refuse text that feeds cannot publish: control characters, bidi controls, or
    only white space."""
    if match := NOT_TEXT.search(value):
        raise ValueError(
            f"control character U+{ord(match.group()):04X} cannot be published; delete it"
        )
    if match := BIDI_CONTROL.search(value):
        raise ValueError(bidi_message(match))
    if value and not value.strip():
        raise ValueError("is only white space; write some text or leave it out")
    return value


# The letters of the Latin script beyond ASCII, as ranges of code points that hold
# no letter of another script (Unicode's Scripts.txt; tests/test_tags.py checks
# the table against the regex module's \p{Script=Latin}).
_LATIN_LETTERS = (
    (0xAA, 0xAA), (0xBA, 0x2B8), (0x2E0, 0x2E4), (0x1D00, 0x1D25), (0x1D2C, 0x1D5C),
    (0x1D62, 0x1D65), (0x1D6B, 0x1D77), (0x1D79, 0x1DBE), (0x1E00, 0x1EFF), (0x2071, 0x209C),
    (0x212A, 0x212B), (0x2132, 0x2132), (0x214E, 0x2184), (0x2C60, 0x2C7F), (0xA722, 0xA787),
    (0xA78B, 0xA7FF), (0xAB30, 0xAB64), (0xAB66, 0xAB69), (0xFB00, 0xFB06), (0xFF21, 0xFF5A),
    (0x10780, 0x107BA), (0x1DF00, 0x1DF1E),
)  # fmt: skip
_LATIN_STARTS = [start for start, _ in _LATIN_LETTERS]
_NOT_ASCII = re.compile("[^\x00-\x7f]+")


def in_latin_script(text: str) -> bool:
    """Whether every letter of ``text`` is a letter of the Latin script (digits,
    punctuation, symbols and accents belong to no script here)."""
    for character in text:
        if character.isascii() or not unicodedata.category(character).startswith("L"):
            continue
        index = bisect_right(_LATIN_STARTS, ord(character)) - 1
        if index < 0 or ord(character) > _LATIN_LETTERS[index][1]:
            return False
    return True


@lru_cache(maxsize=1 << 12)
def tag_slug(tag: str) -> str:
    """The URL form of a tag: ``C++`` and ``c`` both give ``c`` (a collision reported as such).

    A tag in the Latin script gets an ASCII slug (``Café``: ``cafe``); any other tag
    keeps its letters (``文化``, ``हिन्दी``), lower-cased and NFKC-normalised, so its
    folder name is Unicode (``quote_path`` writes it in URLs).
    """
    if tag.isascii() or in_latin_script(tag):
        return slugify(tag)
    return slugify(tag, allow_unicode=True, algorithm="modern")


def old_tag_slug(tag: str) -> str:
    """The slug feeds gave a tag before tags in other scripts kept their letters: a
    transliteration to ASCII (``文化``: ``wen-hua``), '' if there was none."""
    old = slugify(tag)
    return old if len(old) <= SLUG_MAX_LENGTH else ""


def quote_path(path: str) -> str:
    """A path as a URL carries it: every non-ASCII character percent-encoded as UTF-8
    (``tags/文化/``: ``tags/%E6%96%87%E5%8C%96/``); an ASCII path as it is."""
    if path.isascii():
        return path
    return _NOT_ASCII.sub(lambda match: percent_encode(match.group()), path)


def check_slug(slug: str) -> str:
    """Accept a slug only in the URL-safe form python-slugify would produce."""
    if len(slug) > SLUG_MAX_LENGTH:
        raise ValueError(
            f"slug is {len(slug)} characters long; shorten it to at most {SLUG_MAX_LENGTH}"
        )
    if not _SLUG.fullmatch(slug):  # what the pattern accepts, slugify leaves as it is
        suggestion = slugify(slug, max_length=SLUG_MAX_LENGTH)
        hint = (
            f"use {quote(suggestion)}"
            if suggestion
            else "use lowercase letters, digits and hyphens"
        )
        raise ValueError(f"slug {quote(slug)} is not URL-safe; {hint}")
    return slug


Slug = Annotated[str, AfterValidator(check_slug)]
BodyFormat = Literal["text", "markdown"]
BODY_FORMATS: tuple[BodyFormat, ...] = ("text", "markdown")
NonEmpty = Annotated[str, Field(min_length=1)]


class Frozen(BaseModel):
    """Base of every feeds model: immutable, and unknown fields are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Author(Frozen):
    """Who writes for the site: a name and an optional e-mail address."""

    name: NonEmpty
    email: str | None = Field(default=None, pattern=_EMAIL.pattern)

    @field_validator("name")
    @classmethod
    def _publishable_name(cls, value: str) -> str:
        return check_text(value)


class HeaderRule(Frozen):
    """Headers for the output paths matching ``glob`` (``*``: within a folder, ``**``: across)."""

    glob: NonEmpty
    cache_control: str | None = None
    content_type: str | None = Field(default=None, description="default: from the file name")
    gzip: bool = Field(default=False, description="store gzip-compressed, Content-Encoding: gzip")
    cors: bool = Field(default=False, description="Access-Control-Allow-Origin: *")


class DeploySettings(Frozen):
    """Where and how ``feeds deploy`` publishes the output: ``[tool.feeds.deploy]``."""

    target: str | None = Field(
        default=None, description="s3://bucket/prefix, file:///path or a path"
    )
    endpoint_url: str | None = None
    region: str | None = None
    max_deletes: int = Field(default=256, ge=0)
    max_delete_ratio: float = Field(default=0.5, ge=0, le=1)
    concurrency: int = Field(default=16, ge=1, le=128)
    keep_releases: int = Field(default=5, ge=2)
    cloudfront_distribution_id: str | None = None
    invalidation_max_paths: int = Field(default=100, ge=1)
    allow_bucket_root: bool = Field(
        default=False, description="allow s3://bucket with no prefix: the deploy owns the bucket"
    )


@lru_cache(maxsize=1)
def _packaged_zones() -> frozenset[str]:
    """The zone names the tzdata package lists, which ``available_timezones()`` includes:
    read in 0.1 ms, where that function takes 30 ms to look through the system's."""
    try:
        return frozenset(files("tzdata").joinpath("zones").read_text("utf-8").split())
    except (OSError, ImportError):  # as available_timezones(): a broken tzdata is none
        return frozenset()


# Validation context of a configuration ``feeds.config`` remembered: its values were
# checked when remembered, and the language tag is not looked up again (0.1 s).
REMEMBERED = "remembered"


class Site(Frozen):
    """The site: where it lives, what it is called, how its feeds are cut.

    ``feeds.config.load_site`` reads it from the configuration's layers.
    """

    title: NonEmpty
    description: str = ""
    base_url: str
    language: str = Field(default="en", description="BCP 47 language tag")
    author: Author | None = None
    timezone: str = "UTC"
    feed_limit: int = Field(default=50, ge=1)
    page_size: int = Field(default=20, ge=1)
    archive_size: int = Field(default=100, ge=1)
    max_seed_bytes: int = Field(
        default=MAX_SEED_BYTES, ge=1, description="a larger seed file is an error, never read"
    )
    max_image_bytes: int = Field(
        default=MAX_IMAGE_BYTES, ge=1, description="a larger image file is an error, never read"
    )
    body: BodyFormat = Field(
        default="text", description="how bodies are written; an article's 'format:' overrides it"
    )
    lock_timeout: float = Field(
        default=60, ge=0, description="seconds to wait for another build or deploy of the output"
    )
    id_authority: str = Field(
        default="", description="RFC 4151 authority; default: base_url's host"
    )
    headers: tuple[HeaderRule, ...] = Field(
        default=(), description="checked in order before the defaults; first match wins"
    )
    websub_hub: str | None = Field(
        default=None, description="WebSub hub URL: feeds link to it, deploys ping it"
    )
    deploy: DeploySettings = DeploySettings()
    templates: str | None = Field(
        default=None,
        min_length=1,
        description="folder of the site's own templates; default: templates/ where there is one",
    )
    static: str | None = Field(
        default=None,
        min_length=1,
        description="folder of files copied into the output; default: static/ where there is one",
    )

    @field_validator("websub_hub")
    @classmethod
    def _absolute_hub_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        example = "write it like 'https://pubsubhubbub.appspot.com/'"
        parts = _http_url(value, example)
        if "#" in value:
            raise ValueError(f"{_shown(value)} has a fragment; {example}")
        return urlunsplit(parts._replace(path=_canonical_path(value, parts.path)))

    @field_validator("base_url")
    @classmethod
    def _absolute_base_url(cls, value: str) -> str:
        example = "write it like 'https://news.example.com/' or 'https://example.com/news/'"
        parts = _http_url(value, example)
        if "?" in value or "#" in value:
            raise ValueError(f"{_shown(value)} has a query or fragment; give the site's root URL")
        path = _canonical_path(value, parts.path)
        path = path if path.endswith("/") else path + "/"
        return urlunsplit(parts._replace(path=path))

    @field_validator("title", "description")
    @classmethod
    def _publishable_text(cls, value: str) -> str:
        return check_text(value)

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str, info: ValidationInfo) -> str:
        if info.context and info.context.get(REMEMBERED):
            return value  # checked (with the same code and data) before it was remembered
        return check_language(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
            known = value in _packaged_zones() or value in available_timezones()
            if value in _MACHINE_ZONES or not known:
                raise ZoneInfoNotFoundError(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like 'Europe/Paris'"
            ) from None
        return value

    @model_validator(mode="after")
    def _default_authority(self) -> Site:
        authority = self.id_authority or (urlsplit(self.base_url).hostname or "")
        if not _AUTHORITY.fullmatch(authority):
            raise ValueError(
                f"id_authority {authority!r} is not a domain name or e-mail address "
                "(RFC 4151); set id_authority to a domain you own, like 'news.example.com'"
            )
        object.__setattr__(self, "id_authority", authority.lower())
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)

    def url(self, path: str = "") -> str:
        """The absolute URL of a path below the site's root (non-ASCII characters
        percent-encoded: ``quote_path``)."""
        return self.base_url + quote_path(path)

    @property
    def root_path(self) -> str:
        """The URL path the site is served under, ending in '/' (``/news/``)."""
        return urlsplit(self.base_url).path


def _http_url(value: str, example: str) -> SplitResult:
    """An absolute http(s) URL split, its scheme and host in lower case; or ValueError.

    Its host must be a plain domain name or IP address, written as its canonical
    form would be (no empty label, no trailing dot, an ASCII name), with no user
    name and a valid port: what the URL says is exactly where it leads.
    """
    if not _PRINTABLE_ASCII.fullmatch(value):
        raise ValueError(
            f"{_shown(value)} has a space, a control or a non-ASCII character; percent-encode "
            f"it (an international domain name in its 'xn--' form); {example}"
        )
    try:
        parts = urlsplit(value)
    except ValueError:  # brackets that hold no IPv6 address
        raise ValueError(f"{_shown(value)} has an invalid host; {example}") from None
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{_shown(value)} has an invalid port; {example}") from None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{_shown(value)} is not an absolute http(s) URL; {example}")
    if "@" in parts.netloc:  # never quoted: it may hold a password
        raise ValueError(f"the URL has a user name; leave it out; {example}")
    host = parts.hostname
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{_shown(value)} has an invalid IPv6 address; {example}") from None
        host = f"[{host}]"
    elif not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        raise ValueError(f"{_shown(value)} has a host that is not a domain name; {example}")
    netloc = host + ("" if port is None else f":{port}")
    if parts.netloc.lower() != netloc:  # ex.com:, ex.com:080, [v1.x], [::1]x
        raise ValueError(f"{_shown(value)} has a host that is not written plainly; {example}")
    return parts._replace(scheme=parts.scheme.lower(), netloc=netloc)


def _canonical_path(value: str, path: str) -> str:
    """The URL path, its escapes in capitals, if it is canonical: no '.', '..' or empty
    segment, no backslash, no escaped unreserved character ('%2e'), slash or
    backslash. Such a path means another one to a browser or a server than to a
    file written under it (``/news/../`` is ``/``): refused, never cleaned up."""
    if problem := _path_problem(path):
        raise ValueError(f"{_shown(value)} has {problem}")
    return _ESCAPE.sub(lambda match: match.group().upper(), path)


def _path_problem(path: str) -> str:
    if "\\" in path:
        return "a backslash in its path; separate the folders with '/'"
    if not _URL_PATH.fullmatch(path):
        return "a character a URL cannot carry in its path; percent-encode it"
    for match in _ESCAPE.finditer(path):
        if not match.group(1):
            return "a '%' that starts no escape in its path; write '%25' for a '%'"
        character = chr(int(match.group(1), 16))
        if character in _UNRESERVED:
            return f"{match.group()} in its path, an escaped {character!r}; write {character!r}"
        if character in "/\\":
            return (
                f"{match.group()} in its path, an escaped {character!r}, which servers read "
                "each their own way; leave it out"
            )
    if "//" in path:
        return "an empty segment ('//') in its path; write one '/'"
    if any(segment in {".", ".."} for segment in path.split("/")):
        return (
            "a '.' or '..' segment in its path; write the path it leads to "
            "('https://example.com/' for 'https://example.com/news/../')"
        )
    return ""


def _shown(value: str) -> str:
    """A configuration value quoted in a message: longer than a seed's excerpt (it is
    the owner's own), escaped all the same (it may come from the environment)."""
    return quote(value, 100)


def _plain_message(problem: Mapping[str, Any]) -> str:
    """pydantic's message, without its 'Value error, ' prefix for our own ValueErrors."""
    if problem["type"] == "value_error":
        return str(problem["ctx"]["error"])
    return str(problem["msg"])


def count_words(paragraphs: tuple[str, ...]) -> int:
    """How many words a body has."""
    return len(" ".join(paragraphs).split())


class ImageFile(Frozen):
    """An image file as published: where, how large, read from which file below the seeds.

    ``path`` (below the site's root) is content-addressed,
    ``media/<hash of the published bytes>/<name>.<ext>``: a replaced picture gets
    a new URL, so every copy of it may be cached for a year. ``width`` and
    ``height`` are as shown, after the EXIF orientation.
    """

    path: str
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    length: int = Field(ge=1, description="bytes of the published file")
    media_type: str
    source: str = Field(description="the file's path below the seeds folder, '/'-separated")
    source_digest: str = Field(description="content_digest of the file below the seeds")
    root: str = Field(default="", exclude=True, description="the seeds folder it was read from")


class LeadImage(Frozen):
    """An article's lead image: ``image:``, ``image_alt:``, ``image_caption:``,
    ``image_credit:``; ``file`` once the file has been read (``feeds._images``)."""

    src: NonEmpty = Field(description="the path as written, relative to the seed's folder")
    alt: NonEmpty
    caption: str | None = None
    credit: str | None = None
    line: int = Field(default=0, description="the line of 'image:' in the seed")
    file: ImageFile | None = None

    @property
    def published(self) -> ImageFile:
        """The published file; a programming error if it was not read (``feeds._images``)."""
        if self.file is None:
            raise RuntimeError(f"the image {self.src!r} was not read before rendering")
        return self.file


class Article(Frozen):
    """One published article, read from one seed file.

    A build keeps articles *without* their body (``paragraphs`` and ``markdown``
    empty; memory stays small at 100,000 articles) and reads it back from the
    seed file when rendering (``feeds._seeds.with_body``): ``seed`` and
    ``body_line`` say which bytes and where the body starts. A text body is its
    ``paragraphs``; a Markdown body its source, ``markdown`` (``format``).
    """

    source: str = Field(exclude=True, description="the seed file it was read from")
    slug: Slug
    title: NonEmpty
    published: AwareDatetime
    updated: AwareDatetime | None = None
    paragraphs: tuple[NonEmpty, ...] = ()
    format: BodyFormat = "text"
    markdown: str = Field(default="", exclude=True, description="a Markdown body's source")
    links: tuple[tuple[str, int], ...] = Field(
        default=(), description="(slug, line) of each article the body links to"
    )
    images: tuple[tuple[str, int], ...] = Field(
        default=(), description="(path as written, line) of each local image in the body"
    )
    body_images: tuple[tuple[str, ImageFile], ...] = Field(
        default=(), description="(path as written, its published file) of each local image"
    )
    summary: NonEmpty
    tags: tuple[NonEmpty, ...] = ()
    aliases: tuple[Slug, ...] = Field(default=(), description="old slugs that redirect here")
    author: str | None = None
    language: Annotated[str, AfterValidator(check_language)] | None = Field(
        default=None, description="BCP 47 tag; None: the site's language"
    )
    image: LeadImage | None = None
    url: str
    id: str
    word_count: int = Field(default=-1, description="words in the body (counted when not given)")
    seed: str = Field(default="", exclude=True, description="the seed file's content_digest")
    body_line: int = Field(default=0, exclude=True, description="index of the body's first line")

    @model_validator(mode="after")
    def _updated_after_published(self) -> Article:
        if self.updated is not None and self.updated < self.published:
            raise ValueError(
                f"updated date {self.updated.date()} is before the publication date "
                f"{self.published.date()}; fix one of them"
            )
        return self

    @model_validator(mode="after")
    def _words_counted(self) -> Article:
        if self.word_count < 0:  # frozen: set once, while validating
            object.__setattr__(self, "word_count", count_words(self.paragraphs))
        return self

    @property
    def modified(self) -> datetime:
        """When the article last changed: its update date, never before its publication."""
        return max(self.updated or self.published, self.published)

    @cached_property
    def rendered(self) -> RenderedBody:
        """The body rendered (``feeds._body``); a programming error if it was not read
        back (``with_body``)."""
        from feeds._body import ImageSource, RenderedBody, render_markdown, text_html

        if self.format == "markdown" and self.markdown:
            # The page is articles/<slug>/: its images are two folders up.
            sources = {
                path: ImageSource(f"../../{file.path}", file.width, file.height)
                for path, file in self.body_images
            }
            return render_markdown(self.markdown, self.url, sources)
        if not self.paragraphs:
            raise RuntimeError(f"{self.source}: the body was not read back before rendering")
        html = text_html(self.paragraphs)
        return RenderedBody(html, html, "\n\n".join(self.paragraphs))

    @property
    def content_html(self) -> str:
        """The body as HTML for the article's page: text escaped, links as written."""
        return self.rendered.page_html

    @property
    def feed_html(self) -> str:
        """The body as HTML for feeds and the API: every link and image URL absolute."""
        return self.rendered.feed_html

    @property
    def has_body(self) -> bool:
        """Whether the body is here (not only in the seed file)."""
        return bool(self.paragraphs or self.markdown)

    def without_body(self) -> Article:
        """This article without its body, as a build keeps it."""
        return self.replaced(paragraphs=(), markdown="")

    @classmethod
    def trusted(cls, fields: dict[str, Any]) -> Article:
        """An article from a value for every field, valid already (a cache row, a copy).

        As ``model_construct``, without its per-field work: a build makes tens
        of thousands of these. Every field is set, so they share one set of the
        field names (pydantic copies it before changing it, in ``model_copy``):
        a set of each one's own took 1.2 KB, a third of an article.
        """
        article = cls.__new__(cls)
        object.__setattr__(article, "__dict__", fields)
        object.__setattr__(article, "__pydantic_fields_set__", _ALL_FIELDS_SET)
        object.__setattr__(article, "__pydantic_extra__", None)
        object.__setattr__(article, "__pydantic_private__", None)
        return article

    def replaced(self, **changes: object) -> Article:
        """A copy with some fields changed (valid values: not validated again)."""
        if unknown := changes.keys() - _ARTICLE_FIELDS.keys():
            raise TypeError(f"not fields of an article: {sorted(unknown)}")
        fields = {**self.__dict__, **changes}
        if len(fields) > len(_ARTICLE_FIELDS):  # a cached property's value, maybe stale now
            fields = {name: fields[name] for name in _ARTICLE_FIELDS}
        return Article.trusted(fields)

    @property
    def image_files(self) -> tuple[ImageFile, ...]:
        """Every image file the article's outputs show (the lead image's, then its
        body's local ones): each is published, and part of the article's render key."""
        lead = (self.image.published,) if self.image else ()
        return lead + tuple(file for _, file in self.body_images)

    @property
    def image_key(self) -> str:
        """What of its image files the outputs show: their published paths (which name
        their bytes' hashes); "" without any."""
        return " ".join(file.path for file in self.image_files)

    @property
    def content_text(self) -> str:
        """The body as plain text (as rendered), paragraphs separated by a blank line."""
        return self.rendered.text


_ARTICLE_FIELDS = dict(Article.model_fields)  # looked up once: pydantic's is a descriptor
_ALL_FIELDS_SET = set(_ARTICLE_FIELDS)  # every trusted article's fields set (``trusted``)
