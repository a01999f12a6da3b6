"""Reading seed files: ``(path, bytes)`` in, an ``Article`` or ``SeedError``s out.

A seed file is UTF-8 text (a leading BOM and CRLF line endings are accepted)::

    23 August, 2025                 line 1: the publication date
    japan-and-south-korea-...      line 2: the slug
    tags: diplomacy, asia           optional "key: value" metadata lines
                                    a blank line
    First paragraph ...             paragraphs, separated by blank lines (or
                                    Markdown: ``format: markdown``, feeds._body)

``parse_seed`` is pure. It keeps the line of every field, so problems found by
the pydantic model come back as ``path:line: message`` too, and it reports every
problem of a file at once. ``load_seeds`` reads a folder and adds the checks
that span files (two files with one slug).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from feeds._below import FILE_FLAGS
from feeds._body import check_markdown
from feeds._dates import DateProblem, parse_date
from feeds._digest import content_digest
from feeds._images import ImageResolver
from feeds._language import check_language
from feeds.errors import ConfigError, SeedError, SeedErrors, sort_problems
from feeds.models import (
    BIDI_CONTROL,
    BODY_FORMATS,
    NOT_TEXT,
    SLUG_MAX_LENGTH,
    Article,
    Site,
    _plain_message,
    bidi_message,
    check_slug,
    quote,
    tag_slug,
)

METADATA_KEYS = (
    "aliases",
    "author",
    "format",
    "image",
    "image_alt",
    "image_caption",
    "image_credit",
    "language",
    "summary",
    "tags",
    "title",
    "updated",
)
IMAGE_KEYS = {"image_alt": "alt", "image_caption": "caption", "image_credit": "credit"}
_UNDECODABLE = "\ufffd"
_BOM = b"\xef\xbb\xbf"
_METADATA = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*)")
_SLUG_LINE = 2
_LISTED = 20  # bad bytes, control characters, bidi controls: each listed so often a file
_MAX_PROBLEMS = 100  # problems listed for one file, then a count of the others
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROL_BYTES = bytes(sorted(set(range(256)) - set(_CONTROL_BYTES)))
_C1_CONTROL = re.compile(b"\xc2[\x80-\x9f]")
_NONCHARACTER = re.compile(b"\xef\xbf[\xbe\xbf]")
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
}


@dataclass
class _Reading:
    """What has been read of one file so far: fields, their lines, problems."""

    path: str
    fields: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[SeedError] = field(default_factory=list)
    summary: str = ""  # the summary the body gives, where none is written
    unlisted: int = 0  # problems found past _MAX_PROBLEMS
    unlisted_from: int = 0  # the line of the first of them

    def problem(self, line: int, message: str) -> None:
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(SeedError(self.path, line, message))
            return
        self.unlisted_from = self.unlisted_from if self.unlisted else line
        self.unlisted += 1

    def all_problems(self) -> list[SeedError]:
        """The problems listed, and how many more there are (a 2 MB seed of bad lines
        makes a screenful, not a million lines)."""
        if not self.unlisted:
            return self.problems
        message = (
            f"and {self.unlisted} more problems from here on, not listed; fix these and check again"
        )
        return [*self.problems, SeedError(self.path, self.unlisted_from, message)]

    def set(self, name: str, value: object, line: int) -> None:
        self.fields[name] = value
        self.lines[name] = line


def unreadable(path: str, error: OSError) -> SeedError:
    """The problem of a seed file that could not be read."""
    return SeedError(path, 0, f"cannot read the file: {error.strerror}")


def linked(path: str) -> SeedError:
    """The problem of a seed file that is a symbolic link (never followed)."""
    return SeedError(
        path,
        0,
        "is a symbolic link, which feeds never follows (it could lead to any file on the "
        "machine); put the file itself here",
    )


def not_regular(path: str, mode: int, expected: str = "a seed is a text file") -> SeedError:
    """The problem of a seed file that is a FIFO, a socket or a device (never opened)."""
    return SeedError(path, 0, f"is {_KINDS.get(stat.S_IFMT(mode), 'no regular file')}; {expected}")


def too_large(path: str, size: int, limit: int) -> SeedError:
    """The problem of a seed file larger than the site's ``max_seed_bytes``."""
    return SeedError(
        path,
        0,
        f"is {size:,} bytes, more than max_seed_bytes ({limit:,}); shorten or split the "
        "article, or raise max_seed_bytes in [tool.feeds] of pyproject.toml",
    )


