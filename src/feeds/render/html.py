"""HTML pages from Jinja2 templates (``feeds/templates/``), text always escaped.

    index.html                  the newest ``feed_limit`` articles, feed autodiscovery
    articles/{slug}/index.html  one article: what every feed item links to
    style.css                   the default stylesheet

Links between pages are relative, so a build previews the same on localhost,
from a file:// URL or under any base path; canonical and feed links are absolute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import PurePosixPath

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from feeds._dates import MONTH_NAMES
from feeds._seeds import article_path
from feeds.models import Article, Site
from feeds.render import ATOM_PATH, JSON_FEED_PATH, RSS_PATH, Tree
from feeds.render.structured import article_json_ld_script

STYLESHEET = "style.css"
_FEEDS = {"rss": RSS_PATH, "atom": ATOM_PATH, "json": JSON_FEED_PATH}


def render_pages(site: Site, articles: Sequence[Article]) -> Tree:
    """The home page and the stylesheet (article pages: ``render_article_page``)."""
    index = _environment().get_template("index.html")
    home = index.render(site=site, feeds=_FEEDS, root="", articles=articles[: site.feed_limit])
    return {
        PurePosixPath("index.html"): _encode(home),
        PurePosixPath(STYLESHEET): files("feeds").joinpath("templates", STYLESHEET).read_bytes(),
    }


def render_article_page(site: Site, article: Article) -> Tree:
    """The page an article's feed items link to."""
    page = _environment().get_template("article.html")
    html = page.render(site=site, feeds=_FEEDS, root="../../", article=article)
    return {PurePosixPath(article_path(article.slug), "index.html"): _encode(html)}


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.globals.update(article_path=article_path, human_date=human_date)
    environment.globals.update(json_ld=article_json_ld_script)
    return environment


def human_date(moment: datetime) -> str:
    """'23 August 2025', in English whatever the locale."""
    return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"


def _encode(page: str) -> bytes:
    return page.encode("utf-8")
