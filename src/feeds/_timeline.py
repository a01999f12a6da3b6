"""The one order every output shows: newest first, ties broken by slug.

Articles that share a publication time (most often: several on one day, given
as a date without a time) get distinct times one second apart, so that every
reader sorts them as we do and no two feed entries claim the same instant. The
first article of such a group in feed order gets the latest time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from feeds.models import Article

_TICK = timedelta(seconds=1)


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Sort articles newest first (ties by slug) and make their times distinct."""
    by_slug_descending = sorted(articles, key=lambda article: article.slug, reverse=True)
    oldest_first = sorted(by_slug_descending, key=lambda article: article.published)
    distinct: list[Article] = []
    previous: datetime | None = None
    for article in oldest_first:
        if previous is not None and article.published <= previous:
            article = article.model_copy(update={"published": previous + _TICK})
        distinct.append(article)
        previous = article.published
    distinct.reverse()
    return distinct
