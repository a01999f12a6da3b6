"""What crawlers and link previews read from an article page: JSON-LD ``NewsArticle``.

The OpenGraph ``<meta>`` tags are plain attributes in ``templates/article.html``
(Jinja2 escapes them); JSON-LD sits inside ``<script>``, where HTML escaping does
not apply, so it is built here as a dict and serialised with ``<``, ``>`` and
``&`` written as JSON escapes: article text can never close the element.
"""

from __future__ import annotations

from typing import Any

import orjson
from markupsafe import Markup

from feeds.models import Article, LeadImage, Site

SCHEMA_ORG = "https://schema.org"
# Characters that could end the <script> element or start markup, and the two
# line separators that JavaScript (unlike JSON) reads as line ends.
_SCRIPT_SAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def article_json_ld(site: Site, article: Article) -> dict[str, Any]:
    """The schema.org ``NewsArticle`` describing one article."""
    data = {
        "@context": SCHEMA_ORG,
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "author": _author(site, article),
        "publisher": {"@type": "Organization", "name": site.title, "url": site.url()},
        "url": article.url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
        "inLanguage": article.language or site.language,
        "keywords": list(article.tags),
        "wordCount": article.word_count,
    }
    if article.image:
        data["image"] = _image(site, article.image)
    return data


def _image(site: Site, image: LeadImage) -> dict[str, Any]:
    """The lead image as a schema.org ``ImageObject``."""
    file = image.published
    data: dict[str, Any] = {
        "@type": "ImageObject",
        "url": site.url(file.path),
        "width": file.width,
        "height": file.height,
        "encodingFormat": file.media_type,
    }
    if image.caption:
        data["caption"] = image.caption
    if image.credit:
        data["creditText"] = image.credit
    return data


def _author(site: Site, article: Article) -> dict[str, str]:
    """The article's own author (a person), else the site's (taken as an organisation)."""
    if article.author:
        return {"@type": "Person", "name": article.author}
    return {"@type": "Organization", "name": site.author.name if site.author else site.title}


def script_json(data: dict[str, Any]) -> Markup:
    """``data`` as JSON that is safe as the text of an HTML ``<script>`` element."""
    text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    for character, escaped in _SCRIPT_SAFE:  # str.replace: many times faster than translate
        text = text.replace(character, escaped)
    return Markup(text)  # noqa: S704  (nothing in it can open markup)


def article_json_ld_script(site: Site, article: Article) -> Markup:
    """The ``NewsArticle`` of an article, ready to place inside ``<script>``."""
    return script_json(article_json_ld(site, article))
