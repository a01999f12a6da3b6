"""Reading built feeds back the way subscribers' software does."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import feedparser
from reader import make_reader

from feeds.render import Tree


def parse_xml_feed(tree: Tree, name: str) -> Any:
    """feedparser's reading of an RSS or Atom file of the tree; must be well-formed."""
    parsed = feedparser.parse(tree[PurePosixPath(name)])
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def read_json_feed(data: bytes, folder: Path) -> list[Any]:
    """The entries lemon24/reader sees in a JSON Feed, newest first as it sorts them."""
    (folder / "feed.json").write_bytes(data)
    reader = make_reader(":memory:", feed_root=str(folder))
    try:
        reader.add_feed("feed.json")
        reader.update_feeds()
        (feed,) = reader.get_feeds()
        assert feed.last_exception is None, feed.last_exception
        return list(reader.get_entries(sort="recent"))
    finally:
        reader.close()