def oversized(path: str, limit: int) -> SeedError | None:
    """The problem of a seed file larger than ``limit`` bytes, known before reading it."""
    try:
        size = os.lstat(path).st_size
    except OSError:  # reading it says why
        return None
    return too_large(path, size, limit) if size > limit else None


def read_file(path: str, expected: str = "a seed is a text file") -> bytes:
    """A seed file's bytes, if it is a regular file and no link: else a SeedError
    (nothing else is read, or even opened without O_NONBLOCK), or OSError.
    ``expected`` ends the message of a file of another kind (the site's templates
    and static files are read this way too).

    The listing refuses links and other kinds of files already; these checks hold
    for a file replaced since. One read of the size ``fstat`` gives (and one byte
    more, to see the end): fewer system calls than ``FileIO.readall``.
    """
    try:
        descriptor = os.open(path, FILE_FLAGS)  # no link followed, no FIFO waited for
    except OSError as error:
        if error.errno == errno.ELOOP and os.path.islink(path):  # noqa: PTH114  (hot path)
            raise linked(path) from None
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise not_regular(path, status.st_mode, expected)
        data = os.read(descriptor, status.st_size + 1)
        if len(data) == status.st_size:  # all of it, and nothing after: the end
            return data
        chunks = [data]  # a short read, or a file that grew since fstat: on to the end
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def parse_seed(path: str, data: bytes, site: Site, seed: str | None = None) -> Article:
    """Read one seed file; raise SeedErrors listing every problem in it. ``seed`` is
    the ``content_digest`` of ``data``, if the caller has it already."""
    if len(data) > site.max_seed_bytes:  # grown since its size was checked, or never checked
        raise SeedErrors([too_large(path, len(data), site.max_seed_bytes)])
    reading = _Reading(path)
    reading.set("seed", seed or content_digest(data), 0)
    text = _decode(data, reading)
    if _has_control_characters(data):
        _report_control_characters(text, reading)
    _read_text(text, reading, site)
    _gather_image(reading)
    article = _validate(reading, site) if not reading.problems else None
    if reading.problems or article is None:
        raise SeedErrors(reading.all_problems())
    return article


def _list_characters(
    reading: _Reading, found: Iterator[tuple[int, str]], total: Callable[[], int], kind: str
) -> None:
    """Report the first ``_LISTED`` ``(line, message)`` found, then one count of the
    rest (``total()`` counts them all): a 2 MB seed of NUL bytes gives a screenful,
    not two million lines, and the search stops there."""
    for count, (line, message) in enumerate(found):
        if count == _LISTED:
            reading.problem(line, f"and {total() - _LISTED} more {kind} from here on, not listed")
            return
        reading.problem(line, message)


def _decode(data: bytes, reading: _Reading) -> str:
    """The text, with every byte that is not UTF-8 reported and replaced."""
    data = data.removeprefix(_BOM)
    text = data.decode("utf-8", errors="replace")
    if _UNDECODABLE in text:  # bad bytes, or a U+FFFD the author wrote: check
        authored = data.count(_UNDECODABLE.encode())
        _list_characters(
            reading,
            _undecodable(data),
            lambda: text.count(_UNDECODABLE) - authored,
            "invalid UTF-8 sequences",
        )
    return _unix_newlines(text)


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _undecodable(data: bytes) -> Iterator[tuple[int, str]]:
    """Each invalid UTF-8 sequence: its line and problem (each costs a pass over its
    line: ``_list_characters`` stops early)."""
    for line_number, line in enumerate(data.split(b"\n"), start=1):
        start = 0
        while True:
            try:
                line[start:].decode("utf-8")
                break
            except UnicodeDecodeError as error:
                bad = start + error.start
                column = len(line[:bad].decode("utf-8", errors="replace")) + 1
                yield (
                    line_number,
                    f"invalid UTF-8 at column {column} (byte {line[bad]:#04x}); "
                    "save the file as UTF-8",
                )
                start = start + error.end


