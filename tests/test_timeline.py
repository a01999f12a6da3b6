"""The order every output shares, and distinct times for articles that share a date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feeds._seeds import parse_seed
from feeds._timeline import newest_first
from feeds.build._reading import read_articles


def _article(site, slug: str, day: str = "2025-08-23", extra: str = ""):
    return parse_seed(f"{slug}.txt", f"{day}\n{slug}\n{extra}\nBody.\n".encode(), site)


def test_same_day_articles_are_one_second_apart_first_latest(site):
    """Three articles of one day: ordered by slug, the first of the day gets the latest time."""
    ordered = newest_first([_article(site, slug) for slug in ("c", "a", "b")])
    assert [a.slug for a in ordered] == ["a", "b", "c"]
    midnight = ordered[2].published
    assert [a.published - midnight for a in ordered] == [timedelta(seconds=s) for s in (2, 1, 0)]


def test_distinct_days_keep_their_times(site):
    """Articles on different days are ordered newest first and keep their times."""
    old, new = _article(site, "old", "2025-01-01"), _article(site, "new", "2025-01-02")
    assert newest_first([old, new]) == [new, old]


def test_update_times_never_collide(site):
    """An update date that equals another article's time moves on until it is unique."""
    articles = newest_first(
        [
            _article(site, "a", "2025-08-23"),
            _article(site, "b", "2025-08-22", "updated: 2025-08-23\n"),
            _article(site, "c", "2025-08-21", "updated: 2025-08-23\n"),
        ]
    )
    changes = [article.modified for article in articles]
    assert len(set(changes)) == len(changes) == 3
    assert all(article.modified >= article.published for article in articles)


def test_input_order_does_not_matter(site):
    """Any permutation of the same articles gives the same ordered result."""
    articles = [
        _article(site, slug, day)
        for slug, day in [("x", "2025-01-01"), ("y", "2025-01-01"), ("z", "2024-12-31")]
    ]
    assert newest_first(articles) == newest_first(reversed(articles))


def test_a_copy_with_new_times_is_the_article_pydantic_would_make(site):
    """``replaced`` (the timeline's fast copy) equals ``model_copy`` and drops cached HTML."""
    article = _article(site, "a", extra="tags: One\n")
    assert article.content_html == "<p>Body.</p>"  # cached on the original
    moved = article.published + timedelta(seconds=1)
    copy = article.replaced(published=moved, paragraphs=("<b>",))
    assert copy == article.model_copy(update={"published": moved, "paragraphs": ("<b>",)})
    assert copy.model_fields_set == set(type(article).model_fields)
    assert copy.content_html == "<p>&lt;b&gt;</p>"
    assert article.published != moved, "the original is unchanged"


def test_order_across_offsets_and_zones_is_by_instant(site):
    """Times with other offsets sort by the instant they name, not by their wall clock."""
    site = site.model_copy(update={"timezone": "Asia/Tokyo"})  # UTC+9, no DST
    berlin = _article(site, "berlin", "2025-08-23T09:00:00+02:00")  # 07:00 UTC
    newyork = _article(site, "newyork", "2025-08-23T03:30:00-04:00")  # 07:30 UTC
    local = _article(site, "local", "2025-08-23T16:15:00")  # Tokyo: 07:15 UTC
    assert [a.slug for a in newest_first([berlin, newyork, local])] == [
        "newyork",
        "local",
        "berlin",
    ]


def test_reading_unordered_finds_the_same_articles_and_problems(site, tmp_path):
    """What ``validate`` reads (no timeline) holds what the build reads, in file order."""
    for name, text in {
        "1.txt": "2025-08-23\nb\n\nBody.\n",
        "2.txt": "2025-08-23\na\n\nBody.\n",
        "3.txt": "2025-08-24\nbad slug\n\nBody.\n",
        "_4.txt": "2025-08-25\ndraft\n\nBody.\n",
        "5.txt": "2099-01-01\nlater\n\nBody.\n",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ordered = read_articles(tmp_path, site, now=now)
    unordered = read_articles(tmp_path, site, now=now, ordered=False)
    assert [a.slug for a in ordered.articles] == ["a", "b"]  # a is the first of the day
    assert [a.slug for a in unordered.articles] == ["b", "a"]  # as the files come
    assert unordered.articles[0].published == unordered.articles[1].published  # as written
    assert unordered.problems == ordered.problems != []
    assert [a.slug for a in unordered.drafts] == [a.slug for a in ordered.drafts] == ["draft"]
    assert [a.slug for a in unordered.scheduled] == [a.slug for a in ordered.scheduled] == ["later"]


def test_every_article_comes_back_even_when_two_share_a_slug(site):
    """The timeline returns each article it is given (the build rejects such pairs earlier)."""
    first = _article(site, "x", "2025-01-01")
    second = _article(site, "x", "2025-01-02", "updated: 2025-01-02\n")
    ordered = newest_first([first, _article(site, "y", "2025-01-02"), second])
    assert sorted(a.published.date().isoformat() for a in ordered if a.slug == "x") == [
        "2025-01-01",
        "2025-01-02",
    ]
