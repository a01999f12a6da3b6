"""Tags: feeds, pages and API lists per tag; per-year lists; tag URL clashes."""

from __future__ import annotations

import json
import unicodedata
from pathlib import PurePosixPath

import html5lib
import pytest
import regex
from slugify import slugify

from feeds._seeds import load_seeds
from feeds.models import in_latin_script, tag_slug
from feeds.render.channels import articles_by_tag
from tests.conftest import DATA
from tests.feedcheck import parse_xml_feed


def test_each_tag_has_feeds_page_and_api_list(tree, site):
    """A tag gets RSS, Atom, JSON Feed, an HTML page and an API list, all linked from the index."""
    index = json.loads(tree[PurePosixPath("api/v1/index.json")])
    tags = {tag["name"]: tag for tag in index["links"]["tags"]}
    assert set(tags) == {"security", "HTML & XML"}
    html_xml = tags["HTML & XML"]
    assert html_xml["slug"] == "html-xml"
    for url in [*html_xml["feeds"].values(), html_xml["first_page"]]:
        assert PurePosixPath(url.removeprefix(site.base_url)) in tree
    assert PurePosixPath("tags/html-xml/index.html") in tree
    parsed = parse_xml_feed(tree, "tags/html-xml/atom.xml")
    assert [entry.title for entry in parsed.entries] == ["Why <script> & ]]> Must Stay Text"]
    page = json.loads(tree[PurePosixPath("api/v1/tags/html-xml/pages/1.json")])
    assert [summary["slug"] for summary in page["articles"]] == ["script-tags-and-cdata-ends"]


def test_year_lists(tree, site, articles):
    """Each year with articles has its own paginated API list."""
    index = json.loads(tree[PurePosixPath("api/v1/index.json")])
    assert [(y["year"], y["article_count"]) for y in index["links"]["years"]] == [(2025, 3)]
    first = json.loads(tree[PurePosixPath("api/v1/years/2025/pages/1.json")])
    assert first["article_count"] == 3
    assert first["links"]["next"] == site.url("api/v1/years/2025/pages/2.json")


def test_tag_page_lists_its_articles(tree):
    """The tag page shows every article with the tag and advertises the tag's feeds."""
    page = tree[PurePosixPath("tags/security/index.html")].decode()
    assert "Why &lt;script&gt; &amp; ]]&gt; Must Stay Text" in page
    assert 'href="https://test.example.org/news/tags/security/atom.xml"' in page


def test_tags_that_share_a_url_are_an_error(tmp_path, site):
    """'C' and 'C++' would both live at tags/c/: both files are named."""
    (tmp_path / "a.txt").write_text("2025-01-01\na\ntags: C\n\nA.\n")
    (tmp_path / "b.txt").write_text("2025-01-02\nb\ntags: C++\n\nB.\n")
    articles, problems = load_seeds(tmp_path, site)
    assert articles == []
    messages = [str(problem) for problem in problems]
    assert messages == [
        f"{tmp_path}/a.txt: tag 'C' and tag 'C++' (in {tmp_path}/b.txt) share the URL tags/c/; "
        "spell them the same or rename one",
        f"{tmp_path}/b.txt: tag 'C++' and tag 'C' (in {tmp_path}/a.txt) share the URL tags/c/; "
        "spell them the same or rename one",
    ]


@pytest.mark.parametrize("tag", ["!!!", "---"])
def test_tag_without_a_url_is_an_error(tmp_path, site, tag):
    """A tag with no letter or digit cannot have a URL: its line is reported."""
    (tmp_path / "a.txt").write_text(f"2025-01-01\na\ntags: ok, {tag}\n\nA.\n")
    _, problems = load_seeds(tmp_path, site)
    assert [(p.line, p.message) for p in problems] == [
        (3, f"tag {tag!r} has no letters or digits for its URL; rename it")
    ]


def _build_tree(tmp_path, site, files: dict[str, str]):
    from feeds.build._reading import read_articles
    from feeds.build._units import render_site

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    reading = read_articles(tmp_path, site)
    return reading, render_site(site, reading.articles)


