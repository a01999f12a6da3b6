"""Article bodies (feeds._body): the autolink rule, Markdown's rules, rendered HTML and text."""

from __future__ import annotations

import re

import html5lib
import pytest
from cmarkgfm import cmark
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from feeds._body import (
    ImageSource,
    autolinks,
    check_markdown,
    href,
    render_markdown,
    scheme,
    text_html,
)

BASE = "https://example.org/news/"
URL = BASE + "articles/this-one/"


def links_in(text: str) -> list[tuple[str, str]]:
    """(link text, URL) of every autolink feeds finds."""
    return [(text[begin:end], url) for begin, end, url in autolinks(text)]


def cmark_links(text: str) -> list[tuple[str, str]]:
    """(link text, URL) of every autolink cmark-gfm's own extension finds (decoded)."""
    html = cmark.markdown_to_html_with_extensions(text, extensions=["autolink"])
    found = re.findall(r'<a href="([^"]*)">(.*?)</a>', html)
    return [(_unescape(shown), _unescape(url)) for url, shown in found]


def _unescape(text: str) -> str:
    for entity, character in (("&amp;", "&"), ("&quot;", '"'), ("&#x27;", "'"), ("&lt;", "<")):
        text = text.replace(entity, character)
    return re.sub("%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Visit https://example.com/a?b=1.", [("https://example.com/a?b=1", None)]),
        ("(see http://x.org/wiki/Foo_(bar)))", [("http://x.org/wiki/Foo_(bar)", None)]),
        ("HTTPS://EXAMPLE.COM/ loud", [("HTTPS://EXAMPLE.COM/", None)]),
        ("a https://a.b/x&amp; b", [("https://a.b/x", None)]),
        ("write to desk@example.org.", [("desk@example.org", "mailto:desk@example.org")]),
        ("mailto:desk@example.org", [("mailto:desk@example.org", "mailto:desk@example.org")]),
        ("xhttps://example.com is no URL", []),
        ("www.example.com and ftp://example.com stay text", []),
        ("https://a_b.example_x.com no: underscores in the last labels", []),
        ("@handle and a@b and a@b. are no addresses", []),
    ],
)
def test_autolinks_follow_gfm(text, expected):
    """Bare http(s) URLs and e-mail addresses are found as GFM's extension finds them."""
    assert links_in(text) == [(shown, url or shown) for shown, url in expected]


# Text that Markdown reads as one run of text: no emphasis, code, brackets, entities or
# HTML, and no www. or ftp:// (feeds leaves those as text, cmark-gfm links them).
_PLAIN = st.lists(
    st.sampled_from([*"abcxyz019 .,:;/?=#%+-_@()'\"!~", "http://", "https://", "mailto:"]),
    max_size=30,
).map(lambda pieces: "a " + "".join(pieces))


@given(_PLAIN)
@example("a https://x.y_z.com/")
@example("a me@x.co@y.org")
@example("a -mailto:m@x.org")
@example("a https://x.y/((a)")
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_autolinks_agree_with_cmark_gfm(text):
    """On plain text, feeds finds exactly the links cmark-gfm's autolink extension does."""
    assume("www." not in text and "ftp://" not in text and "  " not in text)
    assume(not text.rstrip().endswith(("\\", " ")))
    assert links_in(text) == cmark_links(text)


@given(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"]),
        max_size=40,
    )
)
def test_href_escapes_as_cmark_does(path):
    """A link's href is written byte for byte as cmark-gfm writes it."""
    url = "https://example.com/" + path
    assume("\n" not in url and "\r" not in url)
    rendered = cmark.markdown_to_html(f"[x](<{url.replace('>', '%3E').replace('<', '%3C')}>)")
    match = re.search(r'href="([^"]*)"', rendered)
    assume(match is not None and "\\" not in url and "&" not in url)
    assert href(url.replace(">", "%3E").replace("<", "%3C")) == match.group(1)


def test_text_bodies_link_urls_and_addresses():
    """A text paragraph's URLs and addresses become links; everything else stays escaped."""
    html = text_html(["<b>See</b> https://example.com/?a=1&b=2 or write a@example.org."])
    assert html == (
        '<p>&lt;b&gt;See&lt;/b&gt; <a href="https://example.com/?a=1&amp;b=2">'
        "https://example.com/?a=1&amp;b=2</a> or write "
        '<a href="mailto:a@example.org">a@example.org</a>.</p>'
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://example.com/",
    ],
)
def test_unsafe_schemes_are_seen_however_written(url):
    """A scheme is read as a browser reads it: case, spaces, controls, tabs, newlines."""
    assert scheme(url) not in {None, "http", "https", "mailto"}


@pytest.mark.parametrize(
    "destination",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "jav&#x61;script:alert(1)",
        "jav&#97;script:alert(1)",
        "javascript&colon;alert(1)",
        "<java\tscript:alert(1)>",
        "<javascript:alert(1)>",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "&#x20;javascript:alert(1)",
    ],
)
def test_markdown_refuses_obfuscated_schemes(destination):
    """However a forbidden scheme is disguised (entities, case, tabs), it is an error."""
    facts = check_markdown(f"Text\n\n[x]({destination})\n", URL, BASE, 10)
    assert [line for line, _ in facts.problems] == [12]
    assert "not allowed" in facts.problems[0][1]


def test_autolink_form_of_a_scheme_is_refused():
    """CommonMark's <scheme:...> autolink is checked like any link."""
    facts = check_markdown("<javascript:alert(1)> and <https://ok.example/>", URL, BASE, 1)
    assert len(facts.problems) == 1


