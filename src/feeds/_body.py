"""Article bodies: plain text or Markdown, checked when read, rendered to HTML and text.

Two formats (``body`` in ``[tool.feeds]``, ``format:`` on an article):

- **text**: paragraphs separated by blank lines, every character shown as
  written; bare ``http(s)://`` URLs and e-mail addresses become links.
- **markdown**: CommonMark with GFM tables and strikethrough, parsed by
  cmark-gfm (``feeds._cmark``), with feeds' rules on top: raw HTML is shown as
  text (never passed through, never dropped); link and image destinations are
  ``http``, ``https``, ``mailto`` or relative (anything else is an error, however
  it is written: cmark decodes entities and escapes before the check sees the
  URL); an image needs alt text and, if remote, ``https``; ``#`` renders as
  ``h2``, each level one down, ``h6`` at most (the page's ``h1`` is the title);
  bare URLs and e-mail addresses become links by the same rule as in text.

The rule that finds bare URLs and addresses (``autolinks``) is GFM's extended
autolinks as cmark-gfm implements them, for ``http``, ``https`` and e-mail
only (``www.`` and ``ftp://`` stay text): one function for both formats.

``check_markdown`` runs when a seed is read: it returns the problems (with
source lines), the summary and word count (from the rendered text, not the
source), the articles it links to and its local images, all kept with the
article. ``render_markdown`` runs when a page or feed is rendered: the HTML for
pages (links as written) and for feeds and the API (every link and image
resolved against the article's URL: readers do not resolve them reliably),
and the plain text.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from markupsafe import Markup, escape

from feeds.models import quote

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LOWEST_HEADING = 6
# What a browser drops around a URL and inside it before reading its scheme (WHATWG URL).
_URL_SPACE = "".join(map(chr, range(0x21)))
_URL_DROPPED = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_URL_START = re.compile("https?://", re.IGNORECASE)
_ASCII_SPACE = frozenset(" \t\n\v\f\r")
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)
_TRAILING = frozenset("?!.,:*_~'\"")
_CONTROL = re.compile("[\x00-\x1f\x7f]")  # in a file name once %-escapes are decoded
_HREF_SAFE = frozenset(string.ascii_letters + string.digits + "-_.+!*(),%#@?=;:/$~")


# Autolinks -----------------------------------------------------------------


def autolinks(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, URL) of each bare ``http(s)://`` URL and e-mail address in ``text``.

    GFM's extended autolinks, as cmark-gfm finds them: a URL runs from its
    scheme (not preceded by a letter) over a host of letters, digits, ``-`` and
    ``.`` (no ``_`` in its last two labels) to the next space or ``<``, less
    trailing punctuation (``.,:;!?*_~'"``, a ``)`` without its ``(``, an entity
    such as ``&amp;``); an address is letters, digits and ``.+-_`` before an
    ``@`` and a domain with a dot after it (``mailto:`` before it is kept).
    """
    if "://" not in text and "@" not in text:  # most paragraphs: nothing to look for
        return
    start = 0
    for match in _URL_START.finditer(text):
        if match.start() < start:
            continue
        found = _url_at(text, match.start())
        if found is not None:
            yield from _addresses(text, start, match.start())
            yield match.start(), found, text[match.start() : found]
            start = found
    yield from _addresses(text, start, len(text))


def _url_at(text: str, begin: int) -> int | None:
    """The end of the URL starting at ``begin`` (at its scheme), if it is one."""
    if begin > 0 and text[begin - 1].isascii() and text[begin - 1].isalpha():
        return None  # "xhttp://": another scheme
    colon = text.index(":", begin)
    host = colon + 3
    if host >= len(text) or not _host_character(text[host]):
        return None
    domain = _domain_length(text, host)
    if domain == 0:
        return None
    end = host + domain
    while end < len(text) and text[end] not in _ASCII_SPACE and text[end] != "<":
        end += 1
    end = colon + _delimited(text[colon:end])
    return end if end > colon else None


def _host_character(character: str) -> bool:
    return not (
        character.isspace()
        or character in _ASCII_PUNCTUATION
        or unicodedata.category(character).startswith("P")
    )