def _has_control_characters(data: bytes) -> bool:
    """Whether the text of these UTF-8 bytes has a character ``NOT_TEXT`` refuses, found
    on the bytes in a third of the time the pattern takes on the text.

    In UTF-8 the C0 controls and DEL are single bytes, the C1 controls are C2 80
    to C2 9F and U+FFFE and U+FFFF are EF BF BE and EF BF BF. None of these
    lead bytes can continue another character, and an ASCII byte is never part
    of an invalid sequence: the answer is exact for any bytes, valid or not.
    """
    return (
        bool(data.translate(None, _NOT_CONTROL_BYTES))
        or (b"\xc2" in data and _C1_CONTROL.search(data) is not None)
        or (b"\xef\xbf" in data and _NONCHARACTER.search(data) is not None)
    )


def _read_text(text: str, reading: _Reading, site: Site) -> None:
    lines = text.split("\n")
    if not text.strip():
        reading.problem(
            0, "file is empty; an article starts with a date line like '23 August, 2025'"
        )
        return
    _read_date(lines[0], reading, site)
    _read_slug(lines, reading)
    body_start = _read_metadata(lines, reading, site)
    _read_body(lines, body_start, reading, site)
    if BIDI_CONTROL.search(text):
        _report_bidi_controls(lines, body_start, reading)


def _report_control_characters(text: str, reading: _Reading) -> None:
    found = (
        (
            number,
            f"control character U+{ord(match.group()):04X} at column {match.start() + 1} "
            "cannot be published; delete it",
        )
        for number, line in enumerate(text.split("\n"), start=1)
        for match in NOT_TEXT.finditer(line)
    )

    def total() -> int:
        return len(NOT_TEXT.findall(text))

    _list_characters(reading, found, total, "control characters")


def _report_bidi_controls(lines: list[str], body_start: int, reading: _Reading) -> None:
    """Each bidi control, named with the field of its line (``title``, ``body``...)."""
    found = (
        (index + 1, f"{_field_of(lines, index, body_start)}: {bidi_message(match)}")
        for index, line in enumerate(lines)
        for match in BIDI_CONTROL.finditer(line)
    )

    def total() -> int:
        return sum(len(BIDI_CONTROL.findall(line)) for line in lines)

    _list_characters(reading, found, total, "bidi controls")


def _field_of(lines: list[str], index: int, body_start: int) -> str:
    """What the line at ``index`` holds: date, slug, a metadata key, or body."""
    if index < _SLUG_LINE:
        return ("date", "slug")[index]
    if index < body_start:
        match = _METADATA.fullmatch(lines[index].strip())
        return match.group(1) if match and match.group(1) in METADATA_KEYS else "metadata"
    return "body"


def _read_date(line: str, reading: _Reading, site: Site) -> None:
    if not line.strip():
        reading.problem(1, "missing date; line 1 is the publication date, like '23 August, 2025'")
        return
    try:
        reading.set("published", parse_date(line, site.zone), 1)
    except DateProblem as problem:
        reading.problem(1, str(problem))


def _read_slug(lines: list[str], reading: _Reading) -> None:
    slug = lines[1].strip() if len(lines) > 1 else ""
    if not slug:
        reading.problem(
            _SLUG_LINE, "missing slug; line 2 is the URL slug, like 'leaders-meet-in-tokyo'"
        )
        return
    try:
        reading.set("slug", check_slug(slug), _SLUG_LINE)
    except ValueError as problem:
        reading.problem(_SLUG_LINE, str(problem))


