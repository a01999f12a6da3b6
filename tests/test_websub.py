"""WebSub: hub links in every feed, and hub pings after a deploy (against a stub hub)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urlencode

import feedparser
import orjson
import pytest
from lxml import etree

from benchmarks.corpus import write_corpus
from feeds.build import build
from feeds.build._reading import read_articles
from feeds.build._units import render_site
from feeds.cli import main
from feeds.config import load_site
from feeds.deploy import deploy
from feeds.errors import ConfigError
from tests.conftest import SEEDS, make_site

HUB = "https://hub.example.net/websub"
ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = ("rss.xml", "atom.xml", "feed.json")


@pytest.fixture
def hub_tree():
    """The test site with a hub and small archives, rendered in memory."""
    site = make_site(websub_hub=HUB, archive_size=2)
    return render_site(site, read_articles(SEEDS, site).articles)


def _feed_paths(tree) -> list[str]:
    return [str(path) for path in tree if path.name in FEEDS]


def test_every_feed_links_to_the_hub(hub_tree):
    """Subscription, tag and archive feeds all carry the hub: atom:link in RSS and Atom, hubs."""
    paths = _feed_paths(hub_tree)
    assert {"rss.xml", "archive/1/atom.xml"} <= set(paths)
    assert any(path.startswith("tags/") for path in paths)
    for path in paths:
        data = hub_tree[PurePosixPath(path)]
        if path.endswith(".json"):
            assert orjson.loads(data)["hubs"] == [{"type": "WebSub", "url": HUB}], path
            continue
        root = etree.fromstring(data)
        parent = root.find("channel") if root.tag == "rss" else root
        hubs = [link.get("href") for link in parent.iter(f"{ATOM}link") if link.get("rel") == "hub"]
        assert hubs == [HUB], path
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, path
        assert HUB in [link.get("href") for link in parsed.feed.links if link.rel == "hub"]


def test_no_hub_no_link(tree):
    """Without websub_hub no feed mentions a hub."""
    for path in _feed_paths(tree):
        assert b"hub" not in tree[PurePosixPath(path)].replace(b"github", b""), path


def test_hub_link_keeps_a_lone_archive_complete():
    """A lone archive page stays fh:complete: the hub link is no archive link."""
    site = make_site(websub_hub=HUB)
    tree = render_site(site, read_articles(SEEDS, site).articles)
    assert b"<fh:complete" in tree[PurePosixPath("archive/1/rss.xml")]


def test_hub_must_be_an_absolute_url(tmp_path):
    """A websub_hub that is no http(s) URL is a configuration error naming the key."""
    config = tmp_path / "site.toml"
    config.write_text('title = "T"\nbase_url = "https://example.org/"\nwebsub_hub = "hub"\n')
    with pytest.raises(ConfigError, match="websub_hub: 'hub' is not an absolute http"):
        load_site(None, config)


class _Hub(BaseHTTPRequestHandler):
    """Records each POST; answers 500 for feed URLs listed in ``failing``."""

    received: list[tuple[str, str, bytes]]
    failing: set[str]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        url = dict(parse_qsl(body.decode())).get("hub.url", "")
        self.send_response(500 if url in self.failing else 204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        """No request log on stderr."""


@pytest.fixture
def stub_hub() -> Iterator[type[_Hub]]:
    """A WebSub hub on 127.0.0.1 (free port) that records what it is sent."""
    handler = type("Hub", (_Hub,), {"received": [], "failing": set()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    yield handler
    server.shutdown()
    server.server_close()


def _body(site, path: str) -> bytes:
    return urlencode({"hub.mode": "publish", "hub.url": site.url(path)}).encode()


def test_deploy_pings_the_hub_for_each_changed_feed(tmp_path, stub_hub):
    """Each uploaded feed is announced once with the exact form body; unchanged ones are not."""
    site = make_site(websub_hub=stub_hub.url, archive_size=2)
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 6, seed=2)
    output = tmp_path / "public"
    build(seeds, output, site)
    feeds = sorted(
        path.relative_to(output).as_posix() for path in output.rglob("*") if path.name in FEEDS
    )
    report = deploy(output, site, target=str(tmp_path / "srv"))
    assert report.websub is not None and report.websub.failed == ()
    assert sorted(body for _, _, body in stub_hub.received) == sorted(
        _body(site, path) for path in feeds
    )
    assert {(path, kind) for path, kind, _ in stub_hub.received} == {
        ("/hub", "application/x-www-form-urlencoded")
    }
    assert report.websub.summary() == f"WebSub {stub_hub.url}: pinged {len(feeds)} feeds"

    stub_hub.received.clear()
    assert deploy(output, site, target=str(tmp_path / "srv")).websub is None, "nothing changed"
    assert stub_hub.received == []

    newest = read_articles(seeds, site).articles[0]
    with Path(newest.source).open("a", encoding="utf-8") as seed:
        seed.write("\nA correction.\n")
    before = {path: (output / path).read_bytes() for path in feeds}
    build(seeds, output, site)
    changed = sorted(path for path in feeds if (output / path).read_bytes() != before[path])
    assert {"rss.xml", "atom.xml", "feed.json"} <= set(changed) and len(changed) < len(feeds)
    deploy(output, site, target=str(tmp_path / "srv"))
    assert sorted(body for _, _, body in stub_hub.received) == sorted(
        _body(site, path) for path in changed
    )


def test_failed_pings_are_reported_not_fatal(tmp_path, stub_hub, monkeypatch, capsys):
    """A hub error on one feed is named in the output; the deploy still exits 0."""
    seeds = tmp_path / "seeds"
    write_corpus(seeds, 3, seed=1)
    config = tmp_path / "site.toml"
    config.write_text(
        f'title = "T"\nbase_url = "https://example.org/"\nwebsub_hub = "{stub_hub.url}"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--config", str(config)]) == 0
    stub_hub.failing = {"https://example.org/rss.xml"}
    capsys.readouterr()
    assert main(["deploy", "--config", str(config), "--target", str(tmp_path / "srv")]) == 0
    out = capsys.readouterr().out
    assert "1 of " in out and "https://example.org/rss.xml (HTTP 500)" in out
    assert "the deploy itself succeeded" in out
    assert (tmp_path / "srv" / "current" / "rss.xml").is_file()


def test_unreachable_hub_is_reported(tmp_path):
    """A hub nobody listens on gives a failure per feed, not an exception."""
    from feeds.deploy._websub import ping_hub

    report = ping_hub("http://127.0.0.1:9/hub", ["https://example.org/rss.xml"], timeout=2)
    assert report.pinged == () and report.failed[0][0] == "https://example.org/rss.xml"
