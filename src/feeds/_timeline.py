"""The one order every output shows: newest first, ties broken by slug.

Articles that share a publication time (most often: several on one day, given
as a date without a time) get distinct times one second apart, so that every
reader sorts them as we do and no two feed entries claim the same instant. The
first article of such a group in feed order gets the latest time. Likewise
an update time that another article already has moves on by a second.
"""

from __future__ import annotations

import math
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
    stamps: list[float] = []  # each article's publication timestamp, as in ``distinct``
    previous = -math.inf
    for stamp, article in stamped:
        if stamp <= previous:
            moment = _second_after(distinct[-1].published)
            article = article.replaced(published=moment)
            stamp = moment.timestamp()
        distinct.append(article)
        stamps.append(stamp)
        previous = stamp
    distinct.reverse()
    stamps.reverse()
    return _distinct_updates(distinct, stamps)


def _second_after(moment: datetime) -> datetime:
    """One second later in real time, in the same zone (wall-clock arithmetic could
    land in a daylight-saving gap)."""
    return (moment.astimezone(UTC) + _TICK).astimezone(moment.tzinfo)


def _distinct_updates(articles: list[Article], stamps: list[float]) -> list[Article]:
    """Give updated articles a last-change time no other article has.

    Atom readers (and the W3C validator) expect distinct ``updated`` values;
    an ``updated:`` date often falls on the same midnight as another article's.
    Articles never updated keep their (already distinct) publication times,
    whose timestamps ``stamps`` gives in the same order.
    """
    taken = {
        stamp for stamp, article in zip(stamps, articles, strict=True) if article.updated is None
    }
    distinct = list(articles)
    updated = [index for index, article in enumerate(articles) if article.updated is not None]
    for index in sorted(
        updated, key=lambda i: (articles[i].modified.timestamp(), articles[i].slug)
    ):
        moment = articles[index].modified
        while moment.timestamp() in taken:
            moment = _second_after(moment)
        taken.add(moment.timestamp())
        if moment != articles[index].updated:
            distinct[index] = articles[index].replaced(updated=moment)
    return distinct