def _read_metadata(lines: list[str], reading: _Reading, site: Site) -> int:
    """Read ``key: value`` lines after the slug; return the index where the body starts."""
    index = _SLUG_LINE
    seen: set[str] = set()
    while index < len(lines) and lines[index].strip():
        number, line = index + 1, lines[index]
        index += 1
        match = _METADATA.fullmatch(line.strip())
        if not match:
            reading.problem(
                number, "expected a blank line after the slug, or a 'key: value' metadata line"
            )
            continue
        key, value = match.group(1), match.group(2).strip()
        if key not in METADATA_KEYS:
            reading.problem(
                number,
                f"unknown metadata key {quote(key)}; use one of {', '.join(METADATA_KEYS)} "
                "(or add a blank line after the slug if this line is the body)",
            )
        elif key in seen:
            reading.problem(number, f"metadata key {quote(key)} is given twice; keep one")
        elif not value:
            reading.problem(
                number, f"metadata key {quote(key)} has no value; give one or delete the line"
            )
        else:
            seen.add(key)
            _read_metadata_value(key, value, number, reading, site)
    return index


def _read_metadata_value(key: str, value: str, number: int, reading: _Reading, site: Site) -> None:
    if key == "updated":
        try:
            reading.set("updated", parse_date(value, site.zone), number)
        except DateProblem as problem:
            reading.problem(number, str(problem))
    elif key == "aliases":
        aliases = dict.fromkeys(alias.strip() for alias in value.split(",") if alias.strip())
        for alias in aliases:
            try:
                check_slug(alias)
            except ValueError as problem:
                reading.problem(number, f"alias: {problem}")
            if alias == reading.fields.get("slug"):
                reading.problem(
                    number, f"alias {quote(alias)} is the article's own slug; remove it"
                )
        reading.set("aliases", tuple(aliases), number)
    elif key == "tags":
        tags = dict.fromkeys(tag.strip() for tag in value.split(",") if tag.strip())
        for tag in tags:
            if not tag_slug(tag):
                reading.problem(
                    number, f"tag {quote(tag)} has no letters or digits for its URL; rename it"
                )
            elif len(tag_slug(tag).encode()) > SLUG_MAX_LENGTH:  # a file name: bytes count
                reading.problem(
                    number, f"tag {quote(tag)} is too long for a URL; shorten it to a few words"
                )
        reading.set("tags", tuple(tags), number)
    elif key == "language":
        try:
            reading.set("language", check_language(value), number)
        except ValueError as problem:
            reading.problem(number, f"language: {problem}")
    elif key == "image":
        if wrong := image_path_problem(value):
            reading.problem(number, f"image {quote(value)}: {wrong}")
        reading.set(key, value, number)
    elif key == "format":
        if value not in BODY_FORMATS:
            reading.problem(
                number, f"format {quote(value)} is not a body format; write 'markdown' or 'text'"
            )
        else:
            reading.set("format", value, number)
    else:
        reading.set(key, value, number)


def image_path_problem(src: str) -> str:
    """Why ``src`` cannot name a local image file, if it cannot (without looking at it)."""
    if "://" in src or src.startswith("//"):
        return (
            "a lead image is a file below the seeds folder, not a URL; save the picture "
            "there and give its path relative to this file, like 'media/summit.jpg'"
        )
    if "\\" in src:
        return "separate the folders with '/', like 'media/summit.jpg'"
    if src.startswith("/"):
        return "give the path relative to this file's folder, like 'media/summit.jpg'"
    return ""


def _gather_image(reading: _Reading) -> None:
    """The ``image_*`` fields gathered into the lead image (field ``image``), each
    problem at its line: an image needs its ``image_alt``; alt, caption and credit
    need an image."""
    fields, lines = reading.fields, reading.lines
    parts = {name: fields.pop(key) for key, name in IMAGE_KEYS.items() if key in fields}
    if "image" not in fields:
        for key in IMAGE_KEYS:
            if key in lines:
                reading.problem(
                    lines[key], f"{key} describes no image; add 'image: <path>' or remove it"
                )
    elif "alt" not in parts:
        reading.problem(
            lines["image"],
            "image has no image_alt; add a line 'image_alt: <what the picture shows>' for "
            "readers who cannot see it",
        )
    else:
        fields["image"] = {"src": fields["image"], "line": lines["image"], **parts}


