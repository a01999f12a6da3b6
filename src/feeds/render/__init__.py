"""Renderers: pure functions from the site and its articles to files.

Each takes the ``Site`` and the articles newest first (see ``feeds._timeline``)
and returns a ``Tree``: output paths, relative to the output folder, mapped to
their bytes. Nothing here reads the clock or touches the disk.
"""

from __future__ import annotations

from pathlib import PurePosixPath

Tree = dict[PurePosixPath, bytes]

# The public contract: these paths are what subscribers and API clients use.
RSS_PATH = "rss.xml"
ATOM_PATH = "atom.xml"
JSON_FEED_PATH = "feed.json"
API_ROOT = "api/v1/"
