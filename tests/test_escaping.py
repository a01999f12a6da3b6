"""Markup in any text shows as that text in every output, and never becomes markup.

One property over every text a site's owner or an author writes (site title,
description and author, tag names, article title, summary, author and body) and
every output, each read back as its readers do: RSS and Atom through feedparser,
JSON Feed through reader, the JSON API as JSON, the HTML pages through html5lib.
Fields that readers take as HTML (RSS descriptions and ``content:encoded``, Atom
``type="html"`` text, ``content_html``) are also parsed as HTML straight from the
output, before any reader's sanitiser: they may hold no element but feeds' own.

RSS cannot say that a title is text, and feedparser guesses that one with a
closing tag or an entity in it is HTML, and sanitises it; there the text that
every XML parser reads from the feed is checked instead.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import feedparser
import html5lib
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree
from reader import make_reader

from feeds._seeds import parse_seed
from feeds.build._units import render_site
from feeds.models import Article, Site, tag_slug
from feeds.render import Tree
from tests.conftest import make_site

GOLDEN = Path(__file__).parent / "golden"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
# Text with a meaning in HTML, XML, CDATA sections, comments or attributes.
MARKUP = [
    "<img src=x onerror=alert(2)>",
    "<script>alert(1)</script>",
    "<script>",
    "</script>",
    "<svg onload=alert(4)>",
    "<b>",
    "</b>",
    "<p>",
    "&amp;",
    "&lt;",
    "&#x3C;",
    "&#60;",
    "&nbsp;",
    "&",
    "<",
    ">",
    "]]>",
    "<![CDATA[",
    "<!--",
    "-->",
    '"',
    "'",
    "' onmouseover='alert(3)",
    "word",
    "Ünïcödé",
]


@dataclass(frozen=True)
class Texts:
    """What the owner and an author wrote, one text per field."""

    site_title: str
    site_description: str
    site_author: str
    tag: str
    title: str
    summary: str
    author: str
    body: str


def _text(prefix: str = "", pieces: int = 5) -> st.SearchStrategy[str]:
    words = st.lists(st.sampled_from(MARKUP), min_size=1, max_size=pieces)
    return words.map(lambda chosen: prefix + " ".join(chosen))


TEXTS = st.builds(
    Texts,
    site_title=_text(),
    site_description=_text(),
    site_author=_text(),
    tag=_text("tag ", pieces=3),  # a letter for its URL, and a URL of at most 120 characters
    title=_text(),
    summary=_text(),
    author=_text(),
    body=_text(),
)
# The texts of the issue: a tag and a site description that became live HTML.
_HOSTILE = "<img src=x onerror=alert(2)> </b> &amp; ]]> <script>"
ISSUE_18 = Texts(*[_HOSTILE] * 3, "tag <img src=x onerror=alert(2)> <b>x</b>", *[_HOSTILE] * 4)


def _site_and_article(texts: Texts) -> tuple[Site, Article]:
    site = make_site(
        title=texts.site_title,
        description=texts.site_description,
        author={"name": texts.site_author},
    )
    seed = (
        "2025-08-23\nhostile-text\n"
        f"title: {texts.title}\n"
        f"tags: {texts.tag}, second\n"
        f"author: {texts.author}\n"
        f"summary: {texts.summary}\n"
        "aliases: old-hostile-text\n"
        f"\n{texts.body}\n\nAgain: {texts.body}\n"
    )
    return site, parse_seed("seeds/hostile-text.txt", seed.encode(), site)


def _elements(root: Any) -> list[Any]:
    return [node for node in root.iter() if isinstance(node.tag, str)]


def _html_fragment(value: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The text of an HTML field, one string per paragraph (or the whole field, if it
    has none); it may hold no element other than ``allowed``."""
    fragment = html5lib.parseFragment(value, treebuilder="etree", namespaceHTMLElements=False)
    tags = [element.tag for element in _elements(fragment)][1:]  # the fragment's own root first
    assert set(tags) <= allowed, f"live markup {tags} in {value!r}"
    paragraphs = fragment.findall("p")
    if paragraphs:
        return ["".join(p.itertext()) for p in paragraphs]
    return ["".join(fragment.itertext())]