def _read_body(lines: list[str], start: int, reading: _Reading, site: Site) -> None:
    if reading.fields.setdefault("format", site.body) == "markdown":
        _read_markdown(lines, start, reading, site)
        return
    paragraphs = _paragraphs(lines, start)
    if not paragraphs:
        reading.problem(0, "no body; write the article's paragraphs after a blank line")
        return
    reading.set("paragraphs", paragraphs, start + 1)
    reading.set("body_line", start, start + 1)
    reading.summary = paragraphs[0]


def _read_markdown(lines: list[str], start: int, reading: _Reading, site: Site) -> None:
    """A Markdown body: its problems at their lines, and what the article keeps of it."""
    source = _markdown_source(lines, start)
    if not source.strip():
        reading.problem(0, "no body; write the article's text after a blank line")
        return
    slug = reading.fields.get("slug")
    url = site.url(article_path(slug)) if slug else None
    facts = check_markdown(source, url, site.base_url, start + 1)
    for line, message in facts.problems:
        reading.problem(line, message)
    reading.set("markdown", source, start + 1)
    reading.set("body_line", start, start + 1)
    reading.set("word_count", facts.words, start + 1)
    reading.set("links", facts.links, start + 1)
    reading.set("images", facts.images, start + 1)
    reading.summary = facts.summary


def _markdown_source(lines: list[str], start: int) -> str:
    """The Markdown body: the lines from index ``start`` on, as written."""
    return "\n".join(lines[start:])


def _paragraphs(lines: list[str], start: int) -> tuple[str, ...]:
    """The paragraphs from line index ``start`` on: blank lines separate them."""
    paragraphs: list[str] = []
    current: list[str] = []
    for index in range(start, len(lines)):  # no copy of the lines: a build reads each twice
        if stripped := lines[index].strip():
            current.append(stripped)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return tuple(paragraphs)


def with_body(article: Article) -> Article:
    """The article with its paragraphs, read back from its seed file if it was kept without.

    The file must still hold the bytes the article was parsed from: a seed
    edited during a build is an error, never a page that mixes two versions.
    """
    if article.has_body:
        return article
    if not article.seed:
        raise ValueError(f"{article.source}: an article without a body and without a seed hash")
    try:
        data = read_file(article.source)
    except OSError as error:
        raise SeedErrors([unreadable(article.source, error)]) from None
    except SeedError as problem:  # replaced by a link or a FIFO since it was parsed
        raise SeedErrors([problem]) from None
    if content_digest(data) != article.seed:
        message = "changed while the build was running, or since the cache saw it; build again"
        raise SeedErrors([SeedError(article.source, 0, message)])
    lines = _unix_newlines(data.removeprefix(_BOM).decode("utf-8")).split("\n")
    if article.format == "markdown":
        return article.replaced(markdown=_markdown_source(lines, article.body_line))
    return article.replaced(paragraphs=_paragraphs(lines, article.body_line))


def _validate(reading: _Reading, site: Site) -> Article | None:
    fields = reading.fields
    slug, published = fields["slug"], fields["published"]
    if "updated" in fields and fields["updated"] < published:
        reading.problem(
            reading.lines["updated"],
            f"updated {fields['updated'].isoformat()} is before the publication date "
            f"{published.isoformat()}; fix one of them",
        )
        return None
    title = fields.get("title") or headline(slug)
    values = {
        "title": title,
        "summary": reading.summary or title,  # a body of only code or pictures: the title
        **fields,
        "source": reading.path,
        "url": site.url(article_path(slug)),
        "id": f"tag:{site.id_authority},{published.date().isoformat()}:{slug}",
    }
    try:
        return Article.model_validate(values)
    except ValidationError as error:
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            if name == "image" and len(problem["loc"]) > 1:  # image.alt: 'image_alt'
                name = f"image_{problem['loc'][1]}"
            reading.problem(reading.lines.get(name, 0), _field_message(name, problem))
        return None


