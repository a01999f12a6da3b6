"""Tags: feeds, pages and API lists per tag; per-year lists; tag URL clashes."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from feeds._seeds import load_seeds
from feeds.render.channels import articles_by_tag
from tests.feedcheck import parse_xml_feed


def test_each_tag_has_feeds_page_and_api_list(tree, site):
    """A tag gets RSS, Atom, JSON Feed, an HTML page and an API list, all linked from the index."""
    index = json.loads(tree[PurePosixPath("api/v1/index.json")])
    tags = {tag["name"]: tag for tag in index["links"]["tags"]}
    assert set(tags) == {"security", "HTML & XML"}
    html_xml = tags["HTML & XML"]
    assert html_xml["slug"] == "html-xml"
    for url in [*html_xml["feeds"].values(), html_xml["index"]]:
        assert PurePosixPath(url.removeprefix(site.base_url)) in tree
    assert PurePosixPath("tags/html-xml/index.html") in tree
    parsed = parse_xml_feed(tree, "tags/html-xml/atom.xml")
    assert [entry.title for entry in parsed.entries] == ["Why <script> & ]]> Must Stay Text"]
    page = json.loads(tree[PurePosixPath("api/v1/tags/html-xml/pages/1.json")])
    assert [summary["slug"] for summary in page["articles"]] == ["script-tags-and-cdata-ends"]


def test_year_lists(tree, site, articles):
    """Each year with articles has its own entry document and paginated API list."""
    index = json.loads(tree[PurePosixPath("api/v1/index.json")])
    assert [(y["year"], y["article_count"]) for y in index["links"]["years"]] == [(2025, 3)]
    year = json.loads(tree[PurePosixPath("api/v1/years/2025/index.json")])
    assert (year["article_count"], year["page_count"]) == (3, 2)
    first = json.loads(tree[PurePosixPath("api/v1/years/2025/pages/1.json")])
    assert first["links"]["next"] == site.url("api/v1/years/2025/pages/2.json")


def test_tag_page_lists_its_articles(tree):
    """The tag page shows the tag's newest articles and advertises the tag's feeds."""
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
