"""Markdown bodies through whole builds: formats, problems, links between articles,
and what feed readers and browsers make of the output."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from feeds._seeds import parse_seed, with_body
from feeds.build import build
from feeds.build._reading import read_articles
from feeds.build._units import render_site
from feeds.cli import main
from feeds.errors import SeedErrors
from tests.conftest import SITE_CONFIG, make_site, snapshot
from tests.feedcheck import parse_xml_feed, read_json_feed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RICH = """\
2025-08-20
rich-article
format: markdown
tags: markdown

A *rich* article with a [link to the other](../plain-article/), a
[root-relative one](/news/articles/plain-article/#x), https://example.com/bare and
desk@example.org.

## A section

- first item, with `code <b>`
- second item

1. ordered

> A quote, with <em>raw HTML</em> shown as text.

```
preformatted <script>alert(1)</script>
```

| city | people |
|------|--------|
| Tokyo | ~~13~~ 14 million |

![A local photo](media/photo.jpg) and ![a remote one](https://images.example.com/p.jpg)
"""
PLAIN = "2025-08-19\nplain-article\n\nPlain text with https://example.com/p and <b>markup</b>.\n"


def seeds_with(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def rich_seeds(tmp_path) -> Path:
    folder = seeds_with(tmp_path / "seeds", {"rich.txt": RICH, "plain.txt": PLAIN})
    (folder / "media").mkdir()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(folder / "media" / "photo.jpg", "JPEG")
    return folder


def article_text(slug: str, body: str, date: str = "2025-08-21", extra: str = "") -> str:
    return f"{date}\n{slug}\nformat: markdown\n{extra}\n{body}\n"


def test_site_setting_and_per_article_format(tmp_path):
    """body = "markdown" makes every body Markdown; 'format: text' on an article overrides it."""
    site = make_site(body="markdown")
    markdown = parse_seed("x.txt", b"2025-08-23\nslug\n\n*Hi*\n", site)
    text = parse_seed("x.txt", b"2025-08-23\nslug\nformat: text\n\n*Hi*\n", site)
    assert with_body(markdown).content_html == "<p><em>Hi</em></p>"
    assert text.content_html == "<p>*Hi*</p>"
    with pytest.raises(SeedErrors, match=r"x.txt:3: format 'md' is not a body format"):
        parse_seed("x.txt", b"2025-08-23\nslug\nformat: md\n\nHi\n", site)


def test_a_rich_article_builds_and_every_feed_url_is_absolute(rich_seeds, tmp_path):
    """Links, lists, quotes, code and tables reach every output; feedparser and reader see
    absolute link and image URLs only, and pages parse as strict HTML5."""
    site = make_site(feed_limit=10)
    output = tmp_path / "public"
    build(rich_seeds, output, site, now=NOW)
    tree = {PurePosixPath(path): data for path, data in snapshot(output).items()}
    for name in ("rss.xml", "atom.xml"):
        entry = parse_xml_feed(tree, name).entries[0]
        content = entry.content[0].value
        local = html5lib.parseFragment(content, namespaceHTMLElements=False).find(".//img")
        assert (local.get("width"), local.get("height")) == ("40", "30"), name
        assert "<table>" in content and "<blockquote>" in content and "<pre>" in content
        assert_absolute(content, site.base_url)
        assert entry.summary.startswith("A rich article with a link to the other,")
    entries = read_json_feed(tree[PurePosixPath("feed.json")], tmp_path)
    rich = next(entry for entry in entries if entry.title == "Rich Article")
    assert_absolute(rich.get_content().value, site.base_url)
    document = json.loads(tree[PurePosixPath("api/v1/articles/rich-article.json")])
    assert_absolute(document["content_html"], site.base_url)
    assert "A quote, with <em>raw HTML</em> shown as text." in document["content_text"]
    assert "*" not in document["summary"]
    assert document["word_count"] == len(document["content_text"].split())
    page = tree[PurePosixPath("articles/rich-article/index.html")].decode()
    html5lib.HTMLParser(strict=True).parse(page)
    assert 'href="../plain-article/"' in page
    image = next(i for i in html5lib.parse(page, namespaceHTMLElements=False).iter("img"))
    published = PurePosixPath("articles/rich-article/") / image.get("src")
    assert image.get("src").startswith("../../media/") and image.get("alt") == "A local photo"
    assert (image.get("width"), image.get("height"), image.get("loading")) == ("40", "30", "lazy")
    assert PurePosixPath(os.path.normpath(published)) in tree, "the page's image is published"
    assert "<h3>A section</h3>" in page and "&lt;em&gt;raw HTML&lt;/em&gt;" in page
    plain = tree[PurePosixPath("articles/plain-article/index.html")].decode()
    assert '<a href="https://example.com/p">https://example.com/p</a>' in plain


def test_a_generated_markdown_corpus_reads_back_with_absolute_urls(tmp_path):
    """feedparser and reader read every item of a generated Markdown corpus (links to
    other articles and elsewhere, lists, quotes, code, tables) with absolute URLs only."""
    from benchmarks.corpus import write_corpus

    seeds = tmp_path / "seeds"
    write_corpus(seeds, 40, markdown=True)
    site = make_site(feed_limit=50)
    output = tmp_path / "public"
    build(seeds, output, site, now=datetime(2027, 1, 1, tzinfo=UTC))
    tree = {PurePosixPath(path): data for path, data in snapshot(output).items()}
    contents = [
        entry.content[0].value
        for name in ("rss.xml", "atom.xml")
        for entry in parse_xml_feed(tree, name).entries
    ]
    entries = read_json_feed(tree[PurePosixPath("feed.json")], tmp_path)
    contents += [entry.get_content().value for entry in entries]
    assert len(contents) == 120
    for content in contents:
        assert_absolute(content, "https://")
    joined = "".join(contents)
    for element in ("<ul>", "<blockquote>", "<pre>", "<table>", "<strong>"):
        assert element in joined
    assert f'href="{site.base_url}articles/' in joined  # links between the articles


def assert_absolute(html: str, base: str) -> None:
    """Every href and src in an HTML fragment is an absolute http(s) or mailto URL."""
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    urls = [
        element.get(name)
        for element in fragment.iter()
        for name in ("href", "src")
        if element.get(name) is not None
    ]
    assert urls
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in {"http", "https", "mailto"}, url
        assert parts.scheme == "mailto" or parts.netloc, url
    assert any(url.startswith(base) for url in urls)


def test_every_problem_is_reported_at_once_and_nothing_written(tmp_path, capsys):
    """An unsafe scheme, a missing alt, a broken or draft link, an image outside the seeds
    or missing: each a file:line error, all in one run, and the output left as it was.

    (A file's own problems come first: links and images are checked across files
    once the file reads without any, as a duplicate slug is.)"""
    seeds = seeds_with(
        tmp_path / "seeds",
        {
            "ok.txt": article_text("ok", "Fine."),
            "_draft.txt": article_text("a-draft", "Not yet."),
            "bad.txt": article_text(
                "bad", "[x](jav&#x61;script:alert(1))\n\n![](https://example.com/a.jpg)"
            ),
            "refs.txt": article_text("refs", "[gone](../no-such-article/)\n\n[draft](../a-draft/)"),
            "imgs.txt": article_text(
                "imgs", "![outside](../../secret.jpg)\n\n![missing](media/none.jpg)"
            ),
        },
    )
    output = tmp_path / "public"
    output.mkdir()
    (output / "keep.txt").write_text("untouched")
    code = main(
        ["build", "--seeds", str(seeds), "--output", str(output), "--config", str(SITE_CONFIG)]
    )
    err = capsys.readouterr().err
    assert code == 1
    for name, line, words in [
        ("bad", 5, "'javascript:' links are not allowed"),
        ("bad", 7, "has no alt text"),
        ("refs", 5, "'no-such-article', which does not exist"),
        ("refs", 7, "a draft"),
        ("imgs", 5, "leads out"),
        ("imgs", 7, "no such file"),
    ]:
        problem = next(p for p in err.splitlines() if p.startswith(f"{seeds}/{name}.txt:{line}: "))
        assert words in problem
    assert "6 problems in 3 files" in err
    assert sorted(path.name for path in output.iterdir()) == ["keep.txt"]


def test_symbolic_links_to_images_are_refused(tmp_path):
    """An image reached through a symbolic link is an error, as a linked seed is."""
    seeds = seeds_with(tmp_path / "seeds", {"a.txt": article_text("a", "![p](media/p.jpg)")})
    (tmp_path / "elsewhere.jpg").write_bytes(b"x")
    (seeds / "media").mkdir()
    (seeds / "media" / "p.jpg").symlink_to(tmp_path / "elsewhere.jpg")
    reading = read_articles(seeds, make_site(), now=NOW)
    assert [(p.line, "symbolic link" in p.message) for p in reading.problems] == [(5, True)]


def test_a_link_to_a_scheduled_article_holds_the_linking_one_back(tmp_path, capsys, monkeypatch):
    """An article linking to one not yet published waits for it (validate says why);
    so does one linking to a held one; after the date both are published."""
    seeds = seeds_with(
        tmp_path / "seeds",
        {
            "later.txt": article_text("later", "Soon.", date="2031-05-01"),
            "linker.txt": article_text("linker", "See [later](../later/)."),
            "chain.txt": article_text("chain", "See [linker](../linker/)."),
            "free.txt": article_text("free", "Nothing linked."),
        },
    )
    output = tmp_path / "public"
    build(seeds, output, make_site(), now=NOW)
    published = sorted(path.name for path in (output / "articles").iterdir())
    assert published == ["free"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    assert main(["validate", "--seeds", str(seeds), "--config", str(SITE_CONFIG)]) == 0
    out = capsys.readouterr().out
    assert (
        f"held back: {seeds}/linker.txt goes live 2031-05-01T00:00:00+02:00: it links to "
        f"'later' ({seeds}/later.txt), scheduled"
    ) in out
    assert (
        f"held back: {seeds}/chain.txt goes live 2031-05-01T00:00:00+02:00: it links to "
        f"'linker' ({seeds}/linker.txt), held back too"
    ) in out
    assert "1 article valid, 3 scheduled" in out
    report = build(seeds, output, make_site(), now=datetime(2031, 5, 2, tzinfo=UTC))
    assert report.articles == 4


@pytest.mark.parametrize("use_cache", [True, False])
def test_deleting_a_linked_article_makes_its_linkers_errors(tmp_path, use_cache):
    """The next build after a linked article is deleted (or made a draft) fails, naming
    the linking file and line, whether or not the cache is used."""
    seeds = seeds_with(
        tmp_path / "seeds",
        {
            "target.txt": article_text("target", "I am linked."),
            "linker.txt": article_text("linker", "Intro.\n\nSee [it](../target/)."),
        },
    )
    output = tmp_path / "public"
    build(seeds, output, make_site(), now=NOW, use_cache=use_cache)
    before = snapshot(output)
    (seeds / "target.txt").unlink()
    with pytest.raises(SeedErrors) as raised:
        build(seeds, output, make_site(), now=NOW, use_cache=use_cache)
    assert [(e.path, e.line) for e in raised.value.errors] == [(str(seeds / "linker.txt"), 7)]
    assert "'target', which does not exist" in raised.value.errors[0].message
    assert snapshot(output) == before
    (seeds / "_target.txt").write_text(article_text("target", "Back as a draft."))
    with pytest.raises(SeedErrors, match=r"linker.txt:7: link to the article 'target', a draft"):
        build(seeds, output, make_site(), now=NOW, use_cache=use_cache)


def test_a_patched_edit_that_changes_links_is_checked(tmp_path):
    """An edit to the text alone is patched in; one that adds a link to a missing article
    fails like a full build, and one adding a link to a real one publishes it."""
    seeds = seeds_with(
        tmp_path / "seeds",
        {
            f"a{n}.txt": article_text(f"a{n}", f"Article {n}.", f"2025-08-{n + 10}")
            for n in range(5)
        },
    )
    output = tmp_path / "public"
    build(seeds, output, make_site(), now=NOW)
    (seeds / "a2.txt").write_text(article_text("a2", "Edited text.", "2025-08-12"))
    assert build(seeds, output, make_site(), now=NOW).written <= 8  # patched: a few files
    (seeds / "a2.txt").write_text(article_text("a2", "Now [x](../nowhere/).", "2025-08-12"))
    with pytest.raises(SeedErrors, match=r"a2.txt:5: link to the article 'nowhere'"):
        build(seeds, output, make_site(), now=NOW)
    (seeds / "a2.txt").write_text(article_text("a2", "Now [x](../a1/).", "2025-08-12"))
    build(seeds, output, make_site(), now=NOW)
    page = (output / "articles" / "a2" / "index.html").read_text()
    assert '<a href="../a1/">x</a>' in page


# Property: whatever the body, the outputs are valid and carry nothing live. ----------

_PIECES = [
    *"abc xyz 123 .,;:!?()[]{}*_~`#>|-+=&'\"\\/@\n",
    "\n\n",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>",
    "javascript:alert(1)",
    "<!-- c -->",
    "&#x6a;avascript:",
    "&lt;",
    "](",
    "[x](https://example.com/)",
    "[y](../other/)",
    "![alt](https://example.com/i.png)",
    "https://example.com/a_b",
    "me@example.org",
    "# ",
    "> ",
    "- ",
    "1. ",
    "```",
    "    ",
    "| a | b |\n|---|---|\n",
    "~~",
    "é 東京 ",
]
_ELEMENTS = {
    "p", "a", "em", "strong", "del", "code", "pre", "ul", "ol", "li", "blockquote", "hr",
    "br", "img", "table", "thead", "tbody", "tr", "th", "td", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40).map("".join))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_markdown_body_gives_valid_feeds_with_nothing_live(body):
    """Any Markdown body is an article or file:line problems; as an article, its feeds
    parse cleanly and no output holds a live script, javascript: URL or raw HTML element."""
    site = make_site(body="markdown")
    data = f"2025-08-23\nproperty-article\n\n{body}\n".encode()
    try:
        article = parse_seed("seeds/p.txt", data, site)
    except SeedErrors as errors:
        assert all(error.path == "seeds/p.txt" for error in errors.errors)
        assert all(error.line >= 4 or "no body" in error.message for error in errors.errors)
        return
    tree = render_site(site, [article])
    for name in ("rss.xml", "atom.xml"):
        for entry in parse_xml_feed(tree, name).entries:
            assert_inert(entry.content[0].value)
    feed = json.loads(tree[PurePosixPath("feed.json")])
    document = json.loads(tree[PurePosixPath("api/v1/articles/property-article.json")])
    for html in (feed["items"][0]["content_html"], document["content_html"]):
        assert_inert(html)
    page = tree[PurePosixPath("articles/property-article/index.html")]
    parsed = html5lib.parse(page, namespaceHTMLElements=False)
    scripts = [script.get("type") for script in parsed.iter("script")]
    assert scripts == ["application/ld+json"]
    (article_element,) = parsed.iter("article")
    for element in article_element.iter():
        assert not any(name.startswith("on") for name in element.attrib)


def assert_inert(html: str) -> None:
    """Only the elements Markdown makes, no event attributes, only safe URL schemes."""
    for element in html5lib.parseFragment(html, namespaceHTMLElements=False).iter():
        if element.tag == "DOCUMENT_FRAGMENT":
            continue
        assert element.tag in _ELEMENTS, element.tag
        assert not any(name.startswith("on") for name in element.attrib)
        for name in ("href", "src"):
            if (url := element.get(name)) is not None:
                assert urlsplit(url).scheme in {"http", "https", "mailto"}, url
