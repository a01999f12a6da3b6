"""The one order every output shows: newest first, ties broken by slug.

Articles that share a publication time (most often: several on one day, given
as a date without a time) get distinct times one second apart, so that every
reader sorts them as we do and no two feed entries claim the same instant. The
first article of such a group in feed order gets the latest time. Likewise
an update time that another article already has moves on by a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from feeds.models import Article

_TICK = timedelta(seconds=1)


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Sort articles newest first (ties by slug) and make their times distinct."""
    by_slug_descending = sorted(articles, key=lambda article: article.slug, reverse=True)
    # Sorting by timestamp: comparing zoned datetimes asks their zone on every comparison.
    oldest_first = sorted(by_slug_descending, key=lambda article: article.published.timestamp())
    distinct: list[Article] = []
    previous: datetime | None = None
    for article in oldest_first:
        if previous is not None and article.published <= previous:
            article = article.replaced(published=previous + _TICK)
        distinct.append(article)
        previous = article.published
    distinct.reverse()
    return _distinct_updates(distinct)


def _distinct_updates(articles: list[Article]) -> list[Article]:
    """Give updated articles a last-change time no other article has.

    Atom readers (and the W3C validator) expect distinct ``updated`` values;
    an ``updated:`` date often falls on the same midnight as another article's.
    Articles never updated keep their (already distinct) publication times.
    """
    taken = {article.published for article in articles if article.updated is None}
    changed: dict[str, Article] = {}
    updated = [article for article in articles if article.updated is not None]
    for article in sorted(updated, key=lambda article: (article.modified, article.slug)):
        moment = article.modified
        while moment in taken:
            moment += _TICK
        taken.add(moment)
        if moment != article.updated:
            changed[article.slug] = article.replaced(updated=moment)
    return [changed.get(article.slug, article) for article in articles]