def _field_message(name: str, problem: Mapping[str, Any]) -> str:
    message = _plain_message(problem)
    if problem["type"] == "value_error" or not name:
        return message
    return f"{name}: {message}"


def headline(slug: str) -> str:
    """The slug's words in headline case, as ``titlecase`` writes them.

    titlecase compiles its patterns on every call (0.5 ms a title); a slug's
    words carry no punctuation, so each word's case can be looked up once and
    cached, with titlecase's own rule for small words inside the headline.
    titlecase is imported for the first headline (0.02 s): a build that parses
    no seed never imports it.
    """
    words = slug.split("-")
    last = len(words) - 1
    small = _small_word()
    return " ".join(
        word if 0 < index < last and small.fullmatch(word) else _headline_word(word)
        for index, word in enumerate(words)
    )


@cache
def _small_word() -> re.Pattern[str]:
    from titlecase import SMALL

    return re.compile(SMALL, re.IGNORECASE)


@lru_cache(maxsize=1 << 16)
def _headline_word(word: str) -> str:
    from titlecase import titlecase

    if word.isascii() and word.isdigit():  # titlecase leaves numbers alone, slowly
        return word
    return str(titlecase(word))


def article_path(slug: str) -> str:
    """The article page's path below the site root."""
    return f"articles/{slug}/"


def load_seeds(folder: Path, site: Site) -> tuple[list[Article], list[SeedError]]:
    """Read every ``*.txt`` below a folder (and the images they show); return the
    valid articles and every problem (drafts included, every other article taken
    as published)."""
    from feeds._links import check_references

    sources, unreadable = scan_seeds(folder, site.max_seed_bytes)
    images = ImageResolver.for_site(str(folder), site)
    results = [read_seed(path, data, site) for path, data in sources]
    leads = [images.lead(result) if isinstance(result, Article) else result for result in results]
    articles, problems = settle([*leads, unreadable])
    drafts = [article for article in articles if Path(article.source).name.startswith("_")]
    others = [article for article in articles if not Path(article.source).name.startswith("_")]
    checked = check_references(others, [], drafts)
    kept = {article.source for article in (*checked.published, *checked.drafts)}
    return [a for a in articles if a.source in kept], sort_problems(problems + checked.problems)


def read_seed(
    path: str, data: bytes, site: Site, seed: str | None = None
) -> Article | list[SeedError]:
    """``parse_seed`` with its problems as a value (what worker processes send back)."""
    try:
        return parse_seed(path, data, site, seed)
    except SeedErrors as errors:
        return errors.errors


def settle(results: Iterable[Article | list[SeedError]]) -> tuple[list[Article], list[SeedError]]:
    """Split results into articles and sorted problems.

    Of two files with one slug, or with two tags that share a URL (``C`` and
    ``C++``), neither is published: both are named in the problem.
    """
    articles: list[Article] = []
    problems: list[SeedError] = []
    for result in results:
        if isinstance(result, Article):
            articles.append(result)
        else:
            problems.extend(result)
    clashes = _duplicate_slugs(articles) + _clashing_tags(articles) + _clashing_aliases(articles)
    if clashes:
        taken = {error.path for error in clashes}
        articles = [article for article in articles if article.source not in taken]
    return articles, sort_problems(problems + clashes)


def scan_seeds(
    folder: Path, limit: int | None = None
) -> tuple[list[tuple[str, bytes]], list[SeedError]]:
    """Every seed file's path and bytes, in a fixed order; a problem for each refused,
    unreadable or (with ``limit``) too large one."""
    sources: list[tuple[str, bytes]] = []
    paths = seed_paths(folder)
    problems: list[SeedError] = list(paths.refused)
    for path in paths:
        if limit is not None and (problem := oversized(path, limit)):
            problems.append(problem)
            continue
        try:
            sources.append((path, read_file(path)))
        except OSError as error:
            problems.append(unreadable(path, error))
        except SeedError as problem:
            problems.append(problem)
    return sources, problems


