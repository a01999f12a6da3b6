"""HTTP headers of the output files: per-path rules, first match wins.

The site's own rules (``headers`` in ``[tool.feeds]``) are tried first, then
``DEFAULT_RULES``; the last default matches everything, so every file gets a
Cache-Control. A rule without ``content_type`` uses ``feeds._media.media_type``.

Defaults, and why:

- HTML, the feeds and API lists change whenever an article is published:
  ``max-age=300``, so a CDN serves a new article within five minutes.
- Article documents (``api/v1/articles/*.json``) rarely change once published:
  an hour, and a day of ``stale-while-revalidate`` to hide origin latency.
- Schemas sit under the versioned ``api/v1/`` path and only ever gain optional
  fields within a version: a week. Not ``immutable`` for a year, because a
  compatible schema change must still reach clients.
- The JSON API and every ``feed.json`` (site, tags, archives) carry CORS (``Access-Control-Allow-Origin: *``)
  so web apps on any origin can fetch them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import PurePosixPath

from feeds._media import media_type
from feeds.models import HeaderRule
from feeds.render import API_ROOT, ATOM_PATH, JSON_FEED_PATH, RSS_PATH

Headers = dict[str, str]

SHORT = "public, max-age=300"
DEFAULT_RULES: tuple[HeaderRule, ...] = (
    HeaderRule(glob=f"{API_ROOT}schema/**", cache_control="public, max-age=604800", cors=True),
    HeaderRule(
        glob=f"{API_ROOT}articles/**",
        cache_control="public, max-age=3600, stale-while-revalidate=86400",
        cors=True,
    ),
    HeaderRule(glob=f"{API_ROOT}**", cache_control=SHORT, cors=True),
    HeaderRule(glob=f"**/{JSON_FEED_PATH}", cache_control=SHORT, cors=True),
    HeaderRule(glob=RSS_PATH, cache_control=SHORT),
    HeaderRule(glob=ATOM_PATH, cache_control=SHORT),
    HeaderRule(glob="**.css", cache_control="public, max-age=3600"),
    HeaderRule(glob="**", cache_control=SHORT),
)
CORS_HEADER = "Access-Control-Allow-Origin"


def rule_for(path: PurePosixPath, rules: Sequence[HeaderRule] = ()) -> HeaderRule:
    """The first rule whose glob matches ``path``: the site's, then the defaults."""
    for rule in (*rules, *DEFAULT_RULES):
        if glob_pattern(rule.glob).fullmatch(str(path)):
            return rule
    raise AssertionError("the last default rule matches every path")  # pragma: no cover


def headers_for(path: PurePosixPath, rules: Sequence[HeaderRule] = ()) -> Headers:
    """The stored headers of one file: Content-Type, Cache-Control, Content-Encoding."""
    rule = rule_for(path, rules)
    headers = {"Content-Type": rule.content_type or media_type(path)}
    if rule.cache_control:
        headers["Cache-Control"] = rule.cache_control
    if rule.gzip:
        headers["Content-Encoding"] = "gzip"
    return headers


@cache
def glob_pattern(glob: str) -> re.Pattern[str]:
    """A glob as a regex: ``**`` crosses folders, ``*`` and ``?`` stay within one."""
    parts = re.split(r"(\*\*/|\*\*|\*|\?)", glob.lstrip("/"))
    wildcards = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wildcards.get(part, re.escape(part)) for part in parts))