def _domain_length(text: str, start: int) -> int:
    """How much of ``text[start:]`` is a host name (0: one with ``_`` where it may not be)."""
    data = text[start:]
    size = len(data)
    index, periods, underscores_before, underscores = 1, 0, 0, 0
    while index < size - 1:
        character = data[index]
        if character == "\\" and index < size - 2:
            index += 1
            character = data[index]
        if character == "_":
            underscores += 1
        elif character == ".":
            underscores_before, underscores = underscores, 0
            periods += 1
        elif not _host_character(character) and character != "-":
            break
        index += 1
    if (underscores_before or underscores) and periods <= 10:
        return 0
    return max(index, 1) if size else 0


def _delimited(data: str) -> int:
    """The length of ``data`` (a URL from its ``:``, or an address from its ``@``)
    without the trailing punctuation that ends the sentence around it."""
    end = len(data)
    opening, closing = data.count("("), data.count(")")
    while end > 0:
        last = data[end - 1]
        if last == ")":
            if closing <= opening:
                return end
            closing -= 1
            end -= 1
        elif last in _TRAILING:
            end -= 1
        elif last == ";":
            before = end - 2
            while before > 0 and data[before].isascii() and data[before].isalpha():
                before -= 1
            end = before if before < end - 2 and data[before] == "&" else end - 1
        else:
            return end
    return end


def _addresses(text: str, start: int, stop: int) -> Iterator[tuple[int, int, str]]:
    """E-mail addresses in ``text[start:stop]``: (start, end, ``mailto:`` URL), found as
    cmark-gfm's autolink extension finds them (its ``postprocess_text``)."""
    data = text[start:stop]
    rest = 0  # where the text not yet linked starts
    offset = 0  # where to look for the next "@", from ``rest``
    while (at := data.find("@", rest + offset)) >= 0:
        found = _address_at(data, at, at - rest - offset)
        if isinstance(found, int):
            offset = found - rest
            continue
        begin, end, url = found
        yield start + begin, start + end, url
        rest, offset = end, 0


def _address_at(data: str, at: int, before: int) -> tuple[int, int, str] | int:
    """The address around the "@" at ``at`` (``before``: how far back it may start), or
    where to look for the next "@"."""
    periods = 0
    while True:
        rewind, mailto = 0, False
        while rewind < before:
            character = data[at - rewind - 1]
            if character in _ASCII_ALNUM or character in ".+-_":
                rewind += 1
            elif character == ":" and _mailto_before(data, at - rewind, before - rewind):
                mailto = True
                rewind += 1
            else:
                break
        if rewind == 0:
            return at + 1
        end = 1
        while end < len(data) - at:
            character = data[at + end]
            if character == "@":  # another one: the address, if any, is around that
                at, before, end = at + end, end - 1, 0
                break
            if character == "." and end < len(data) - at - 1 and data[at + end + 1] in _ASCII_ALNUM:
                periods += 1
            elif character not in _ASCII_ALNUM and character not in "-_":
                break
            end += 1
        if end == 0:
            continue
        last = data[at + end - 1]
        if end < 2 or not periods or not ((last.isascii() and last.isalpha()) or last == "."):
            return at + end
        end = _delimited(data[at : at + end])
        if end == 0:
            return at + 1
        address = data[at - rewind : at + end]
        return at - rewind, at + end, address if mailto else "mailto:" + address


def _mailto_before(data: str, colon_end: int, room: int) -> bool:
    """Whether ``mailto:`` ends at ``colon_end`` (``room``: characters it may take), at
    the start of the text or after a character that is no letter or digit."""
    if room < 7 or data[colon_end - 7 : colon_end] != "mailto:":
        return False
    return room == 7 or data[colon_end - 8] not in _ASCII_ALNUM


def href(url: str) -> str:
    """A URL as an ``href`` attribute's value, as cmark writes it: characters URLs
    may carry as they are, ``&`` and ``'`` as entities, the others percent-encoded."""
    if all(character in _HREF_SAFE for character in url):
        return url
    return "".join(_href_character(character) for character in url)


