"""Which feeds a site has: the subscription feeds, per-tag feeds, RFC 5005 archives.

Archives (RFC 5005, "archived feeds"): every article stands in exactly one
archive page of ``archive_size`` articles. Pages are filled oldest first, so
page 1 holds the oldest articles and never changes once full; a new article
changes only the newest page (and the subscription feeds). Links:

    rss.xml / atom.xml / feed.json      prev-archive -> archive/N/
    archive/n/{rss.xml,atom.xml,...}    current -> the subscription feed,
                                        prev-archive -> archive/n-1/ (n > 1),
                                        next-archive -> archive/n+1/ (n < N),
                                        <fh:archive/>

Walking ``prev-archive`` from the subscription feed reaches every article.
Archive pages are rendered as cacheable units (``archive_jobs``): a page whose
articles did not change is not rendered again. Tags get the newest
``feed_limit`` articles each, under ``tags/<tag slug>/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from feeds._seeds import with_body
from feeds.models import Article, Site, old_tag_slug, quote_path, tag_slug
from feeds.render import ARCHIVE_ROOT, TAGS_ROOT, Channel, Listing, Tree
from feeds.render.feeds import render_xml_feeds
from feeds.render.jsonfeed import render_json_feed


def render_feed_documents(site: Site, channel: Channel, articles: Sequence[Article]) -> Tree:
    """RSS, Atom and JSON Feed of one channel."""
    articles = [with_body(article) for article in articles]
    return {
        **render_xml_feeds(site, channel, articles),
        **render_json_feed(site, channel, articles),
    }


ChannelJob = tuple[Channel, Sequence[Article]]


def subscription_channels(site: Site, articles: Sequence[Article]) -> list[ChannelJob]:
    """The site's subscription channel and every tag's, each with its ``feed_limit`` newest."""
    channels = [(site_channel(site, articles), articles[: site.feed_limit])]
    for tag, tagged in articles_by_tag(articles).items():
        channels.append((tag_channel(site, tag, tagged), tagged[: site.feed_limit]))
    return channels


def subscription_feed_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """Each subscription channel: its label is the channel (its id, its links)."""
    return [
        (f"feeds:{channel.root}", repr(channel), shown, ("channel", channel, shown))
        for channel, shown in subscription_channels(site, articles)
    ]


def render_subscription_feeds(site: Site, articles: Sequence[Article]) -> Tree:
    """The site's subscription feeds and every tag's, ``feed_limit`` newest each."""
    tree: Tree = {}
    for channel, shown in subscription_channels(site, articles):
        tree.update(render_feed_documents(site, channel, shown))
    return tree


def site_channel(site: Site, articles: Sequence[Article]) -> Channel:
    """The subscription feeds' channel, linking to the newest archive page."""
    pages = archive_count(len(articles), site.archive_size)
    links = (("prev-archive", archive_root(pages)),) if pages else ()
    return Channel(
        "",
        site.title,
        site.description,
        site.url(),
        feed_id(site, articles),
        links,
        hrefs=hub_links(site),
    )


def tag_channel(site: Site, tag: str, articles: Sequence[Article]) -> Channel:
    """A tag's channel; its page lists every article with the tag."""
    root = f"{TAGS_ROOT}{tag_slug(tag)}/"
    oldest = articles[-1].published.date().isoformat()
    return Channel(
        root,
        f"{site.title}: {tag}",
        f"Articles tagged “{tag}” on {site.title}.",
        site.url(root),
        f"tag:{site.id_authority},{oldest}:{quote_path(root)}",
        hrefs=hub_links(site),
    )


def feed_id(site: Site, articles: Sequence[Article]) -> str:
    """The site feed's Atom id: a tag: URI that survives a change of domain.

    Its date is the oldest article's (RFC 4151 wants a day the authority was
    held; ``articles`` run newest first); a site with no article uses 1970-01-01.
    """
    oldest = articles[-1].published.date().isoformat() if articles else "1970-01-01"
    return f"tag:{site.id_authority},{oldest}:feed"


