"""Header rules: defaults, first match wins, globs, and upload tiers."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest

from benchmarks.corpus import write_corpus
from feeds._headers import (
    ARTICLE,
    FULL_PAGE,
    HEADERS_PATH,
    SHORT,
    glob_pattern,
    headers_for,
    newest_pages,
    numbered_pages,
    render_headers_file,
    rule_for,
)
from feeds.build import build
from feeds.build._reading import read_articles
from feeds.build._units import render_site
from feeds.config import load_site
from feeds.deploy import upload_tier
from feeds.deploy._plan import Action, Plan, Reason
from feeds.deploy._run import DeployReport, human_size
from feeds.models import HeaderRule
from tests.conftest import make_site

_SHORT, _FULL, _ARTICLE = SHORT, FULL_PAGE, "public, max-age=3600, stale-while-revalidate=86400"
_RSS, _ATOM = "application/rss+xml; charset=utf-8", "application/atom+xml; charset=utf-8"
_JSON, _FEED = "application/json; charset=utf-8", "application/feed+json; charset=utf-8"
_HTML = "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "content_type", "cache_control", "cors"),
    [
        ("rss.xml", _RSS, _SHORT, False),
        ("atom.xml", _ATOM, _SHORT, False),
        ("tags/x/rss.xml", _RSS, _SHORT, False),
        ("tags/x/feed.json", _FEED, _SHORT, True),
        ("feed.json", _FEED, _SHORT, True),
        ("index.html", _HTML, _SHORT, False),
        ("tags/x/index.html", _HTML, _SHORT, False),
        ("api/v1/index.json", _JSON, _SHORT, True),
        ("api/v1/tags/x/index.json", _JSON, _SHORT, True),
        ("archive/2/atom.xml", _ATOM, _FULL, False),
        ("archive/2/index.html", _HTML, _FULL, False),
        ("archive/2/feed.json", _FEED, _FULL, True),
        ("tags/x/archive/2/feed.json", _FEED, _FULL, True),
        ("api/v1/pages/3.json", _JSON, _FULL, True),
        ("api/v1/years/2025/pages/3.json", _JSON, _FULL, True),
        ("articles/a/index.html", _HTML, _ARTICLE, False),
        ("api/v1/articles/a.json", _JSON, _ARTICLE, True),
        ("api/v1/schema/page.json", _JSON, "public, max-age=604800", True),
        ("style.css", "text/css; charset=utf-8", "public, no-cache", False),
    ],
)
def test_default_headers(path, content_type, cache_control, cors):
    """Every output path gets its media type, a cache lifetime by kind and CORS where it
    is an API: entry points and feeds short, full pages a day, articles an hour, the
    stylesheet revalidated on every use."""
    headers = headers_for(PurePosixPath(path))
    assert headers == {"Content-Type": content_type, "Cache-Control": cache_control}
    assert rule_for(PurePosixPath(path)).cors is cors


def test_the_newest_page_of_each_list_is_short_lived():
    """The newest page of each numbered list (a new article changes it) gets the short
    lifetime, the full pages before it the long one; a tag's archive has full pages only."""
    paths = [
        "api/v1/pages/9.json", "api/v1/pages/10.json", "api/v1/tags/x/pages/1.json",
        "api/v1/years/2024/pages/2.json", "api/v1/years/2025/pages/1.json",
        "archive/1/rss.xml", "archive/2/rss.xml", "archive/2/index.html",
        "tags/x/archive/2/rss.xml", "api/v1/index.json", "articles/10/index.html",
    ]  # fmt: skip
    newest = newest_pages(paths)
    assert newest == {
        "api/v1/pages/10.json", "api/v1/tags/x/pages/1.json", "api/v1/years/2024/pages/2.json",
        "api/v1/years/2025/pages/1.json", "archive/2/rss.xml", "archive/2/index.html",
    }  # fmt: skip
    cache = {path: headers_for(path, (), newest)["Cache-Control"] for path in paths}
    assert cache["api/v1/pages/10.json"] == cache["archive/2/index.html"] == SHORT
    assert cache["api/v1/pages/9.json"] == cache["archive/1/rss.xml"] == FULL_PAGE
    assert cache["tags/x/archive/2/rss.xml"] == FULL_PAGE
    rules = (HeaderRule(glob="api/**", cache_control="max-age=7"),)  # a site rule still wins
    assert headers_for("api/v1/pages/10.json", rules, newest)["Cache-Control"] == "max-age=7"


