"""HTML pages from Jinja2 templates (``feeds/templates/``), text always escaped.

    index.html                  the newest ``feed_limit`` articles, feed autodiscovery
    archive/{n}/index.html      every article, ``archive_size`` a page, page 1 the
                                oldest (the archive feeds' pages, beside them)
    tags/index.html             every tag, with its article count
    tags/{tag}/index.html       the newest ``feed_limit`` articles with the tag, its feeds
    tags/{tag}/archive/{n}/index.html   the tag's archive pages, beside their feeds
    articles/{slug}/index.html  one article: what every feed item links to
    articles/{alias}/index.html a redirect to the article, for each old slug
    style.css                   the default stylesheet

The home page links the newest archive page, and each archive page the one
before it and the one after it (the newest, the home page), so every article is
reachable by links, and a full archive page changes only when one of its
articles does or a newer page follows it. A tag's page and archive pages link
the same way.

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
    lead_image_fields,
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
from feeds.render.channels import (
    ArchiveJob,
    TagArchiveJob,
    archive_count,
    archive_root,
    articles_by_tag,
    moved_tags,
    tag_archive_root,
    tag_archive_size,
    tag_root,
)
from feeds.render.structured import article_json_ld_script

STYLESHEET = "style.css"
HOME_PAGE = "index.html"
_FEEDS = {"rss": RSS_PATH, "atom": ATOM_PATH, "json": JSON_FEED_PATH}


def render_pages(site: Site, articles: Sequence[Article]) -> Tree:
    """The home page, the tags index and the stylesheet (a tag's page: ``render_tag_page``;
    article pages: ``render_article_page``; archive pages: ``render_archive_listing``)."""
    archives = archive_count(len(articles), site.archive_size)
    tree: Tree = {
        **render_home_page(site, articles[: site.feed_limit], archives),
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


def tag_href(tag: str) -> str:
    """A tag's folder as a link from the site root writes it (percent-encoded)."""
    return quote_path(tag_slug(tag))


def render_home_page(site: Site, newest: Sequence[Article], archives: int) -> Tree:
    """``index.html``: the ``feed_limit`` newest articles, and a link to the newest of
    the ``archives`` archive pages."""
    older = [_link(archive_root(archives), "Older articles: the archive", "prev")]
    listing = _environment().get_template("index.html")
    home = listing.render(
        _common(site, ""),
        page_title=site.title,
        canonical=site.url(),
        heading=site.title,
        lede=site.description,
        articles=newest,
        pager=older if archives else [],
    )
    return {PurePosixPath(HOME_PAGE): _encode(home)}


def render_archive_listing(site: Site, job: ArchiveJob) -> Tree:
    """``archive/{n}/index.html``: the articles of one archive page, newest first."""
    number, count, articles = job
    newer = _link(f"../{number + 1}/", "Newer articles", "next")
    newest = _link("../../index.html", "Newest articles", "next")
    page = _listing_page(
        site,
        "../../",
        archive_root(number),
        f"Archive, page {number}",
        articles,
        [newer if number < count else newest, *_older(number)],
    )
    return {PurePosixPath(archive_root(number), "index.html"): page}


# A tag's page to render: the tag, its newest ``feed_limit`` articles (newest first),
# how many articles it has, and how many archive pages.
TagPageJob = tuple[str, Sequence[Article], int, int]


def tag_page_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """Every tag's page: its label is the tag, its article count and archive pages."""
    size = tag_archive_size(site)
    jobs: list[Listing] = []
    for tag, members in articles_by_tag(articles).items():
        newest = members[: site.feed_limit]
        count, pages = len(members), len(members) // size
        label = f"tag {tag}/{count}/{pages}"
        jobs.append((f"tag:{tag_slug(tag)}", label, newest, ("tag", (tag, newest, count, pages))))
    return jobs


def render_tag_page(site: Site, job: TagPageJob) -> Tree:
    """A tag's page: its newest ``feed_limit`` articles, its feeds, and a link to its
    newest archive page."""
    tag, newest, count, pages = job
    root = tag_root(tag)
    shown = (
        ", newest first"
        if count == len(newest)
        else f"; the {len(newest)} newest here, the others in the archive"
    )
    older = _link(tag_archive_root(tag, pages).removeprefix(root), "Older articles", "prev")
    page = (
        _environment()
        .get_template("index.html")
        .render(
            _common(site, "../../", root, f"{site.title}: {tag}"),
            page_title=f"{tag} · {site.title}",
            canonical=site.url(root),
            heading=f"Tagged “{tag}”",
            lede=f"{count} article{'s' * (count != 1)}{shown}.",
            articles=newest,
            pager=[older] if pages else [],
        )
    )
    return {PurePosixPath(root, "index.html"): _encode(page)}


def render_tag_archive_listing(site: Site, job: TagArchiveJob) -> Tree:
    """``tags/{tag}/archive/{n}/index.html``: one of the tag's archive pages."""
    tag, number, count, articles = job
    newer = _link(f"../{number + 1}/", "Newer articles", "next")
    newest = _link("../../", f"Newest articles tagged “{tag}”", "next")
    page = _listing_page(
        site,
        "../../../../",
        tag_archive_root(tag, number),
        f"Tagged “{tag}”: archive, page {number}",
        articles,
        [newer if number < count else newest, *_older(number)],
        (tag_root(tag), f"{site.title}: {tag}"),
    )
    return {PurePosixPath(tag_archive_root(tag, number), "index.html"): page}


def _older(number: int) -> list[dict[str, str]]:
    """The link from archive page ``number`` to the one before it, if any."""
    return [_link(f"../{number - 1}/", "Older articles", "prev")] if number > 1 else []


def _link(href: str, text: str, rel: str = "") -> dict[str, str]:
    return {"href": href, "text": text, "rel": rel}


def _listing_page(
    site: Site,
    up: str,
    root: str,
    heading: str,
    articles: Sequence[Article],
    pager: list[dict[str, str]],
    channel: tuple[str, str] = ("", ""),
) -> bytes:
    """An archive page of ``articles`` (newest first) at ``root``, ``up`` from the site's root."""
    oldest, newest = human_date(articles[-1].published), human_date(articles[0].published)
    span = f"from {oldest} to {newest}" if oldest != newest else f"of {newest}"
    count = len(articles)
    return _encode(
        _environment()
        .get_template("index.html")
        .render(
            _common(site, up, *channel),
            page_title=f"{heading} · {site.title}",
            canonical=site.url(root),
            heading=heading,
            lede=f"{count} article{'s' * (count != 1)} {span}, newest first.",
            articles=articles,
            pager=pager,
        )
    )


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
    the way up to the site's root), and what the API gives (``lead_image_fields``)."""
    fields = lead_image_fields(site, article)
    if fields is None or article.image is None:
        return None
    return {"src": root + article.image.published.path, **fields}


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