# The last tuple of articles grouped, and its groups: a build asks for its
# timeline's groups from seven places. A tuple of frozen articles cannot change,
# and the reference held means no other tuple can take its id.
_last_grouped: tuple[tuple[Article, ...], Mapping[str, tuple[Article, ...]]] | None = None


def articles_by_tag(articles: Sequence[Article]) -> Mapping[str, Sequence[Article]]:
    """Each tag's articles, newest first; tags in order of their slugs."""
    global _last_grouped  # a memo of one entry
    if _last_grouped is not None and _last_grouped[0] is articles:
        return _last_grouped[1]
    tagged: dict[str, list[Article]] = {}
    for article in articles:
        for tag in article.tags:
            tagged.setdefault(tag, []).append(article)
    grouped = MappingProxyType(
        {
            tag: tuple(members)
            for tag, members in sorted(tagged.items(), key=lambda item: tag_slug(item[0]))
        }
    )
    if isinstance(articles, tuple):
        _last_grouped = (articles, grouped)
    return grouped


def moved_tags(articles: Sequence[Article]) -> dict[str, str]:
    """Tags whose URL changed when tags in other scripts kept their letters: each old
    slug (``wen-hua``) and its tag (``文化``), for the redirects from the old URLs.

    An old slug that a tag now has, or that two tags had (a clash then: never
    published), gets no redirect.
    """
    tags = articles_by_tag(articles)
    live = {tag_slug(tag) for tag in tags}
    moved: dict[str, list[str]] = {}
    for tag in tags:
        old = old_tag_slug(tag)
        if old and old != tag_slug(tag) and old not in live:
            moved.setdefault(old, []).append(tag)
    return {old: tags[0] for old, tags in sorted(moved.items()) if len(tags) == 1}


def archive_count(articles: int, size: int) -> int:
    """How many archive pages hold ``articles`` articles."""
    return -(-articles // size)


def archive_root(number: int | str) -> str:
    """The folder of archive page ``number`` (1 = the oldest articles)."""
    return f"{ARCHIVE_ROOT}{number}/"


def archive_pages(articles: Sequence[Article], size: int) -> list[list[Article]]:
    """Archive pages, oldest first, each newest first inside; the last may be partial."""
    oldest_first = list(reversed(articles))
    pages = [oldest_first[start : start + size] for start in range(0, len(oldest_first), size)]
    return [list(reversed(page)) for page in pages]


ArchiveJob = tuple[int, int, list[Article]]


def archive_jobs(site: Site, articles: Sequence[Article]) -> list[Listing]:
    """Each archive page: its label is its number, whether it is the last, the feed's id."""
    pages = archive_pages(articles, site.archive_size)
    site_feed = feed_id(site, articles)
    jobs: list[Listing] = []
    for number, page in enumerate(pages, start=1):
        label = f"{number}/{number < len(pages)}/{site_feed}"
        job = ("archive", (number, len(pages), page), site_feed)
        jobs.append((f"archive:{number}", label, page, job))
    return jobs


def render_archive_page(site: Site, job: ArchiveJob, site_feed_id: str) -> Tree:
    """One archive page's RSS, Atom and JSON Feed."""
    number, count, articles = job
    # A lone page holds every article: it is marked complete, and a complete
    # feed may link to no other document (RFC 5005 §2), not even 'current'.
    links = [("current", "")] if count > 1 else []
    if number > 1:
        links.append(("prev-archive", archive_root(number - 1)))
    if number < count:
        links.append(("next-archive", archive_root(number + 1)))
    channel = Channel(
        archive_root(number),
        f"{site.title} (archive {number})",
        site.description,
        site.url(),
        site_feed_id,
        tuple(links),
        archive=True,
        hrefs=hub_links(site),
    )
    return render_feed_documents(site, channel, articles)


def hub_links(site: Site) -> tuple[tuple[str, str], ...]:
    """The WebSub hub link every feed carries, when the site names a hub."""
    return (("hub", site.websub_hub),) if site.websub_hub else ()