@lru_cache(maxsize=256)
def _href_character(character: str) -> str:
    if character in _HREF_SAFE:
        return character
    if character == "&":
        return "&amp;"
    if character == "'":
        return "&#x27;"
    return "".join(f"%{byte:02X}" for byte in character.encode("utf-8"))


def linked_text(text: str) -> Markup:
    """Text as HTML, escaped, its bare URLs and e-mail addresses made links."""
    pieces: list[str] = []
    start = 0
    for begin, end, url in autolinks(text):
        pieces.append(escape(text[start:begin]))
        pieces.append(f'<a href="{href(url)}">{escape(text[begin:end])}</a>')
        start = end
    if not pieces:
        return escape(text)
    pieces.append(escape(text[start:]))
    return Markup("".join(pieces))  # noqa: S704  (every piece escaped above)


def text_html(paragraphs: Sequence[str]) -> str:
    """A text body as HTML paragraphs, text escaped, bare URLs and addresses linked."""
    return "\n".join(f"<p>{linked_text(paragraph)}</p>" for paragraph in paragraphs)


# Destinations ----------------------------------------------------------------


def scheme(url: str) -> str | None:
    """A URL's scheme in lower case, as a browser reads it (spaces and controls around
    it, tabs and newlines in it, dropped), or None for a relative URL."""
    cleaned = _URL_DROPPED.sub("", url.strip(_URL_SPACE))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def local_image_path(url: str) -> str | None:
    """The file a relative image URL names (percent-escapes decoded), or None if it
    names none (only a query or fragment)."""
    path = unquote(urlsplit(url).path)
    return path or None


def article_slug(url: str, article_url: str, articles_root: str) -> str | None:
    """The slug of the article a link leads to, if it leads into ``articles_root``
    (the site's ``articles/`` URL), written relative or absolute."""
    target = urljoin(article_url, url.strip(_URL_SPACE))
    if not target.startswith(articles_root):
        return None
    rest = target[len(articles_root) :]
    return unquote(re.split("[/?#]", rest, maxsplit=1)[0])


# Markdown ----------------------------------------------------------------------


@dataclass(frozen=True)
class MarkdownFacts:
    """What reading a Markdown body finds, kept with the article."""

    problems: list[tuple[int, str]]  # (source line, message)
    summary: str
    words: int
    links: tuple[tuple[str, int], ...]  # (slug of an article linked to, line)
    images: tuple[tuple[str, int], ...]  # (local image path as written, line)


@dataclass
class _Tree:
    """A parsed body, read once: the nodes feeds looks at, and its plain text."""

    blocks: list[str] = field(default_factory=list)
    summary: str | None = None
    links: list[tuple[Any, str]] = field(default_factory=list)  # (node, URL)
    images: list[tuple[Any, str, str]] = field(default_factory=list)  # (node, URL, alt)
    headings: list[Any] = field(default_factory=list)
    html: list[tuple[Any, int, str]] = field(default_factory=list)  # (node, type, literal)
    texts: list[tuple[Any, str]] = field(default_factory=list)  # outside links: may autolink