def test_site_rules_come_first_and_first_match_wins():
    """A site rule overrides the defaults; of two site rules, the first matching one applies."""
    rules = (
        HeaderRule(glob="api/v1/articles/*.json", cache_control="max-age=1", gzip=True),
        HeaderRule(glob="api/**", cache_control="max-age=2", content_type="text/plain"),
    )
    assert headers_for(PurePosixPath("api/v1/articles/a.json"), rules) == {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "max-age=1",
        "Content-Encoding": "gzip",
    }
    assert headers_for(PurePosixPath("api/v1/index.json"), rules)["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("*.xml", "rss.xml", True),
        ("*.xml", "a/rss.xml", False),
        ("**.xml", "a/b/rss.xml", True),
        ("articles/**", "articles/x/index.html", True),
        ("articles/*/index.html", "articles/x/y/index.html", False),
        ("**/index.html", "index.html", True),
        ("api/v1/pages/?.json", "api/v1/pages/1.json", True),
        ("a+b.json", "aab.json", False),
    ],
)
def test_globs(glob, path, matches):
    """'*' and '?' stay within a folder, '**' crosses folders, other characters are literal."""
    assert bool(glob_pattern(glob).fullmatch(path)) is matches


@pytest.mark.parametrize(
    ("path", "tier"),
    [
        ("articles/a/index.html", 0),
        ("api/v1/articles/a.json", 0),
        ("api/v1/schema/page.json", 0),
        ("style.css", 0),
        ("api/v1/pages/2.json", 1),
        ("api/v1/years/2025/pages/1.json", 1),
        ("archive/3/index.html", 1),
        ("archive/3/rss.xml", 1),
        ("tags/x/archive/2/feed.json", 1),
        ("index.html", 2),
        ("tags/x/index.html", 2),
        ("tags/x/rss.xml", 2),
        ("api/v1/tags/x/index.json", 2),
        ("sitemap.xml", 2),
        ("feed.json", 2),
        ("rss.xml", 2),
        ("atom.xml", 2),
        ("api/v1/index.json", 3),
    ],
)
def test_upload_tiers(path, tier):
    """Articles first, then list and archive pages, then what links to the newest of them
    (home and tag pages, feeds, entry documents), the API index last."""
    assert upload_tier(path) == tier


def test_deploy_settings_from_toml_and_nested_environment(tmp_path, monkeypatch):
    """[tool.feeds.deploy] and [[tool.feeds.headers]] load; FEEDS_DEPLOY__* overrides a key."""
    config = tmp_path / "site.toml"
    config.write_text(
        'title = "T"\nbase_url = "https://example.org/"\n'
        '[deploy]\ntarget = "s3://bucket/site"\nmax_deletes = 10\n'
        '[[headers]]\nglob = "**.xml"\ncache_control = "max-age=60"\n'
    )
    monkeypatch.setenv("FEEDS_DEPLOY__TARGET", "file:///srv/site")
    site = load_site(None, config)
    assert site.deploy.target == "file:///srv/site"
    assert (site.deploy.max_deletes, site.deploy.keep_releases) == (10, 5)
    assert site.headers == (HeaderRule(glob="**.xml", cache_control="max-age=60"),)


def test_summary_line():
    """The summary reads like 'uploaded 3 (1 new, 2 changed, 3.1 MB), unchanged 9,988,
    deleted 0 in 2.4 s'; with nothing sent, 'uploaded 0 (0 B)'."""
    unchanged = tuple(str(n) for n in range(9988))
    uploads = (
        Action("upload", "a", Reason.NEW),
        Action("update", "b", Reason.BODY),
        Action("update", "c", Reason.HEADERS),
    )
    report = DeployReport("s3://b/", Plan((uploads,), (), unchanged), 3_100_000, 2.44)
    assert report.summary() == (
        "uploaded 3 (1 new, 2 changed, 3.1 MB), unchanged 9,988, deleted 0 in 2.4 s"
    )
    nothing = DeployReport("s3://b/", Plan((), (), unchanged), 0, 0.31)
    assert nothing.summary() == "uploaded 0 (0 B), unchanged 9,988, deleted 0 in 0.3 s"
    assert (human_size(512), human_size(12_000)) == ("512 B", "12.0 kB")


