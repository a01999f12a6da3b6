"""The layout of a build, kept so that the next build can patch an edit in.

Shape. After a build without problems, the cache keeps its *plan*, one JSON
document:

- ``timeline``: every published article, newest first, as its seed file, seed
  hash, slug, the publication and update times the timeline settled on, and its
  lead image's published path;
- ``others``: the seed hash of every other valid file (drafts, scheduled);
- ``listings``: every unit that shows many articles (archive, feed, tag and API
  list pages) as its name, its label (``render.list_key``), the timeline
  positions of the articles it shows, and its job with those articles left out.

The cache also notes the hash of the manifest the build wrote: a plan is used
only with that output (not with one a build killed before saving the cache left).

Why. Most rebuilds follow an edit to an article's text. Its place in every
listing depends only on its slug, title, URL, id, dates, tags and aliases
(``placement``); while those stay the same, the timeline and every listing are
what the plan says, so a build re-renders only the units that show the edited
articles (and the home page, if they are on it) and keeps every other file the
manifest lists: it never loads all articles, sorts them or keys every unit.
Any other change (a file added, deleted, renamed, a date or tag changed, a
problem, another configuration or version: the cache's scope) takes the full path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import orjson

from feeds.models import Article
from feeds.render import Channel, Listing

# The fields that decide where an article appears: equal fields, same place.
PLACEMENT = ("slug", "title", "url", "id", "published", "updated", "tags", "aliases")


def placement(article: Article) -> tuple[object, ...]:
    """What decides where an article appears (times with their zones: they are shown)."""
    return tuple(
        (value.isoformat(), value.tzinfo) if isinstance(value, datetime) else value
        for value in (getattr(article, name) for name in PLACEMENT)
    )


class Entry(NamedTuple):
    """One published article of the plan's timeline."""

    source: str
    seed: str
    slug: str
    published: str  # ISO 8601, as settled by the timeline
    published_zoned: bool  # in the site's zone (else a fixed offset)
    updated: str | None
    updated_zoned: bool
    image: str  # the lead image's published path ("" without one): part of its render key

    def times(self, zone: ZoneInfo) -> dict[str, datetime | None]:
        """The settled times, as the timeline made them."""
        return {
            "published": _moment(self.published, self.published_zoned, zone),
            "updated": _moment(self.updated, self.updated_zoned, zone),
        }


@dataclass(frozen=True)
class PlannedListing:
    """A unit showing many articles: name, label, timeline positions, job template."""

    name: str
    label: str
    members: tuple[int, ...]
    template: list[object]

    def job(self, articles: Sequence[Article]) -> tuple[Any, ...]:
        """The unit's job, with ``articles`` (those at ``members``) put back."""
        return tuple(_decode(item, tuple(articles)) for item in self.template)


@dataclass(frozen=True)
class Plan:
    timeline: list[Entry]
    others: dict[str, str]
    listings: list[PlannedListing]
    edited: dict[int, str] = dataclasses.field(default_factory=dict)  # position → seed hash

    def positions(self) -> dict[str, int]:
        """Seed file → its article's position in the timeline."""
        return {entry.source: index for index, entry in enumerate(self.timeline)}


def make_plan(
    articles: Sequence[Article], others: dict[str, str], listings: Sequence[Listing]
) -> Plan:
    """The plan of a build."""
    position = {article.slug: index for index, article in enumerate(articles)}
    return Plan(
        [_entry(article) for article in articles],
        others,
        [
            PlannedListing(
                name,
                label,
                tuple(position[article.slug] for article in shown),
                [_encode(part, shown) for part in job],
            )
            for name, label, shown, job in listings
        ],
    )


def dump_plan(plan: Plan) -> bytes:
    return orjson.dumps(
        {
            "timeline": [tuple(entry) for entry in plan.timeline],
            "others": plan.others,
            "listings": [
                [item.name, item.label, item.members, item.template] for item in plan.listings
            ],
        }
    )


def dump_edits(plan: Plan, seeds: dict[int, str]) -> bytes:
    """The seed hashes of the articles patched in since the plan was made (patched
    builds record these, not the whole plan again: 2 MB at 10,000 articles)."""
    return orjson.dumps({str(index): seed for index, seed in {**plan.edited, **seeds}.items()})


def load_plan(data: bytes, edits: bytes | None = None) -> Plan | None:
    """The plan, with the edits patched in since, or None if it cannot be read (it can
    make a build slower, never wrong)."""
    try:
        document = orjson.loads(data)
        edited = {int(index): seed for index, seed in orjson.loads(edits or b"{}").items()}
        timeline = [Entry(*row) for row in document["timeline"]]
        for index, seed in edited.items():
            timeline[index] = timeline[index]._replace(seed=seed)
        plan = Plan(
            timeline,
            dict(document["others"]),
            [
                PlannedListing(name, label, tuple(members), list(template))
                for name, label, members, template in document["listings"]
            ],
            edited,
        )
        size = len(plan.timeline)
        # The shapes the patch relies on, exactly (a bool is an int to min and max).
        valid = (
            all(
                type(entry.source) is type(entry.seed) is type(entry.published) is str
                and type(entry.image) is str
                and (entry.updated is None or type(entry.updated) is str)
                for entry in plan.timeline
            )
            and all(0 <= index < size and type(seed) is str for index, seed in edited.items())
            and all(
                type(item.label) is str
                and all(type(index) is int for index in item.members)
                and (not item.members or 0 <= min(item.members) <= max(item.members) < size)
                for item in plan.listings
            )
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None
    return plan if valid else None


def _entry(article: Article) -> Entry:
    updated = article.updated
    return Entry(
        article.source,
        article.seed,
        article.slug,
        article.published.isoformat(),
        isinstance(article.published.tzinfo, ZoneInfo),
        updated.isoformat() if updated else None,
        isinstance(updated.tzinfo, ZoneInfo) if updated else False,
        article.image_key,
    )


def _moment(text: str | None, zoned: bool, zone: ZoneInfo) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment.astimezone(zone) if zoned else moment


# A job as JSON: its articles (the unit's members) as {"members": 0}, a channel as
# {"channel": [its fields]}; tuples as arrays, turned back into tuples.
def _encode(value: object, members: Sequence[Article]) -> object:
    if value is members:
        return {"members": 0}
    if isinstance(value, Channel):
        fields = [getattr(value, field.name) for field in dataclasses.fields(value)]
        return {"channel": _encode(fields, members)}
    if isinstance(value, tuple | list):
        return [_encode(item, members) for item in value]
    if isinstance(value, Article):
        raise TypeError("an article outside the unit's members")
    return value


def _decode(value: object, members: tuple[Article, ...]) -> object:
    if isinstance(value, dict):
        if "members" in value:
            return members
        fields: tuple[Any, ...] = tuple(_decode(field, members) for field in value["channel"])
        return Channel(*fields)
    if isinstance(value, list):
        return tuple(_decode(item, members) for item in value)
    return value