def test_aliases_redirect_old_urls(tmp_path, site):
    """An old slug gets a redirect page and a _redirects line to the article's URL."""
    _, tree = _build_tree(
        tmp_path, site, {"a.txt": "2025-01-01\nnew-name\naliases: old-name, older-name\n\nA.\n"}
    )
    page = tree[PurePosixPath("articles/old-name/index.html")].decode()
    assert f'<link rel="canonical" href="{site.url("articles/new-name/")}">' in page
    assert f'content="0; url={site.url("articles/new-name/")}"' in page
    assert tree[PurePosixPath("_redirects")].decode().splitlines() == [
        "/news/articles/old-name/ /news/articles/new-name/ 301",
        "/news/articles/older-name/ /news/articles/new-name/ 301",
    ]


def test_alias_may_not_hide_an_article_or_repeat(tmp_path, site):
    """An alias equal to a live slug or to another article's alias is an error naming both."""
    reading, _ = _build_tree(
        tmp_path,
        site,
        {
            "a.txt": "2025-01-01\nalpha\n\nA.\n",
            "b.txt": "2025-01-02\nbeta\naliases: alpha, gone\n\nB.\n",
            "c.txt": "2025-01-03\ngamma\naliases: gone, Bad Alias\n\nC.\n",
            "d.txt": "2025-01-04\ndelta\naliases: gone\n\nD.\n",
        },
    )
    messages = sorted(str(problem).replace(f"{tmp_path}/", "") for problem in reading.problems)
    assert messages == [
        "b.txt: alias 'alpha' is already the slug of a.txt; remove one of them",
        "c.txt:3: alias: slug 'Bad Alias' is not URL-safe; use 'bad-alias'",
        "d.txt: alias 'gone' is already an alias of b.txt; remove one of them",
    ]


def test_alias_equal_to_own_slug_and_overlong_tag_are_errors(tmp_path, site):
    """An alias that is the article's own slug, or a tag too long for a URL, is reported."""
    long_tag = " ".join(["word"] * 40)
    reading, _ = _build_tree(
        tmp_path,
        site,
        {"a.txt": f"2025-01-01\nself\naliases: self\ntags: {long_tag}\n\nA.\n"},
    )
    messages = [(p.line, p.message.split(";")[0]) for p in reading.problems]
    assert messages == [
        (3, "alias 'self' is the article's own slug"),
        (4, f"tag {long_tag[:40]!r}... is too long for a URL"),
    ]


def test_tag_groups_are_those_of_the_articles_given(articles):
    """The groups of one timeline are remembered: asking with another gives its own,
    and the groups given out cannot be changed by a caller."""
    timeline = tuple(articles)
    tagged = [article for article in timeline if article.tags]
    assert tagged, "the sample seeds have tags"
    groups = articles_by_tag(timeline)
    assert articles_by_tag(timeline) is groups
    others = tuple(article.replaced(tags=("other",)) for article in tagged)
    assert dict(articles_by_tag(others)) == {"other": others}
    assert dict(articles_by_tag(list(timeline))) == dict(groups)
    with pytest.raises(TypeError):
        groups["other"] = others  # type: ignore[index]


# Tags in other scripts than Latin keep their letters; Latin tags keep today's URLs.

# Latin tags, accents and all, and the slug they had before tags in other scripts
# kept their letters: it must not change.
LATIN_TAGS = {
    "Café": "cafe",
    "Straße": "strasse",
    "Ærø": "aero",
    "Łódź": "lodz",
    "Ñandú": "nandu",
    "Crème brûlée": "creme-brulee",
    "São Paulo": "sao-paulo",
    "Dvořák": "dvorak",
    "Ísland": "island",
    "Œuvre": "oeuvre",
    "Þingvellir": "thingvellir",
    "Đà Nẵng": "da-nang",
    "Café\u0301": "cafe",  # a combining accent belongs to no script
    "C++": "c",
    "HTML & XML": "html-xml",
    "Ｔｅｓｔ": "test",  # fullwidth Latin letters
    "Nº 1": "no-1",
    "2025 – Review": "2025-review",
}


@pytest.mark.parametrize(("tag", "slug"), LATIN_TAGS.items())
def test_latin_tags_keep_their_ascii_slug(tag, slug):
    """A tag whose letters are all Latin has the ASCII slug it always had."""
    assert tag_slug(tag) == slug == slugify(tag)