def _template_markup() -> tuple[frozenset[str], frozenset[str]]:
    """The elements feeds' own pages use, and the text of its own (non-JSON) scripts."""
    tags: set[str] = set()
    scripts: set[str] = set()
    for page in GOLDEN.rglob("*.html"):
        document = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        tags.update(element.tag for element in _elements(document))
        scripts.update(
            script.text or ""
            for script in document.iter("script")
            if script.get("type") != "application/ld+json"
        )
    return frozenset(tags), frozenset(scripts)


PAGE_TAGS, PAGE_SCRIPTS = _template_markup()


def _feedparser_text(detail: Any, original: str, *, html: bool = False, rss: bool = False) -> None:
    """A field feedparser read shows ``original``: an HTML field (``html``) as HTML
    holding that text, a text field as that text, unless feedparser guessed that
    RSS text (which has no type) is HTML (``_check_raw_xml`` checks what it read)."""
    if html:
        assert detail.type == "text/html"
        assert _html_fragment(detail.value) == [original]
    elif not (rss and detail.type == "text/html"):
        assert (detail.type, detail.value) == ("text/plain", original)


def _channels(texts: Texts) -> dict[str, tuple[str, str]]:
    """Each channel's root, with the title and description its feeds show."""
    return {
        "": (texts.site_title, texts.site_description),
        f"tags/{tag_slug(texts.tag)}/": (
            f"{texts.site_title}: {texts.tag}",
            f"Articles tagged “{texts.tag}” on {texts.site_title}.",
        ),
        "archive/1/": (f"{texts.site_title} (archive 1)", texts.site_description),
    }


def _check_xml_feeds(tree: Tree, article: Article, texts: Texts) -> None:
    for root, (title, description) in _channels(texts).items():
        for name in ("rss.xml", "atom.xml"):
            data = tree[PurePosixPath(root + name)]
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0, parsed.get("bozo_exception")
            feed = parsed.feed
            rss = name == "rss.xml"
            _feedparser_text(feed.title_detail, title, rss=rss)
            _feedparser_text(feed.subtitle_detail, description, html=True)
            (entry,) = parsed.entries
            _feedparser_text(entry.title_detail, texts.title, rss=rss)
            _feedparser_text(entry.summary_detail, texts.summary, html=True)
            assert _html_fragment(entry.content[0].value, frozenset({"p"})) == list(
                article.paragraphs
            )
            assert entry.author == texts.author
            assert [tag.term for tag in entry.tags] == [texts.tag, "second"]
            if name == "atom.xml":
                assert feed.author_detail.name == texts.site_author
            _check_raw_xml(data, name, article, texts, (title, description))


def _check_raw_xml(
    data: bytes, name: str, article: Article, texts: Texts, channel: tuple[str, str]
) -> None:
    """A feed as written: its text fields hold the text, as every XML parser reads
    them; its HTML fields, that text with no element (but <p> in the content)."""
    title, description = channel
    document = etree.fromstring(data)
    if name == "rss.xml":
        feed, (entry,) = document.find("channel"), document.iter("item")
        texts_read = [
            feed.findtext("title"),
            entry.findtext("title"),
            entry.findtext(DC_CREATOR),
            *(category.text for category in entry.iterfind("category")),
        ]
        subtitle = feed.find("description")
        summary, content = entry.find("description"), entry.find(CONTENT_ENCODED)
    else:
        feed, (entry,) = document, document.iter(f"{ATOM}entry")
        texts_read = [
            feed.findtext(f"{ATOM}title"),
            entry.findtext(f"{ATOM}title"),
            entry.findtext(f"{ATOM}author/{ATOM}name"),
            *(category.get("term") for category in entry.iterfind(f"{ATOM}category")),
        ]
        subtitle = feed.find(f"{ATOM}subtitle")
        summary, content = entry.find(f"{ATOM}summary"), entry.find(f"{ATOM}content")
        assert {subtitle.get("type"), summary.get("type"), content.get("type")} == {"html"}
    assert texts_read == [title, texts.title, texts.author, texts.tag, "second"]
    assert _html_fragment(subtitle.text) == [description]
    assert _html_fragment(summary.text) == [texts.summary]
    assert _html_fragment(content.text, frozenset({"p"})) == list(article.paragraphs)


