"""The one order every output shows: newest first, ties broken by slug.

Articles that share a publication time (most often: several on one day, given
as a date without a time) get distinct times one second apart, so that every
reader sorts them as we do and no two feed entries claim the same instant. The
first article of such a group in feed order gets the latest time. Likewise
an update time that another article already has moves on by a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from feeds.models import Article

_TICK = timedelta(seconds=1)


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Sort articles newest first (ties by slug) and make their times distinct.

    Times are compared as instants (timestamps): Python compares two datetimes
    of one zone by their wall clocks, which disagrees around daylight-saving
    changes, and asks the zone for an offset on every other comparison.
    """
    by_slug_descending = sorted(articles, key=lambda article: article.slug, reverse=True)
    oldest_first = sorted(by_slug_descending, key=lambda article: article.published.timestamp())
    distinct: list[Article] = []
    previous: datetime | None = None
    for article in oldest_first:
        if previous is not None and article.published.timestamp() <= previous.timestamp():
            article = article.replaced(published=_second_after(previous))
        distinct.append(article)
        previous = article.published
    distinct.reverse()
    return _distinct_updates(distinct)


def _second_after(moment: datetime) -> datetime:
    """One second later in real time, in the same zone (wall-clock arithmetic could
    land in a daylight-saving gap)."""
    return (moment.astimezone(UTC) + _TICK).astimezone(moment.tzinfo)


def _distinct_updates(articles: list[Article]) -> list[Article]:
    """Give updated articles a last-change time no other article has.

    Atom readers (and the W3C validator) expect distinct ``updated`` values;
    an ``updated:`` date often falls on the same midnight as another article's.
    Articles never updated keep their (already distinct) publication times.
    """
    taken = {article.published.timestamp() for article in articles if article.updated is None}
    changed: dict[str, Article] = {}
    updated = [article for article in articles if article.updated is not None]
    for article in sorted(updated, key=lambda a: (a.modified.timestamp(), a.slug)):
        moment = article.modified
        while moment.timestamp() in taken:
            moment = _second_after(moment)
        taken.add(moment.timestamp())
        if moment != article.updated:
            changed[article.slug] = article.replaced(updated=moment)
    return [changed.get(article.slug, article) for article in articles]
