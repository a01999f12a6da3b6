"""Renderers: pure functions from the site and its articles to files.

Each takes the ``Site`` and the articles newest first (see ``feeds._timeline``)
and returns a ``Tree``: output paths, relative to the output folder, mapped to
their bytes. Nothing here reads the clock or writes to the disk; article bodies
are read back from their seed files (``feeds._seeds.with_body``).

Outputs that show many articles (archive pages, list pages, tag pages) are
split into jobs (``Listing``), each with a render key (``list_key``) covering
everything it shows, so that the build cache can skip the unchanged ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from feeds.models import Article, Site

Tree = dict[PurePosixPath, bytes]

# The public contract: these paths are what subscribers and API clients use.
RSS_PATH = "rss.xml"
ATOM_PATH = "atom.xml"
JSON_FEED_PATH = "feed.json"
# Each channel's feeds: (format's name, media type, file name), in the order listed.
FEED_FORMATS = (
    ("RSS", "application/rss+xml", RSS_PATH),
    ("Atom", "application/atom+xml", ATOM_PATH),
    ("JSON Feed", "application/feed+json", JSON_FEED_PATH),
)
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


def lead_image_fields(site: Site, article: Article) -> dict[str, Any] | None:
    """An article's lead image as the API and the pages describe it: absolute
    ``url``, size, media type and texts (None without one)."""
    if article.image is None:
        return None
    file = article.image.published
    return {
        "url": site.url(file.path),
        "width": file.width,
        "height": file.height,
        "type": file.media_type,
        "alt": article.image.alt,
        "caption": article.image.caption,
        "credit": article.image.credit,
    }


def list_key(label: str, articles: Iterable[Article], keys: Mapping[str, str]) -> str:
    """The render key of an output showing ``articles`` (by their own render keys);
    ``label`` names everything else it shows (its number, its neighbours...)."""
    return members_key(label, (keys[article.slug] for article in articles))


def members_key(label: str, member_keys: Iterable[str]) -> str:
    """``list_key`` from the render keys of the articles shown."""
    text = "\n".join([label, *member_keys])
    return hashlib.sha256(text.encode()).hexdigest()


# An output showing many articles, to render as a cacheable unit: (unit name, its
# label, the articles it shows, the job). Its render key: ``list_key(label, shown)``.
Listing = tuple[str, str, Sequence[Article], tuple[Any, ...]]
