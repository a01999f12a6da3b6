"""The benchmark site, and the same articles as Hugo and Pelican content.

``SITE_TOML`` is the fixed configuration every feeds run uses (like for like with
the Hugo site in ``peers/hugo-api``: 50 articles a feed, 20 summaries a list
page, 100 articles an archive page); ``MARKDOWN_SITE_TOML`` adds Markdown bodies.
``hugo_api_markdown``, ``hugo_markdown`` and ``pelican_markdown`` turn one
parsed ``Article`` and its body as Markdown into a content file with front
matter (Hugo, TOML) or metadata lines (Pelican), so every tool publishes the
same titles, dates, slugs and bodies. A plain body becomes escaped Markdown
paragraphs that render back to the same text (``markdown_body``); a Markdown
body goes as written (``seed_body``).

``write_hugo_api_site`` copies the like-for-like Hugo site (``peers/hugo-api``,
a frozen reference: see ``peers/README.md``). ``write_hugo_site`` and
``write_pelican_site`` write minimal layouts: one page per article, a home page
of the newest ``feed_limit`` articles, and the feeds; nothing else (no tag,
category, section or archive pages).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import tomllib
from pathlib import Path

from feeds.models import Article, Site

SITE_TOML = """\
# The site every benchmark run builds (feeds --config); Hugo and Pelican get the same values.
title = "Bench News"
description = "A synthetic newsroom for benchmarks."
base_url = "https://bench.example.com/"
language = "en"
timezone = "UTC"
id_authority = "bench.example.com"
feed_limit = 50
page_size = 20
archive_size = 100
author = { name = "Bench Desk", email = "desk@bench.example.com" }
"""
MARKDOWN_SITE_TOML = SITE_TOML + 'body = "markdown"\n'
SITE = Site.model_validate(tomllib.loads(SITE_TOML))
HUGO_API_SITE = Path(__file__).parent / "peers" / "hugo-api"


_INLINE = re.compile(r"([\\`*_\[\]!])")
_BLOCK_MARK = re.compile(r"[#>+=\-]")
_ORDERED_MARK = re.compile(r"(\d+)([.)])")


def markdown_text(text: str) -> str:
    """Plain text as a Markdown paragraph that renders back to the same text."""
    text = _INLINE.sub(r"\\\1", html.escape(text, quote=False))
    if _BLOCK_MARK.match(text):
        return "\\" + text
    return _ORDERED_MARK.sub(r"\1\\\2", text, count=1) if _ORDERED_MARK.match(text) else text


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, except DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def markdown_body(article: Article) -> str:
    """The article's paragraphs as Markdown, separated by blank lines."""
    return "\n\n".join(markdown_text(paragraph) for paragraph in article.paragraphs) + "\n"


def seed_body(seed_text: str) -> str:
    """The body of a seed file as written: everything after the first blank line."""
    return seed_text.replace("\r\n", "\n").split("\n\n", 1)[1]


def hugo_api_markdown(article: Article, body: str | None = None) -> str:
    """One content file of the like-for-like Hugo site, as its README shows: title,
    date and slug as TOML front matter, then the body (``body``, else the article's
    paragraphs as Markdown)."""
    lines = [
        "+++",
        f"title = {toml_string(article.title)}",
        f"date = {article.published.isoformat()}",
        f"slug = {toml_string(article.slug)}",
        "+++",
        "",
    ]
    return "\n".join([*lines, markdown_body(article) if body is None else body])


def hugo_markdown(article: Article, body: str | None = None) -> str:
    """One Hugo content file: TOML front matter, then the body."""
    lines = [
        "+++",
        f"title = {toml_string(article.title)}",
        f"date = {article.published.isoformat()}",
        f"slug = {toml_string(article.slug)}",
        f"description = {toml_string(article.summary)}",
    ]
    if article.updated:
        lines.append(f"lastmod = {article.modified.isoformat()}")
    if article.author:
        lines.append(f"author = {toml_string(article.author)}")
    if article.tags:
        lines.append(f"tags = [{', '.join(toml_string(tag) for tag in article.tags)}]")
    return "\n".join([*lines, "+++", "", markdown_body(article) if body is None else body])


def pelican_markdown(article: Article, body: str | None = None) -> str:
    """One Pelican content file: ``Key: value`` metadata lines, then the body."""
    lines = [
        f"Title: {article.title}",
        f"Date: {article.published.isoformat()}",
        f"Slug: {article.slug}",
        f"Summary: {markdown_text(article.summary)}",
    ]
    if article.updated:
        lines.append(f"Modified: {article.modified.isoformat()}")
    if article.author:
        lines.append(f"Author: {article.author}")
    if article.tags:
        lines.append(f"Tags: {', '.join(article.tags)}")
    return "\n".join([*lines, "", markdown_body(article) if body is None else body])


