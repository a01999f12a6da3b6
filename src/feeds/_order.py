"""The publishing order of output paths, shared by the writer and the deploy.

A reader who follows a link must find its target: article pages, article
documents and schemas go first (0), then the numbered pages that list them:
API list pages and archive pages, the site's and the tags' (1), then the pages
and feeds that link to the newest of those: the home page, tag pages and the
tags index, every channel's feeds, the lists' entry documents and other indexes
(2), and the API entry point last (3). Deletions come after all of these.
"""

from __future__ import annotations

import re

from feeds.render import API_ROOT, ARCHIVE_ROOT

LEAVES = ("articles/", f"{API_ROOT}articles/", f"{API_ROOT}schema/")
LIST_SUFFIXES = (".html", ".json", ".xml")
API_INDEX = f"{API_ROOT}index.json"
# A numbered page: of an API list, or of an archive (the site's or a tag's).
NUMBERED = re.compile(rf"{API_ROOT}(?:.+/)?pages/\d+\.json|(?:.+/)?{ARCHIVE_ROOT}\d+/.+")


def upload_tier(path: str) -> int:
    """0: articles, their JSON, schemas and assets; 1: list and archive pages; 2: what
    links to the newest of them (home and tag pages, feeds, indexes); 3: API index."""
    if path == API_INDEX:
        return 3
    if path.startswith(LEAVES) or not path.endswith(LIST_SUFFIXES):
        return 0
    return 1 if NUMBERED.fullmatch(path) else 2