def _read_tree(document: Any) -> _Tree:  # noqa: ANN401
    """Walk the tree once: the nodes to check or change, and the text as rendered.

    The hot loop of a Markdown build (every node of every body, twice a build):
    it calls cmark through local names, and skips the node types it ignores first.
    """
    from feeds import _cmark as c

    tree = _Tree()
    parts: list[str] = []  # inline text of the block being read
    cells: list[str] = []
    inside = 0  # depth in links and images: no autolinks there
    alt_from: list[int] = []
    lib, ffi = document.lib, document.ffi
    next_event, get_node = lib.cmark_iter_next, lib.cmark_iter_get_node
    get_type, get_literal, string = lib.cmark_node_get_type, lib.cmark_node_get_literal, ffi.string
    text, softbreak, paragraph, done, enter = c.TEXT, c.SOFTBREAK, c.PARAGRAPH, c.DONE, c.ENTER
    passed = c.PASSED
    iterator = lib.cmark_iter_new(document.root)
    try:
        while (event := next_event(iterator)) != done:
            node = get_node(iterator)
            kind = get_type(node)
            if kind == text:
                literal = string(get_literal(node)).decode("utf-8")
                parts.append(literal)
                if not inside and ("://" in literal or "@" in literal):
                    tree.texts.append((node, literal))
            elif kind == softbreak:
                parts.append(" ")
            elif kind in passed:
                continue
            elif kind == paragraph or kind == c.HEADING:
                if event == enter:
                    if kind == c.HEADING:
                        tree.headings.append(node)
                    continue
                block = "".join(parts).strip()
                parts.clear()
                if block:
                    tree.blocks.append(block)
                    if kind == paragraph and tree.summary is None:
                        tree.summary = " ".join(block.split())
            elif kind == c.CODE:
                parts.append(string(get_literal(node)).decode("utf-8"))
            elif kind == c.LINEBREAK:
                parts.append("\n")
            elif kind == c.HTML_INLINE:
                literal = string(get_literal(node)).decode("utf-8")
                parts.append(literal)
                tree.html.append((node, kind, literal))
            elif kind == c.LINK or kind == c.IMAGE:
                if event == enter:
                    inside += 1
                    alt_from.append(len(parts))
                    continue
                inside -= 1
                start = alt_from.pop()
                if kind == c.LINK:
                    tree.links.append((node, document.url(node)))
                else:
                    tree.images.append((node, document.url(node), "".join(parts[start:])))
            elif kind == c.HTML_BLOCK or kind == c.CODE_BLOCK:
                literal = document.literal(node).rstrip("\n")
                if literal.strip():
                    tree.blocks.append(literal)
                if kind == c.HTML_BLOCK:
                    tree.html.append((node, kind, literal))
            elif event != enter and c.is_block(kind):  # table cells, rows (extension types)
                name = document.type_name(node, kind)
                if name == "table_cell":
                    cells.append(" ".join("".join(parts).split()))
                    parts.clear()
                elif name in {"table_row", "table_header"}:
                    if any(cells):
                        tree.blocks.append("\t".join(cells))
                    cells.clear()
    finally:
        lib.cmark_iter_free(iterator)
    return tree


def _document(source: str) -> Any:  # noqa: ANN401
    from feeds._cmark import Document

    return Document(source)


def check_markdown(
    source: str, article_url: str | None, base_url: str, first_line: int
) -> MarkdownFacts:
    """Read a Markdown body (``first_line``: the seed's line of its first line):
    its problems, summary, word count, links to other articles and local images."""
    problems: list[tuple[int, str]] = []
    links: list[tuple[str, int]] = []
    images: list[tuple[str, int]] = []
    articles_root = base_url + "articles/"
    own = article_slug("", article_url, articles_root) if article_url else None
    with _document(source) as document:
        tree = _read_tree(document)
        for node, url in tree.links:
            line = first_line + document.line(node) - 1
            if problem := _link_problem(url):
                problems.append((line, problem))
            elif article_url is not None:
                slug = article_slug(url, article_url, articles_root)
                if slug is not None and slug != own:
                    links.append((slug, line))
        for node, url, alt in tree.images:
            line = first_line + document.line(node) - 1
            problem, path = _image_problem(url, alt)
            if problem:
                problems.append((line, problem))
            elif path is not None:
                images.append((path, line))
    text = "\n\n".join(tree.blocks)
    return MarkdownFacts(
        problems,
        tree.summary or (" ".join(text.split()) if text.strip() else ""),
        len(text.split()),
        tuple(dict.fromkeys(links)),
        tuple(dict.fromkeys(images)),
    )


def _link_problem(url: str) -> str | None:
    found = scheme(url)
    if found is None or found in ALLOWED_SCHEMES:
        return None
    return (
        f"link to {quote(url)}: '{found}:' links are not allowed (they can run code or "
        "carry a document); link to an http, https or mailto URL, or a relative one"
    )