@pytest.mark.parametrize(
    ("tag", "slug"),
    [
        ("文化", "文化"),
        ("東京・大阪", "東京-大阪"),
        ("हिन्दी समाचार", "हिन्दी-समाचार"),  # vowel signs and virama stay in the word
        ("العربية", "العربية"),
        ("עִבְרִית", "עִבְרִית"),
        ("Москва 2025", "москва-2025"),
        ("Ελληνικά", "ελληνικά"),
        ("ශ්\u200dරී", "ශ්\u200dරී"),  # a joiner inside a word is spelling
        ("Café 文化", "café-文化"),  # not all Latin: Unicode all through
    ],
)
def test_other_tags_keep_their_letters(tag, slug):
    """A tag with a letter of another script keeps its letters, lower case, NFKC."""
    assert tag_slug(tag) == slug


def test_latin_letter_table_matches_unicode():
    """in_latin_script agrees with Unicode's Script property on every letter."""
    latin = regex.compile(r"\p{Script=Latin}")
    for code_point in range(0x80, 0x110000):
        character = chr(code_point)
        if unicodedata.category(character).startswith("L"):
            expected = latin.match(character) is not None
            assert in_latin_script(character) == expected, f"U+{code_point:04X}"


@pytest.fixture
def languages_tree(site):
    from feeds.build._reading import read_articles
    from feeds.build._units import render_site

    reading = read_articles(DATA / "languages", site)
    assert reading.problems == []
    return render_site(site, reading.articles)


CHINESE = "%E6%96%87%E5%8C%96"  # 文化, percent-encoded


def test_unicode_tag_folder_and_percent_encoded_urls(languages_tree, site):
    """文化 lives in tags/文化/ (a UTF-8 folder name) and every URL to it is percent-encoded:
    feeds, sitemap, API links, HTML links."""
    tree = languages_tree
    for name in ("index.html", "rss.xml", "atom.xml", "feed.json"):
        assert PurePosixPath(f"tags/文化/{name}") in tree
    assert PurePosixPath("api/v1/tags/文化/pages/1.json") in tree
    url = site.url(f"tags/{CHINESE}/")
    assert url == "https://test.example.org/news/tags/%E6%96%87%E5%8C%96/"
    atom = parse_xml_feed(tree, "tags/文化/atom.xml")
    assert {link.href for link in atom.feed.links} >= {url, url + "atom.xml"}
    assert atom.feed.id.endswith(f":tags/{CHINESE}/")
    jsonfeed = json.loads(tree[PurePosixPath("tags/文化/feed.json")])
    assert (jsonfeed["home_page_url"], jsonfeed["feed_url"]) == (url, url + "feed.json")
    assert f"<loc>{url}</loc>" in tree[PurePosixPath("sitemap.xml")].decode()
    index = json.loads(tree[PurePosixPath("api/v1/index.json")])
    chinese = next(tag for tag in index["links"]["tags"] if tag["name"] == "文化")
    assert chinese["slug"] == "文化"
    assert chinese["page"] == url
    assert chinese["first_page"] == site.url(f"api/v1/tags/{CHINESE}/pages/1.json")
    assert set(chinese["feeds"].values()) == {url + name for name in FEED_NAMES}
    for page in ("tags/index.html", "articles/tokyo-summit-in-arabic/index.html"):
        hrefs = {a.get("href") for a in _elements(tree, page, "a")}
        assert any(href.endswith(f"tags/{CHINESE}/") for href in hrefs), page
        assert not any("文化" in href for href in hrefs), page
    every_url = " ".join(str(value) for value in _strings(index))
    assert "文化" not in every_url.replace('"name": "文化"', "")


FEED_NAMES = ("rss.xml", "atom.xml", "feed.json")


def _elements(tree, path: str, name: str):
    root = html5lib.parse(tree[PurePosixPath(path)], treebuilder="etree")
    return root.iter(f"{{http://www.w3.org/1999/xhtml}}{name}")