def _host_headers(headers_file: str, url: str) -> list[dict[str, str]]:
    """The blocks of a _headers file matching a URL path, as Netlify and Cloudflare match them."""
    blocks = []
    for chunk in headers_file.split("\n\n")[1:]:
        pattern, *lines = chunk.strip().splitlines()
        regex = "".join(
            ".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern)
        )
        if re.fullmatch(regex, url):
            blocks.append(dict(line.strip().split(": ", 1) for line in lines))
    return blocks


def test_headers_file_gives_each_url_exactly_its_headers(tmp_path):
    """Every built file (and folder URL) matches exactly one block, holding its rule's headers."""
    write_corpus(tmp_path / "seeds", 40, seed=3)
    site = make_site(page_size=5, archive_size=10)
    build(tmp_path / "seeds", tmp_path / "public", site)
    text = (tmp_path / "public" / HEADERS_PATH).read_text()
    paths = [
        path.relative_to(tmp_path / "public").as_posix()
        for path in (tmp_path / "public").rglob("*")
        if path.is_file() and path.name not in {HEADERS_PATH, ".feeds-manifest.json"}
    ]
    assert any(path.startswith("tags/") for path in paths)
    numbered = numbered_pages(paths)  # a pattern cannot tell the newest: all are short
    assert any(path.startswith("archive/") for path in numbered)
    for path in paths:
        expected = headers_for(PurePosixPath(path), (), numbered)
        urls = [site.root_path + path]  # the site lives under /news/
        if path.endswith("index.html"):
            urls.append(site.root_path + path.removesuffix("index.html"))
        for url in urls:
            (block,) = _host_headers(text, url)
            assert block["Content-Type"] == expected["Content-Type"], url
            assert block["Cache-Control"] == expected["Cache-Control"], url
            cors = rule_for(PurePosixPath(path), (), numbered).cors
            assert block.get("Access-Control-Allow-Origin") == ("*" if cors else None), url
    assert "Content-Encoding" not in text


def test_headers_file_stays_small_as_the_site_grows(tmp_path):
    """The number of blocks follows the site's shape, not its number of articles."""
    counts = []
    for articles in (30, 300):
        write_corpus(tmp_path / f"s{articles}", articles, seed=5)
        tree = render_site(
            make_site(), read_articles(tmp_path / f"s{articles}", make_site()).articles
        )
        counts.append(tree[PurePosixPath(HEADERS_PATH)].decode().count("\n\n"))
    assert counts[0] == counts[1] < 40


def test_rules_that_give_the_same_headers_share_their_blocks():
    """Two rules that set the same headers (a site rule and a default) still make one
    broad pattern, not one block per folder."""
    rules = (HeaderRule(glob="articles/a/**", cache_control=ARTICLE),)
    paths = [f"articles/{name}/index.html" for name in "abcdef"]
    text = render_headers_file(paths, rules).decode()
    blocks = [line for line in text.splitlines() if line.startswith("/")]
    assert blocks == ["/articles/*"]


def test_headers_file_follows_site_rules():
    """A site rule splits its files into their own block, with no overlap and no gzip header."""
    rules = (HeaderRule(glob="api/v1/pages/*.json", cache_control="max-age=9", gzip=True),)
    paths = ["api/v1/pages/1.json", "api/v1/pages/2.json", "api/v1/tags/x/pages/1.json"]
    text = render_headers_file(paths, rules).decode()
    assert _host_headers(text, "/api/v1/pages/2.json") == [
        {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "max-age=9",
        }
    ]
    assert _host_headers(text, "/api/v1/tags/x/pages/1.json")[0]["Cache-Control"] == SHORT
    assert "gzip" not in text


def test_headers_file_covers_a_sitemap_split_by_year_in_one_block():
    """The parts of a split sitemap share one pattern, which matches no other file."""
    paths = ["sitemap.xml", "sitemap-2024.xml", "sitemap-2025.xml", "sitemap-pages.xml"]
    text = render_headers_file([*paths, "robots.txt", "feed.json"]).decode()
    assert "/sitemap-*" in text.splitlines()
    for path in [*paths, "robots.txt", "feed.json"]:
        (block,) = _host_headers(text, "/" + path)
        assert block["Cache-Control"] == SHORT