def _check_json_feeds(tree: Tree, article: Article, texts: Texts) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for root, (title, description) in _channels(texts).items():
            (Path(folder) / "feed.json").write_bytes(tree[PurePosixPath(root + "feed.json")])
            reader = make_reader(":memory:", feed_root=folder)
            try:
                reader.add_feed("feed.json")
                reader.update_feeds()
                (feed,) = reader.get_feeds()
                assert feed.last_exception is None, feed.last_exception
                (entry,) = reader.get_entries()
            finally:
                reader.close()
            assert (feed.title, feed.subtitle) == (title, description)
            assert [author.name for author in feed.authors] == [texts.site_author]
            assert (entry.title, entry.summary) == (texts.title, texts.summary)
            assert [author.name for author in entry.authors] == [texts.author]
            (content,) = entry.content
            assert content.type == "text/html"
            assert _html_fragment(content.value, frozenset({"p"})) == list(article.paragraphs)


def _check_api(tree: Tree, article: Article, texts: Texts) -> None:
    index = json.loads(tree[PurePosixPath("api/v1/index.json")])
    assert index["site"]["title"] == texts.site_title
    assert index["site"]["description"] == texts.site_description
    assert index["site"]["author"]["name"] == texts.site_author
    assert [tag["name"] for tag in index["links"]["tags"]] == sorted(
        [texts.tag, "second"], key=tag_slug
    )
    document = json.loads(tree[PurePosixPath("api/v1/articles/hostile-text.json")])
    assert document["title"] == texts.title
    assert document["summary"] == texts.summary
    assert document["author"] == texts.author
    assert document["tags"] == [texts.tag, "second"]
    assert document["content_text"] == "\n\n".join(article.paragraphs)
    assert _html_fragment(document["content_html"], frozenset({"p"})) == list(article.paragraphs)
    page = json.loads(tree[PurePosixPath("api/v1/pages/1.json")])
    assert page["articles"][0]["title"] == texts.title


def _check_pages(tree: Tree, article: Article, texts: Texts) -> None:
    for path, data in tree.items():
        if path.suffix != ".html":
            continue
        document = html5lib.parse(data, namespaceHTMLElements=False)
        for element in _elements(document):
            assert element.tag in PAGE_TAGS, f"{path}: live <{element.tag}>"
            assert not [name for name in element.attrib if name.lower().startswith("on")], path
        for script in document.iter("script"):
            if script.get("type") == "application/ld+json":
                json.loads(script.text)
            else:
                assert script.text in PAGE_SCRIPTS, path
    article_page = tree[PurePosixPath("articles/hostile-text/index.html")]
    page = html5lib.parse(article_page, namespaceHTMLElements=False)
    assert page.findtext(".//title") == f"{texts.title} · {texts.site_title}"
    assert page.find(".//meta[@name='description']").get("content") == texts.summary
    assert page.find(".//meta[@property='og:title']").get("content") == texts.title
    main = page.find(".//article")
    assert "".join(main.find("h1").itertext()) == texts.title
    assert texts.author in "".join(main.find("p").itertext())
    paragraphs = ["".join(p.itertext()) for p in main.findall("p")[1:]]
    assert paragraphs == list(article.paragraphs)
    assert [a.text for a in main.iterfind("ul/li/a")] == [texts.tag, "second"]
    (script,) = page.iter("script")
    data = json.loads(script.text)
    assert (data["headline"], data["description"]) == (texts.title, texts.summary)
    assert page.find(".//header//a").text == texts.site_title
    home = html5lib.parse(tree[PurePosixPath("index.html")], namespaceHTMLElements=False)
    assert home.findtext(".//h1") == texts.site_title
    assert home.find(".//p[@class='lede']").text == texts.site_description
    assert home.find(".//footer/p").text == f"{texts.site_title} · {texts.site_author}"
    tag_page = tree[PurePosixPath(f"tags/{tag_slug(texts.tag)}/index.html")]
    heading = html5lib.parse(tag_page, namespaceHTMLElements=False).findtext(".//h1")
    assert heading == f"Tagged “{texts.tag}”"


@settings(max_examples=25, deadline=None)
@example(ISSUE_18)
@given(TEXTS)
def test_text_shows_as_text_everywhere(texts):
    """Markup written in any text field reads back as that text in every format and
    reader, and never becomes an element, an attribute or a script."""
    site, article = _site_and_article(texts)
    tree = render_site(site, [article])
    _check_xml_feeds(tree, article, texts)
    _check_json_feeds(tree, article, texts)
    _check_api(tree, article, texts)
    _check_pages(tree, article, texts)