def test_images_need_alt_text_and_https_or_a_local_path():
    """Missing alt, http, data: and a root path are errors; https and local are fine."""
    facts = check_markdown(
        "![](a.jpg)\n\n![x](http://example.com/a.jpg)\n\n![x](data:image/png;base64,AA)\n\n"
        "![x](/media/a.jpg)\n\n![x](https://example.com/a.jpg)\n\n![x](media/a%20b.jpg)\n",
        URL,
        BASE,
        1,
    )
    assert [line for line, _ in facts.problems] == [1, 3, 5, 7]
    assert "no alt text" in facts.problems[0][1]
    assert facts.images == (("media/a b.jpg", 11),)


def test_an_image_path_with_a_control_character_names_no_file():
    """A percent-escape may decode to NUL or another control character: no file has
    such a name, and the image reader is never asked for it (the system would refuse)."""
    facts = check_markdown("![p](a%00.jpg)\n\n![q](b%0A.png)\n", URL, BASE, 3)
    assert [(line, "names no file" in message) for line, message in facts.problems] == [
        (3, True),
        (5, True),
    ]
    assert facts.images == ()


def test_links_to_other_articles_are_collected_with_their_lines():
    """Relative and absolute links into articles/ name a slug; others, and self, do not."""
    facts = check_markdown(
        "[a](../other/) [b](/news/articles/third/#x)\n[c](/articles/outside-base/)"
        " [d](#top) [e](./) [f](https://example.org/news/articles/fourth)\n",
        URL,
        BASE,
        7,
    )
    assert facts.links == (("other", 7), ("third", 7), ("fourth", 8))


def test_raw_html_is_shown_as_text():
    """Block and inline HTML arrive as visible text, never as elements, never dropped."""
    rendered = render_markdown(
        '<script>alert(1)</script>\n\nA <b onclick="x()">word</b>.\n\n<!-- note -->', URL
    )
    page = rendered.page_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b onclick=&quot;x()&quot;&gt;word&lt;/b&gt;" in page
    assert "&lt;!-- note --&gt;" in page
    assert "<script" not in page and "<b" not in page
    assert "<script>alert(1)</script>" in rendered.text


def test_headings_shift_down_one_level():
    """'#' renders as h2, each level one down, and h6 at most."""
    page = render_markdown("# One\n\n## Two\n\n##### Five\n\n###### Six", URL).page_html
    assert re.findall(r"<(h\d)>", page) == ["h2", "h3", "h6", "h6"]


def test_feeds_get_absolute_urls_pages_keep_them():
    """Relative links and images are resolved against the article's URL for feeds only."""
    rendered = render_markdown("[o](../other/) ![p](media/p.jpg) [t](#top)", URL)
    assert 'href="../other/"' in rendered.page_html
    assert 'src="media/p.jpg"' in rendered.page_html
    assert f'href="{BASE}articles/other/"' in rendered.feed_html
    assert f'src="{URL}media/p.jpg"' in rendered.feed_html
    assert f'href="{URL}#top"' in rendered.feed_html


def test_local_images_carry_their_size_and_load_lazily_on_pages():
    """A local image gets its published src, width and height everywhere; on pages every
    image (a remote one too) loads lazily."""
    rendered = render_markdown(
        "![p](media/p.jpg 'A title') ![r](https://e.x/r.png)",
        URL,
        {"media/p.jpg": ImageSource("../../media/ab12/p.jpg", 640, 480)},
    )

    def images(html: str) -> list[dict[str, str]]:
        fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
        return [dict(image.attrib) for image in fragment.iter("img")]

    local, remote = images(rendered.page_html)
    assert local == {
        "src": "../../media/ab12/p.jpg",
        "width": "640",
        "height": "480",
        "loading": "lazy",
        "alt": "p",
        "title": "A title",
    }
    assert remote == {"src": "https://e.x/r.png", "loading": "lazy", "alt": "r"}
    local, remote = images(rendered.feed_html)
    assert local["src"] == f"{BASE}media/ab12/p.jpg"
    assert (local["width"], local["height"]) == ("640", "480")
    assert "loading" not in local and "width" not in remote


def test_gfm_tables_strikethrough_lists_quotes_code():
    """The constructs of the README render as CommonMark and GFM say."""
    page = render_markdown(
        "*em* **strong** ~~gone~~ `code`\n\n- a\n- b\n\n1. one\n\n> quoted\n\n"
        "```\nblock <x>\n```\n\n| h | i |\n|---|---|\n| 1 | 2 |\n\n---\n",
        URL,
    ).page_html
    for element in ("em", "strong", "del", "code", "ul", "ol", "blockquote", "pre", "table"):
        assert f"<{element}>" in page
    assert "block &lt;x&gt;" in page and "<hr />" in page
    html5lib.HTMLParser(strict=True).parseFragment(page)


def test_summary_and_words_come_from_the_rendered_text():
    """Markup is not counted or summarised: the first paragraph's text is the summary."""
    facts = check_markdown(
        "## A heading\n\nThe **first** [paragraph](https://e.x/)\nof *two* lines.\n\n- x y\n",
        URL,
        BASE,
        1,
    )
    assert facts.summary == "The first paragraph of two lines."
    assert facts.words == 10
    text = render_markdown("| a | b |\n|---|---|\n| 1 | ~~2~~ |", URL).text
    assert text == "a\tb\n\n1\t2"


def test_bare_urls_in_markdown_use_the_text_rule():
    """Markdown's bare URLs and addresses are found by the same function as text's."""
    page = render_markdown("See https://example.com/x. and a@b.org, **www.c.com**", URL).page_html
    assert page == (
        '<p>See <a href="https://example.com/x">https://example.com/x</a>. and '
        '<a href="mailto:a@b.org">a@b.org</a>, <strong>www.c.com</strong></p>'
    )
