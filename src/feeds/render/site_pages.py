"""HTML pages about the site rather than one article: the 404 page.

    404.html    what static hosts serve for a missing URL, at any depth

A 404 page is served at whatever URL was asked for, so its links cannot be
relative: they are absolute paths from the base URL's path (``/news/style.css``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from feeds.models import Article, Site
from feeds.render import Tree
from feeds.render.html import _FEEDS, _encode, _environment

NOT_FOUND_PATH = "404.html"


def site_root_path(site: Site) -> str:
    """The base URL's path, ending in '/': the root of links that work at any depth."""
    return urlsplit(site.base_url).path


def render_not_found(site: Site, articles: Sequence[Article]) -> Tree:
    """``404.html``, in the site's layout, with links that work wherever it is served."""
    page = _environment().get_template("404.html")
    html = page.render(site=site, feeds=_FEEDS, root=site_root_path(site))
    return {PurePosixPath(NOT_FOUND_PATH): _encode(html)}
