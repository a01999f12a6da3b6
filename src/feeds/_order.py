"""The publishing order of output paths, shared by the writer and the deploy.

A reader who follows a link must find its target: article pages, article
documents and schemas go first (0), then everything that lists them: list
pages, archives, tag feeds and other indexes (1), then the subscription feeds
(2), and the API entry point last (3). Deletions come after all of these.
"""

from __future__ import annotations

from feeds.render import API_ROOT, ATOM_PATH, JSON_FEED_PATH, RSS_PATH

LEAVES = ("articles/", f"{API_ROOT}articles/", f"{API_ROOT}schema/")
LIST_SUFFIXES = (".html", ".json", ".xml")
FEEDS = frozenset({JSON_FEED_PATH, RSS_PATH, ATOM_PATH})
API_INDEX = f"{API_ROOT}index.json"


def upload_tier(path: str) -> int:
    """0: articles, their JSON, schemas and assets; 1: lists and indexes; 2: feeds; 3: API index."""
    if path == API_INDEX:
        return 3
    if path in FEEDS:
        return 2
    if path.startswith(LEAVES):
        return 0
    return 1 if path.endswith(LIST_SUFFIXES) else 0
