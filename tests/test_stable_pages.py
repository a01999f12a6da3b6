"""What a publish costs: files written at 1,000 articles, and an app that syncs by ETag.

Lists and archives are numbered from the oldest article, so a new article changes
the newest pages and the entry documents, never the full pages before them
(``feeds.render.api``, ``feeds.render.channels``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from benchmarks.convert import SITE
from benchmarks.corpus import write_corpus
from feeds.build import build
from feeds.build._reading import read_articles

NOW = datetime(2027, 1, 1, tzinfo=UTC)
MANIFEST = ".feeds-manifest.json"
NEWEST = "2026-11-01\nthe-newest-article\n{tags}\nFresh news.\n\nMore of it.\n"


def _stamps(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Each output file (the manifest aside): inode, mtime and size, which a write changes."""
    stamps = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory, name)
            stat = path.stat()
            stamps[path.relative_to(folder).as_posix()] = (
                stat.st_ino,
                stat.st_mtime_ns,
                stat.st_size,
            )
    stamps.pop(MANIFEST, None)
    return stamps


def _written(site_root: Path, change) -> set[str]:
    """The output files a build after ``change()`` writes (new or rewritten)."""
    output = site_root / "public"
    before = _stamps(output)
    change()
    build(site_root / "seeds", output, SITE, now=NOW)
    after = _stamps(output)
    return {path for path, stamp in after.items() if before.get(path) != stamp}


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built site of 1,000 generated articles (the benchmark's corpus and settings)."""
    root = tmp_path_factory.mktemp("thousand")
    write_corpus(root / "seeds", 1_000, seed=0)
    build(root / "seeds", root / "public", SITE, now=NOW)
    return root


@pytest.fixture
def site_root(thousand: Path, tmp_path: Path) -> Path:
    """A copy of the built site (seeds, output and cache) to change."""
    copy = tmp_path / "site"
    shutil.copytree(thousand, copy)
    build(copy / "seeds", copy / "public", SITE, now=NOW)  # the cache learns the new paths
    return copy


def test_adding_the_newest_article_writes_twenty_files_at_most(site_root):
    """One article dated after every other, untagged, writes at most 20 files (here the
    1,001st starts a new archive page and a new API page, the worst case); the full
    pages it does not touch keep their bytes."""
    newest = site_root / "seeds" / "newest.txt"
    written = _written(site_root, lambda: newest.write_text(NEWEST.format(tags="")))
    assert len(written) <= 20, sorted(written)
    assert {"articles/the-newest-article/index.html", "index.html", "rss.xml"} <= written
    assert not {path for path in written if path.startswith(("archive/1/", "api/v1/pages/1."))}
    index = json.loads((site_root / "public/api/v1/index.json").read_text())
    assert index["articles"][0]["slug"] == "the-newest-article"


def test_each_tag_of_a_new_article_adds_six_files(site_root):
    """Each tag of a new article adds 6 files: the tag's feeds, page, entry document and
    newest API page, but none of its archive pages; the tags index (its counts) once."""
    newest = site_root / "seeds" / "newest.txt"
    untagged = _written(site_root, lambda: newest.write_text(NEWEST.format(tags="")))
    newest.unlink()
    build(site_root / "seeds", site_root / "public", SITE, now=NOW)
    tags = "tags: science, Asia\n"
    written = _written(site_root, lambda: newest.write_text(NEWEST.format(tags=tags)))
    per_tag = {tag: {path for path in written if f"/{tag}/" in path} for tag in ("science", "asia")}
    assert written == untagged | {"tags/index.html"} | per_tag["science"] | per_tag["asia"]
    for tag, paths in per_tag.items():
        pages = {path for path in paths if path.startswith(f"api/v1/tags/{tag}/pages/")}
        assert len(pages) == 1, "its newest page, which did not fill up"
        assert paths - pages == {
            f"tags/{tag}/index.html", f"tags/{tag}/rss.xml", f"tags/{tag}/atom.xml",
            f"tags/{tag}/feed.json", f"api/v1/tags/{tag}/index.json",
        }  # fmt: skip


def test_editing_an_old_article_writes_ten_files_at_most(site_root):
    """Editing the last paragraph of an old untagged article (in no feed, its summary
    unchanged) writes its page and document and the pages listing it: at most 10."""
    articles = read_articles(site_root / "seeds", SITE).articles
    old = next(a for a in articles[SITE.feed_limit * 5 :] if not a.tags)
    source = Path(old.source)
    written = _written(site_root, lambda: source.write_text(source.read_text() + " Corrected.\n"))
    assert len(written) <= 10, sorted(written)
    assert {f"articles/{old.slug}/index.html", f"api/v1/articles/{old.slug}.json"} <= written
    assert not {"index.html", "rss.xml", "api/v1/index.json"} & written


def test_deleting_an_article_rewrites_only_the_pages_after_it(site_root):
    """Deleting one article shifts only the pages from the one that held it to the newest:
    the site's earlier API and archive pages, and other years' lists, keep their bytes."""
    articles = read_articles(site_root / "seeds", SITE).articles
    position = len(articles) // 2  # from the newest
    gone = articles[position]
    from_oldest = len(articles) - 1 - position
    api_page = from_oldest // SITE.page_size + 1
    archive_page = from_oldest // SITE.archive_size + 1
    written = _written(site_root, lambda: Path(gone.source).unlink())
    for path in written:
        if path.startswith("api/v1/pages/"):
            assert int(path.split("/")[-1].removesuffix(".json")) >= api_page, path
        if path.startswith("archive/"):
            assert int(path.split("/")[1]) >= archive_page, path
        if path.startswith("api/v1/years/"):
            assert path.split("/")[3] == str(gone.published.year), path
    assert f"api/v1/pages/{api_page}.json" in written
    assert f"archive/{archive_page}/index.html" in written


class _ETagHandler(SimpleHTTPRequestHandler):
    """Static files with an ETag (the body's digest) and If-None-Match, as a CDN serves them."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path /= "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An output folder served over HTTP: (the folder, its origin URL)."""
    output = tmp_path / "public"
    output.mkdir()
    handler = partial(_ETagHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield output, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _App:
    """A client of the API that keeps what it fetched and revalidates it by ETag.

    It starts at index.json, takes the newest page, and walks back (``prev``) until a
    page it already has comes back unchanged (304): older pages are full, so they are
    unchanged too. It keeps every page it has seen, by URL.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.cache: dict[str, tuple[str, dict]] = {}  # URL -> (ETag, document)
        self.pages: dict[str, dict] = {}
        self.downloaded: list[str] = []  # URLs answered 200

    def get(self, url: str) -> tuple[dict, bool]:
        """The document at ``url`` (a public URL), and whether it changed."""
        request = Request(self.origin + url.removeprefix(SITE.base_url))
        if url in self.cache:
            request.add_header("If-None-Match", self.cache[url][0])
        try:
            with urlopen(request) as response:
                self.cache[url] = (response.headers["ETag"], json.load(response))
        except HTTPError as error:
            if error.code != 304:
                raise
            return self.cache[url][1], False
        self.downloaded.append(url)
        return self.cache[url][1], True

    def sync(self) -> list[str]:
        """Bring the app up to date; the URLs it downloaded."""
        self.downloaded = []
        index, _ = self.get(SITE.url("api/v1/index.json"))
        url: str | None = index["links"]["newest_page"]
        while url:
            page, changed = self.get(url)
            self.pages[url] = page
            if not changed:
                break
            url = page["links"]["prev"]
        return self.downloaded

    def articles(self) -> list[str]:
        """Every article id the app holds, once per page that lists it."""
        return [summary["id"] for page in self.pages.values() for summary in page["articles"]]


def test_an_app_syncs_through_stable_pages_and_refetches_only_what_changed(served, tmp_path):
    """An app sees every article exactly once; after a publish of ten articles it
    downloads index.json and the pages that changed (by ETag) and stops at the first
    page that did not: no full page twice."""
    output, origin = served
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 95, seed=4)  # pages of 20: 5 pages, the newest holding 15
    build(seeds, output, SITE, now=NOW)
    app = _App(origin)
    first = app.sync()
    assert len(first) == 1 + 5
    published = {a.id for a in read_articles(seeds, SITE).articles}
    assert sorted(app.articles()) == sorted(published)
    assert app.sync() == [], "nothing changed: every request answered 304"
    for number in range(10):
        (seeds / f"new-{number}.txt").write_text(
            f"2026-11-{number + 1:02d}\nnew-article-{number}\n\nNews {number}.\n"
        )
    build(seeds, output, SITE, now=NOW)
    second = app.sync()
    pages = SITE.url("api/v1/pages/")
    assert second == [SITE.url("api/v1/index.json"), f"{pages}6.json", f"{pages}5.json"]
    published = {a.id for a in read_articles(seeds, SITE).articles}
    assert sorted(app.articles()) == sorted(published)  # each exactly once
