"""HTML pages from Jinja2 templates (``feeds/templates/``), text always escaped.

    index.html                  the newest ``feed_limit`` articles, feed autodiscovery
    tags/index.html             every tag, with its article count
    tags/{tag}/index.html       every article with the tag, newest first, its feeds
    articles/{slug}/index.html  one article: what every feed item links to
    articles/{alias}/index.html a redirect to the article, for each old slug
    style.css                   the default stylesheet

Links between pages are relative, so a build previews the same on localhost,
from a file:// URL or under any base path; canonical and feed links are absolute.
A site's own templates override the packaged ones (``feeds.render._jinja``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePosixPath

from markupsafe import Markup

from feeds._language import text_direction
from feeds._seeds import article_path
from feeds._theme import in_use, packaged_template
from feeds.errors import WriteError
from feeds.models import Article, Site, quote_path, tag_slug
from feeds.render import (
    ATOM_PATH,
    FEED_FORMATS,
    JSON_FEED_PATH,
    RSS_PATH,
    TAGS_ROOT,
    Listing,
    Tree,
)
from feeds.render._jinja import (
    _environment,
    human_date,
    macro,
    note_templates,
    recording,
    site_template,
    template_globals,
    template_problems,
)
from feeds.render.channels import articles_by_tag, moved_tags
from feeds.render.structured import article_json_ld_script

STYLESHEET = "style.css"
HOME_PAGE = "index.html"
_FEEDS = {"rss": RSS_PATH, "atom": ATOM_PATH, "json": JSON_FEED_PATH}


def render_pages(site: Site, articles: Sequence[Article]) -> Tree:
    """The home page, the tags index and the stylesheet (a tag's page: ``render_tag_page``;
    article pages: ``render_article_page``)."""
    tree: Tree = {
        **render_home_page(site, articles[: site.feed_limit]),
        PurePosixPath(STYLESHEET): stylesheet(),
    }
    tagged = articles_by_tag(articles)
    tags = [{"name": tag, "href": tag_href(tag), "count": len(m)} for tag, m in tagged.items()]
    index = _environment().get_template("tags.html")
    tags_page = index.render(_common(site, "../"), tags=tags)
    tree[PurePosixPath(TAGS_ROOT, "index.html")] = _encode(tags_page)
    redirect = _environment().get_template("redirect.html")
    for old, tag in moved_tags(articles).items():
        title, url = f"Tagged “{tag}”", site.url(tag_root(tag))
        moved = redirect.render(_language(site), site=site, title=title, url=url, what="page")
        tree[PurePosixPath(TAGS_ROOT, old, "index.html")] = _encode(moved)
    return tree


def tag_root(tag: str) -> str:
    """The folder of a tag's page and feeds below the site root (Unicode: a file path)."""
    return f"{TAGS_ROOT}{tag_slug(tag)}/"


def tag_href(tag: str) -> str:
    """A tag's folder as a link from the site root writes it (percent-encoded)."""
    return quote_path(tag_slug(tag))


def render_home_page(site: Site, newest: Sequence[Article]) -> Tree:
    """``index.html``: the ``feed_limit`` newest articles."""
    listing = _environment().get_template("index.html")
    home = listing.render(
        _common(site, ""),
        page_title=site.title,
        canonical=site.url(),
        heading=site.title,
        lede=site.description,
        articles=newest,
    )
    return {PurePosixPath(HOME_PAGE): _encode(home)}


# A tag's page to render: the tag and its articles, newest first.
TagPageJob = tuple[str, Sequence[Article]]


def tag_page_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """Every tag's page: its label is the tag."""
    return [
        (f"tag:{tag_slug(tag)}", f"tag {tag}", members, ("tag", (tag, members)))
        for tag, members in articles_by_tag(articles).items()
    ]


def render_tag_page(site: Site, job: TagPageJob) -> Tree:
    """The page listing every article with one tag, newest first, with the tag's feeds."""
    tag, members = job
    root = tag_root(tag)
    page = (
        _environment()
        .get_template("index.html")
        .render(
            _common(site, "../../", root, f"{site.title}: {tag}"),
            page_title=f"{tag} · {site.title}",
            canonical=site.url(root),
            heading=f"Tagged “{tag}”",
            lede=f"{len(members)} article{'s' * (len(members) != 1)}, newest first.",
            articles=members,
        )
    )
    return {PurePosixPath(root, "index.html"): _encode(page)}


def render_article_page(site: Site, article: Article) -> Tree:
    """The page an article's feed items link to."""
    page = _environment().get_template("article.html")
    html = page.render(
        _common(site, "../../", language=article.language),
        article=article,
        when=_dates(article),  # computed here: a call inside a template costs more
        tags=[(tag, tag_href(tag)) for tag in article.tags],
        json_ld=article_json_ld_script(site, article),
        image=lead_image(site, article, "../../"),
    )
    tree = {PurePosixPath(article_path(article.slug), "index.html"): _encode(html)}
    redirect = _environment().get_template("redirect.html")
    for alias in article.aliases:
        path = PurePosixPath(article_path(alias), "index.html")
        if path in tree:
            raise WriteError(f"{path}: alias {alias!r} of {article.source} is its own slug")
        moved = redirect.render(
            _language(site, article.language),
            site=site,
            title=article.title,
            url=article.url,
            what="article",
        )
        tree[path] = _encode(moved)
    return tree


