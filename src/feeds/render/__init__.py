"""Renderers: pure functions from the site and its articles to files.

Each takes the ``Site`` and the articles newest first (see ``feeds._timeline``)
and returns a ``Tree``: output paths, relative to the output folder, mapped to
their bytes. Nothing here reads the clock or touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

Tree = dict[PurePosixPath, bytes]

# The public contract: these paths are what subscribers and API clients use.
RSS_PATH = "rss.xml"
ATOM_PATH = "atom.xml"
JSON_FEED_PATH = "feed.json"
API_ROOT = "api/v1/"
ARCHIVE_ROOT = "archive/"
TAGS_ROOT = "tags/"


@dataclass(frozen=True)
class Channel:
    """One stream of articles with its own RSS, Atom and JSON feeds.

    The site's subscription feeds, a tag's feeds and each RFC 5005 archive page
    are channels. Its files are ``root + rss.xml`` (and ``atom.xml``,
    ``feed.json``); ``links`` are extra (rel, root of another channel) pairs,
    such as ``("prev-archive", "archive/3/")``, that resolve to the same format;
    ``hrefs`` are (rel, absolute URL) pairs that are the same in every format,
    such as the WebSub ``("hub", "https://hub.example/")``.
    """

    root: str
    title: str
    description: str
    home: str
    id: str
    links: tuple[tuple[str, str], ...] = ()
    archive: bool = False
    hrefs: tuple[tuple[str, str], ...] = ()