HUGO_CONFIG = f"""\
baseURL = {toml_string(SITE.base_url)}
title = {toml_string(SITE.title)}
languageCode = {toml_string(SITE.language)}
disableKinds = ["taxonomy", "term", "section", "sitemap", "robotsTXT", "404"]
rssLimit = {SITE.feed_limit}
[permalinks]
articles = "/articles/:slug/"
[outputs]
home = ["HTML", "RSS"]
page = ["HTML"]
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}">
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<header><p><a href="{{ "" | relURL }}">{{ site.Title }}</a></p></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><p>{{ site.Title }}</p></footer>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">\
{{ .Date.Format "2 January 2006" }}</time>{{ with .Params.author }} · {{ . }}{{ end }}</p>
{{ .Content }}
{{ with .Params.tags }}<ul class="tags">{{ range . }}<li>{{ . }}</li>{{ end }}</ul>{{ end }}
</article>{{ end }}
""",
    "index.html": f"""\
{{{{ define "main" }}}}<ol class="articles">
{{{{ range first {SITE.feed_limit} site.RegularPages }}}}<li><article>
<h2><a href="{{{{ .RelPermalink }}}}">{{{{ .Title }}}}</a></h2>
<p>{{{{ .Params.description }}}}</p>
</article></li>
{{{{ end }}}}</ol>{{{{ end }}}}
""",
}

PELICAN_SETTINGS = f"""\
# Minimal Pelican site for the feeds benchmark: article pages, home page, Atom + RSS.
from pathlib import Path

AUTHOR = {SITE.author.name if SITE.author else ""!r}
SITENAME = {SITE.title!r}
SITEURL = {SITE.base_url.rstrip("/")!r}
FEED_DOMAIN = SITEURL
TIMEZONE = {SITE.timezone!r}
DEFAULT_LANG = {SITE.language!r}
THEME = str(Path(__file__).parent / "theme")
ARTICLE_URL = "articles/{{slug}}/"
ARTICLE_SAVE_AS = "articles/{{slug}}/index.html"
DIRECT_TEMPLATES = ["index"]
DEFAULT_PAGINATION = False
FEED_ALL_ATOM = "atom.xml"
FEED_ALL_RSS = "rss.xml"
FEED_MAX_ITEMS = {SITE.feed_limit}
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
for _kind in ("TAG", "TAGS", "CATEGORY", "CATEGORIES", "AUTHOR", "AUTHORS", "ARCHIVES"):
    globals()[f"{{_kind}}_SAVE_AS"] = ""
STATIC_PATHS = []
READERS = {{"html": None}}
DELETE_OUTPUT_DIRECTORY = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""
PELICAN_CACHED_SETTINGS = """\
# The same site, with Pelican's content cache on (its fastest no-op rebuild).
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pelicanconf import *  # noqa: F403

CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = str(Path(__file__).parent / "cache")
"""
PELICAN_TEMPLATES = {
    "base.html": """\
<!DOCTYPE html>
<html lang="{{ DEFAULT_LANG }}">
<head>
<meta charset="utf-8">
<title>{% block title %}{{ SITENAME|e }}{% endblock %}</title>
<link rel="alternate" type="application/atom+xml" href="{{ FEED_DOMAIN }}/{{ FEED_ALL_ATOM }}">
<link rel="alternate" type="application/rss+xml" href="{{ FEED_DOMAIN }}/{{ FEED_ALL_RSS }}">
<link rel="stylesheet" href="{{ SITEURL }}/theme/style.css">
</head>
<body>
<header><p><a href="{{ SITEURL }}/">{{ SITENAME|e }}</a></p></header>
<main>{% block main %}{% endblock %}</main>
<footer><p>{{ SITENAME|e }}</p></footer>
</body>
</html>
""",
    "article.html": """\
{% extends "base.html" %}
{% block title %}{{ article.title|e }} · {{ SITENAME|e }}{% endblock %}
{% block main %}<article>
<h1>{{ article.title|e }}</h1>
<p class="meta"><time datetime="{{ article.date.isoformat() }}">{{ article.locale_date }}</time>\
{% if article.author %} · {{ article.author|e }}{% endif %}</p>
{{ article.content }}
{% if article.tags %}<ul class="tags">{% for tag in article.tags %}<li>{{ tag|e }}</li>\
{% endfor %}</ul>{% endif %}
</article>{% endblock %}
""",
    "index.html": f"""\
{{% extends "base.html" %}}
{{% block main %}}<ol class="articles">
{{% for article in articles[:{SITE.feed_limit}] %}}<li><article>
<h2><a href="{{{{ SITEURL }}}}/{{{{ article.url }}}}">{{{{ article.title|e }}}}</a></h2>
{{{{ article.summary }}}}
</article></li>
{{% endfor %}}</ol>{{% endblock %}}
""",
}
STYLESHEET = "body { font-family: sans-serif; max-width: 40em; margin: auto; }\n"


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write text files below ``root``, making folders as needed."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_hugo_api_site(root: Path) -> None:
    """The like-for-like Hugo site, as frozen in ``peers/hugo-api`` (content goes in
    content/posts/)."""
    shutil.copytree(HUGO_API_SITE, root, dirs_exist_ok=True)
    (root / "content" / "posts").mkdir(parents=True, exist_ok=True)


def write_hugo_site(root: Path) -> None:
    """Hugo's configuration, layouts and stylesheet (content goes in content/articles/)."""
    layouts = {f"layouts/{name}": text for name, text in HUGO_LAYOUTS.items()}
    write_files(root, {"config.toml": HUGO_CONFIG, "static/style.css": STYLESHEET, **layouts})


def write_pelican_site(root: Path) -> None:
    """Pelican's settings (plain and cached) and theme (content goes in content/)."""
    templates = {f"theme/templates/{name}": text for name, text in PELICAN_TEMPLATES.items()}
    write_files(
        root,
        {
            "pelicanconf.py": PELICAN_SETTINGS,
            "cachedconf.py": PELICAN_CACHED_SETTINGS,
            "theme/static/style.css": STYLESHEET,
            **templates,
        },
    )