def lead_image(site: Site, article: Article, root: str) -> dict[str, object] | None:
    """What a page shows of an article's lead image: ``src`` from the page (``root``:
    the way up to the site's root), ``url`` absolute, size, type and texts."""
    if article.image is None:
        return None
    file = article.image.published
    return {
        "src": root + file.path,
        "url": site.url(file.path),
        "width": file.width,
        "height": file.height,
        "type": file.media_type,
        "alt": article.image.alt,
        "caption": article.image.caption,
        "credit": article.image.credit,
    }


def _dates(article: Article) -> dict[str, str]:
    modified = article.modified
    return {
        "published": article.published.isoformat(),
        "published_day": human_date(article.published),
        "modified": modified.isoformat(),
        "modified_day": human_date(modified),
    }


def feeds_of(site: Site, root: str, title: str) -> list[dict[str, str]]:
    """A channel's feeds, for autodiscovery links and the subscribe page."""
    return [
        {"type": media, "title": f"{title} ({name})", "href": site.url(root + path)}
        for name, media, path in FEED_FORMATS
    ]


def _common(
    site: Site, root: str, channel: str = "", title: str = "", language: str | None = None
) -> dict[str, object]:
    """What ``base.html`` needs: the site, the way up to the site's root from the
    page (``root``), its ``language`` (by default the site's) and the chrome
    around the content, whose feed links are the ``channel``'s (its root and
    title; by default the site's)."""
    foreign = language not in {None, site.language}
    return {
        **_language(site, language),
        "site": site,
        "root": root,
        "chrome": _chrome(site, root, channel, title or site.title, foreign),
    }


def _language(site: Site, language: str | None = None) -> dict[str, str]:
    """A page's ``lang`` and ``dir``: of ``language``, by default the site's."""
    tag = language or site.language
    return {"page_lang": tag, "page_dir": text_direction(tag)}


def language_attributes(site: Site, article: Article) -> Markup:
    """`` lang="…" dir="…"`` for an article in a list, if its language is not the site's."""
    if article.language in {None, site.language}:
        return Markup("")
    tag = str(article.language)
    return Markup(' lang="{}" dir="{}"').format(tag, text_direction(tag))


@lru_cache(maxsize=64)
def date_attributes(language: str) -> Markup:
    """`` lang="en" dir="ltr"`` for a date (``human_date`` writes English) in text of
    another language, so that it reads in order in right-to-left text too."""
    if language.split("-")[0].lower() == "en":
        return Markup("")
    return Markup(' lang="en" dir="ltr"')


template_globals(language_attributes=language_attributes, date_attributes=date_attributes)


def _chrome(site: Site, root: str, channel: str, title: str, foreign: bool) -> dict[str, Markup]:
    """The feed links, header and footer of a page (``chrome.html``), rendered once a
    process for each depth and channel rather than once a page (10,000 article
    pages share one). On a page in another language than the site's (``foreign``),
    the header and footer say that they are in the site's. The page depends on the
    templates they came from."""
    templates = in_use().templates_digest
    chrome, used = _rendered_chrome(site, root, channel, title, foreign, templates)
    note_templates(used)
    return chrome


@lru_cache(maxsize=256)
def _rendered_chrome(
    site: Site, root: str, channel: str, title: str, foreign: bool, templates: str
) -> tuple[dict[str, Markup], frozenset[str]]:
    """``_chrome``, and the templates it used, for the templates in use (their digest)."""
    marks = Markup(' lang="{}" dir="{}"').format(site.language, text_direction(site.language))
    marks = marks if foreign else Markup("")
    with recording() as used, template_problems():
        macros = _environment().get_template("chrome.html").module
        chrome = {
            "alternates": macro(macros, "chrome.html", "alternates", "links")(
                feeds_of(site, channel, title)
            ),
            "header": macro(macros, "chrome.html", "header", "site, root, feeds, marks")(
                site, root, _FEEDS, marks
            ),
            "footer": macro(macros, "chrome.html", "footer", "site, marks")(site, marks),
        }
    return chrome, frozenset(used)


def stylesheet() -> bytes:
    """``style.css``: the site's own (``templates/style.css``, used as it is), else the
    packaged one."""
    text = site_template(STYLESHEET)
    if text is None:
        found = packaged_template(STYLESHEET)
        assert found is not None, "the package ships style.css"
        text = found[0]
    return text.encode("utf-8")


def _encode(page: str) -> bytes:
    return page.encode("utf-8")