class SeedListing(list[str]):
    """The seed files below a folder, in a fixed order, and ``refused``: a problem
    for each entry named like a seed that is no regular file, and for each link to a
    folder. A caller that only reads files sees a list of regular files."""

    def __init__(
        self, paths: Iterable[str], refused: Iterable[SeedError] = (), root: str = os.curdir
    ) -> None:
        super().__init__(paths)
        self.refused = sort_problems(refused)
        self.root = root  # the seeds folder


def seed_paths(folder: Path) -> SeedListing:
    """The seed files below a folder, in a fixed order (hidden files and folders skipped).

    The folder itself may be a symbolic link, or lie below one. Below it no link is
    followed: one could lead to any file on the machine (``/proc/self/environ``, a
    credentials file), and a pull request can add one. A ``*.txt`` link, or a link to
    a folder, is refused (``refused``: a problem each, naming the link, never its
    target); so is a ``*.txt`` FIFO, socket or device, which is never opened.
    """
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such folder of seed files; check --seeds")
    paths: list[str] = []
    refused: list[SeedError] = []
    _list_seeds(str(folder), paths, refused)
    return SeedListing(sorted(paths), refused, str(folder))


def _list_seeds(folder: str, paths: list[str], refused: list[SeedError]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:  # a folder it may not read (lost+found) or that just went: skipped
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _list_seeds(entry.path, paths, refused)
            elif not entry.name.endswith(".txt"):
                if entry.is_symlink() and entry.is_dir():  # stat: the target is not opened
                    refused.append(linked_folder(entry.path))
            elif entry.is_file(follow_symlinks=False):
                paths.append(entry.path)
            elif entry.is_symlink():
                refused.append(linked(entry.path))
            else:
                refused.append(not_regular(entry.path, entry.stat(follow_symlinks=False).st_mode))
        except OSError:  # gone since it was listed: as if it had never been there
            continue


def linked_folder(path: str) -> SeedError:
    return SeedError(
        path,
        0,
        "is a symbolic link to a folder, which feeds never follows (it could lead anywhere "
        "on the machine); put the folder itself here, or remove the link",
    )


def _duplicate_slugs(articles: Iterable[Article]) -> list[SeedError]:
    first: dict[str, Article] = {}
    problems = []
    for article in articles:
        if (other := first.setdefault(article.slug, article)) is not article:
            for this, that in ((article, other), (other, article)):
                problems.append(
                    SeedError(
                        this.source,
                        _SLUG_LINE,
                        f"slug {quote(this.slug)} is also used by {that.source}; "
                        "give each article its own slug",
                    )
                )
    return problems


def _clashing_tags(articles: Iterable[Article]) -> list[SeedError]:
    first: dict[str, tuple[str, Article]] = {}
    problems = []
    for article in articles:
        for tag in article.tags:
            other_tag, other = first.setdefault(tag_slug(tag), (tag, article))
            if other_tag != tag:
                for this, that, this_tag, that_tag in (
                    (article, other, tag, other_tag),
                    (other, article, other_tag, tag),
                ):
                    problems.append(
                        SeedError(
                            this.source,
                            0,
                            f"tag {quote(this_tag)} and tag {quote(that_tag)} (in {that.source}) "
                            f"share the URL tags/{tag_slug(tag)}/; spell them the same or rename "
                            "one",
                        )
                    )
    return problems


def _clashing_aliases(articles: Iterable[Article]) -> list[SeedError]:
    """An old slug may redirect to one article only, and never hide a live article."""
    articles = list(articles)
    owners = {article.slug: article for article in articles}
    problems = []
    for article in articles:
        for alias in article.aliases:
            other = owners.setdefault(alias, article)
            if other is not article:
                what = "the slug" if other.slug == alias else "an alias"
                problems.append(
                    SeedError(
                        article.source,
                        0,
                        f"alias {quote(alias)} is already {what} of {other.source}; "
                        "remove one of them",
                    )
                )
    return problems
