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
from operator import itemgetter

from feeds.models import Article

_TICK = timedelta(seconds=1)


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Sort articles newest first (ties by slug) and make their times distinct.

    Times are compared as instants (timestamps, each computed once): Python
    compares two datetimes of one zone by their wall clocks, which disagrees
    around daylight-saving changes, and asks the zone for an offset on every
    other comparison.
    """
    stamped = [(article.published.timestamp(), article) for article in articles]
    stamped.sort(key=lambda pair: pair[1].slug, reverse=True)
    stamped.sort(key=itemgetter(0))  # stable: equal times keep the slugs' order
    distinct: list[Article] = []
    published: dict[str, float] = {}
    previous = 0.0
    for stamp, article in stamped:
        if distinct and stamp <= previous:
            moment = _second_after(distinct[-1].published)
            article = article.replaced(published=moment)
            stamp = moment.timestamp()
        distinct.append(article)
        published[article.slug] = previous = stamp
    distinct.reverse()
    return _distinct_updates(distinct, published)


def _second_after(moment: datetime) -> datetime:
    """One second later in real time, in the same zone (wall-clock arithmetic could
    land in a daylight-saving gap)."""
    return (moment.astimezone(UTC) + _TICK).astimezone(moment.tzinfo)


def _distinct_updates(articles: list[Article], published: dict[str, float]) -> list[Article]:
    """Give updated articles a last-change time no other article has.

    Atom readers (and the W3C validator) expect distinct ``updated`` values;
    an ``updated:`` date often falls on the same midnight as another article's.
    Articles never updated keep their (already distinct) publication times,
    given as timestamps by slug in ``published``.
    """
    taken = {published[article.slug] for article in articles if article.updated is None}
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