def _strings(value):
    """Every URL-like string in a JSON document (names left out)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in {"name", "slug"}:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_moved_tags_redirect_from_their_old_urls(languages_tree, site):
    """The transliterated URLs tags had (tags/wen-hua/) redirect: a page, and _redirects
    lines for the page, its feeds and its API list pages."""
    tree = languages_tree
    page = tree[PurePosixPath("tags/wen-hua/index.html")].decode()
    new = site.url(f"tags/{CHINESE}/")
    assert f'<link rel="canonical" href="{new}">' in page
    assert f'content="0; url={new}"' in page
    lines = tree[PurePosixPath("_redirects")].decode().splitlines()
    assert [line for line in lines if "/wen-hua/" in line] == [
        f"/news/tags/wen-hua/ /news/tags/{CHINESE}/ 301",
        f"/news/tags/wen-hua/rss.xml /news/tags/{CHINESE}/rss.xml 301",
        f"/news/tags/wen-hua/atom.xml /news/tags/{CHINESE}/atom.xml 301",
        f"/news/tags/wen-hua/feed.json /news/tags/{CHINESE}/feed.json 301",
        f"/news/api/v1/tags/wen-hua/pages/1.json /news/api/v1/tags/{CHINESE}/pages/1.json 301",
    ]
    arabic = "%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9"  # سياسة, which was tags/sys/
    assert f"/news/tags/sys/ /news/tags/{arabic}/ 301" in lines
    assert not any("/cafe/" in line for line in lines), "a Latin tag has not moved"
    assert PurePosixPath("tags/cafe/index.html") in tree


def test_old_url_taken_by_a_live_tag_is_not_redirected(tmp_path, site):
    """If a Latin tag now has the old slug (Wen Hua), its page stays; 文化 gets no redirect."""
    _, tree = _build_tree(
        tmp_path,
        site,
        {
            "a.txt": "2025-01-01\na\ntags: 文化\n\nA.\n",
            "b.txt": "2025-01-02\nb\ntags: Wen Hua\n\nB.\n",
        },
    )
    assert (
        b"Tagged \xe2\x80\x9cWen Hua\xe2\x80\x9d" in tree[PurePosixPath("tags/wen-hua/index.html")]
    )
    assert PurePosixPath("_redirects") not in tree


def test_unicode_tags_that_share_a_url_are_an_error(tmp_path, site):
    """Two tags in another script that make one slug are an error naming both files."""
    (tmp_path / "a.txt").write_text("2025-01-01\na\ntags: 文化\n\nA.\n")
    (tmp_path / "b.txt").write_text("2025-01-02\nb\ntags: 文化!\n\nB.\n")
    articles, problems = load_seeds(tmp_path, site)
    assert articles == []
    assert [str(problem) for problem in problems] == [
        f"{tmp_path}/a.txt: tag '文化' and tag '文化!' (in {tmp_path}/b.txt) share the URL "
        "tags/文化/; spell them the same or rename one",
        f"{tmp_path}/b.txt: tag '文化!' and tag '文化' (in {tmp_path}/a.txt) share the URL "
        "tags/文化/; spell them the same or rename one",
    ]


def test_tag_slug_is_limited_in_bytes(tmp_path, site):
    """A folder name holds 255 bytes: a Unicode slug counts its UTF-8 bytes (40 CJK
    characters fit, 41 do not)."""
    fits, too_long = "文" * 40, "文" * 41
    (tmp_path / "a.txt").write_text(f"2025-01-01\na\ntags: {fits}, {too_long}\n\nA.\n")
    _, problems = load_seeds(tmp_path, site)
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (3, f"tag {too_long[:40]!r}... is too long for a URL")
    ]


def test_adding_a_unicode_tag_to_a_cached_build_equals_a_clean_build(tmp_path, site):
    """An edit that adds a tag in another script (and so a redirect) rebuilds from the
    cache to the same bytes as a clean build; so does removing it."""
    from feeds.build import build
    from tests.conftest import snapshot

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in (DATA / "languages").glob("*.txt"):
        (seeds / path.name).write_bytes(path.read_bytes())
    english = seeds / "english.txt"
    output = tmp_path / "public"
    build(seeds, output, site)
    for tags in ("tags: Café, politics, Культура", "tags: Café, politics"):
        english.write_text(english.read_text().replace(english.read_text().split("\n")[3], tags))
        build(seeds, output, site)
        clean = tmp_path / "clean"
        build(seeds, clean, site, use_cache=False)
        assert snapshot(output) == snapshot(clean)
        moved = (output / "tags" / "kultura" / "index.html").exists()
        assert moved == ("Культура" in tags)
