"""Media types of the files a build writes, for preview servers and deploys."""

from __future__ import annotations

import mimetypes
import posixpath
from functools import lru_cache
from pathlib import PurePosixPath

from feeds.render import ATOM_PATH, JSON_FEED_PATH, RSS_PATH

_BY_NAME = {
    RSS_PATH: "application/rss+xml",
    ATOM_PATH: "application/atom+xml",
    JSON_FEED_PATH: "application/feed+json",
}
_BY_SUFFIX = {
    ".html": "text/html",
    ".json": "application/json",
    ".css": "text/css",
    ".xml": "application/xml",
    ".txt": "text/plain",
}
_TEXT_TYPES = {"application/json", "application/xml", "application/feed+json"}


def media_type(path: PurePosixPath | str) -> str:
    """The Content-Type of an output file, with charset for text.

    Feeds are known by their file name in any folder: tag and archive feeds
    (``tags/x/rss.xml``, ``archive/3/feed.json``) are feeds too.
    """
    return _media_type(type_key(str(path)))


def type_key(path: str) -> str:
    """What a file's media type follows from: a feed's name, a known extension, or the
    whole name (equal keys, equal types; few keys for a whole build)."""
    name = path.rpartition("/")[2]
    if name in _BY_NAME:
        return name
    extension = posixpath.splitext(name)[1]
    return extension if extension in _BY_SUFFIX else name


@lru_cache(maxsize=1 << 10)
def _media_type(key: str) -> str:
    base = _BY_NAME.get(key) or _BY_SUFFIX.get(key)
    base = base or mimetypes.guess_type(key)[0] or "application/octet-stream"
    if base.startswith("text/") or base.endswith("+xml") or base in _TEXT_TYPES:
        return f"{base}; charset=utf-8"
    return base