def _image_problem(url: str, alt: str) -> tuple[str | None, str | None]:
    """The problem of an image (none: None), and its local file's path if it is local."""
    shown = quote(url)
    if not alt.strip():
        return (
            f"image {shown} has no alt text; describe the picture between the brackets: "
            f"![what it shows]({url[:40]})",
            None,
        )
    found = scheme(url)
    if found == "https":
        return None, None
    if found is not None:
        return (
            f"image {shown}: an image is an https URL or a file beside the seeds, not '{found}:'",
            None,
        )
    stripped = url.strip(_URL_SPACE)
    if stripped.startswith(("/", "\\")):
        return (
            f"image {shown}: write a local image's path relative to the seed file "
            "(media/photo.jpg), or the full https:// URL of a remote one",
            None,
        )
    path = local_image_path(stripped)
    if path is None or "\\" in path or _CONTROL.search(path):
        return f"image {shown} names no file; write its path like media/photo.jpg", None
    return None, path


@dataclass(frozen=True)
class ImageSource:
    """A local image as a page shows it: its ``src`` from the article's page (its
    published, content-addressed file, ``feeds._images``) and its size as shown."""

    src: str
    width: int
    height: int


@dataclass(frozen=True)
class RenderedBody:
    """A body rendered: HTML for pages (links as written), HTML for feeds and the API
    (every URL absolute), and the plain text."""

    page_html: str
    feed_html: str
    text: str


def render_markdown(
    source: str, article_url: str, sources: Mapping[str, ImageSource] | None = None
) -> RenderedBody:
    """A Markdown body as HTML (for pages and for feeds) and plain text. ``sources``:
    each local image as published, by its path as written.

    Every local image gets its ``width`` and ``height`` (no layout shift while it
    loads); on pages every image also loads lazily (the lead image, above the
    body, does not)."""
    with _document(source) as document:
        tree = _read_tree(document)
        for node in tree.headings:
            document.set_heading_level(node, min(document.heading_level(node) + 1, 6))
        for node, kind, literal in tree.html:
            from feeds._cmark import HTML_BLOCK

            if kind == HTML_BLOCK:
                document.replace(node, document.paragraph_of(literal))
            else:
                document.replace(node, document.text_node(literal))
        for node, literal in tree.texts:
            _autolink(document, node, literal)
        relative: list[tuple[Any, str]] = []
        page_sizes: dict[str, str] = {}  # an image's src as rendered: its size attributes
        feed_sizes: dict[str, str] = {}
        for node, url, _ in tree.images:
            if scheme(url) is None:
                path = local_image_path(url.strip(_URL_SPACE)) or ""
                image = (sources or {}).get(path)
                src = image.src if image else path
                document.set_url(node, src)
                relative.append((node, src))
                if image:
                    size = f' width="{image.width}" height="{image.height}"'
                    page_sizes[href(src)] = size
                    feed_sizes[href(urljoin(article_url, src))] = size
        relative.extend((node, url) for node, url in tree.links if scheme(url) is None)
        page = document.render_html()
        for node, url in relative:
            document.set_url(node, urljoin(article_url, url.strip(_URL_SPACE)))
        feed = document.render_html() if relative else page
    if tree.images:
        page = _sized(page, page_sizes, ' loading="lazy"')
        feed = _sized(feed, feed_sizes, "")
    return RenderedBody(page.rstrip("\n"), feed.rstrip("\n"), "\n\n".join(tree.blocks))


# cmark writes every image as <img src="..." (a body's raw HTML is text by then).
_IMAGE_TAG = re.compile('<img src="([^"]*)"')


def _sized(html: str, sizes: Mapping[str, str], extra: str) -> str:
    """``html`` with each local image's size, and ``extra``, on its ``<img>``."""
    return _IMAGE_TAG.sub(
        lambda match: f"{match.group(0)}{sizes.get(match.group(1), '')}{extra}", html
    )


def _autolink(document: Any, node: Any, literal: str) -> None:  # noqa: ANN401
    """Make a text node's bare URLs and addresses links (the text node keeps the rest)."""
    start = 0
    for begin, end, url in autolinks(literal):
        if begin > start:
            document.insert_before(node, document.text_node(literal[start:begin]))
        document.insert_before(node, document.link_node(url, literal[begin:end]))
        start = end
    if start:
        document.set_literal(node, literal[start:])
