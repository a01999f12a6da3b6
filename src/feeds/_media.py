"""Media types of the files a build writes, for preview servers and deploys."""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import PurePosixPath

from feeds.render import FEED_FORMATS

_BY_NAME = {path: media for _, media, path in FEED_FORMATS}
_BY_SUFFIX = {
    ".html": "text/html",
    ".json": "application/json",
    ".css": "text/css",
    ".xml": "application/xml",
    ".txt": "text/plain",
    # Images (feeds._images publishes these five): the system's table may lack some.
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
}
_TEXT_TYPES = {"application/json", "application/xml", "application/feed+json"}


def media_type(path: PurePosixPath | str) -> str:
    """The Content-Type of an output file, with charset for text.

    Feeds are known by their file name in any folder: tag and archive feeds
    (``tags/x/rss.xml``, ``archive/3/feed.json``) are feeds too.
    """
    name = str(path).rsplit("/", 1)[-1]
    base = _BY_NAME.get(name) or _BY_SUFFIX.get(posixpath.splitext(name)[1])
    base = base or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if base.startswith("text/") or base.endswith("+xml") or base in _TEXT_TYPES:
        return f"{base}; charset=utf-8"
    return base
