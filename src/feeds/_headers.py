"""HTTP headers of the output files: per-path rules, first match wins.

The site's own rules (``headers`` in ``[tool.feeds]``) are tried first, then
``DEFAULT_RULES``; the last default matches everything, so every file gets a
Cache-Control. A rule without ``content_type`` uses ``feeds._media.media_type``.

Defaults, and why:

- HTML, the feeds and API lists change whenever an article is published:
  ``max-age=300``, so a CDN serves a new article within five minutes.
- Article documents (``api/v1/articles/*.json``) rarely change once published:
  an hour, and a day of ``stale-while-revalidate`` to hide origin latency.
- Images under ``media/`` are content-addressed (a replaced picture gets a new
  URL): a year, ``immutable``.
- Schemas sit under the versioned ``api/v1/`` path and only ever gain optional
  fields within a version: a week. Not ``immutable`` for a year, because a
  compatible schema change must still reach clients.
- The JSON API and every ``feed.json`` (site, tags, archives) carry CORS
  (``Access-Control-Allow-Origin: *``) so web apps on any origin can fetch them.

The ``_headers`` file (Netlify, Cloudflare Pages) carries the same headers for
static hosts. Those hosts apply *every* block whose pattern matches a URL and
join a header set twice with a comma (``Access-Control-Allow-Origin: *, *`` is
refused by browsers), so our first-match rules cannot be written as one
overlapping block per rule. ``render_headers_file`` instead groups the built
files by their headers and gives each group the shortest patterns that match
no file of another group: ``/articles/*``, ``/api/v1/articles/*``,
``/tags/*/rss.xml``. The number of blocks follows the site's shape (about
twenty for the defaults), not its size. Content-Encoding is left out: the
files on disk are not compressed; hosts compress on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import PurePosixPath

from feeds._images import MEDIA_ROOT
from feeds._media import media_type
from feeds.models import HeaderRule, quote_path
from feeds.render import API_ROOT, ATOM_PATH, JSON_FEED_PATH, RSS_PATH

Headers = dict[str, str]

SHORT = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_RULES: tuple[HeaderRule, ...] = (
    HeaderRule(glob=f"{MEDIA_ROOT}**", cache_control=IMMUTABLE),
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
HEADERS_PATH = "_headers"  # Netlify / Cloudflare Pages; not uploaded to a bucket
# What the _headers file sets: Content-Encoding is the deploy's business alone.
Group = tuple[tuple[str, str], ...]


def rule_for(path: PurePosixPath | str, rules: Sequence[HeaderRule] = ()) -> HeaderRule:
    """The first rule whose glob matches ``path``: the site's, then the defaults."""
    every_rule = (*rules, *DEFAULT_RULES)
    return every_rule[_first_glob(tuple(rule.glob for rule in every_rule), str(path))]


def _first_glob(globs: tuple[str, ...], path: str) -> int:
    """The index of the first glob that matches ``path`` (the last must match everything)."""
    match = _alternatives(globs).fullmatch(path)
    if match is None or match.lastgroup is None:  # pragma: no cover
        raise AssertionError("the last default rule matches every path")
    return int(match.lastgroup.removeprefix("g"))


@cache
def _alternatives(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for many globs; an alternation tries them in order, so the named
    group ``g<n>`` that took part in a match is the first glob that matches."""
    choices = (f"(?P<g{n}>{glob_pattern(glob).pattern})" for n, glob in enumerate(globs))
    return re.compile("|".join(choices))


def headers_for(path: PurePosixPath | str, rules: Sequence[HeaderRule] = ()) -> Headers:
    """The stored headers of one file: Content-Type, Cache-Control, Content-Encoding."""
    return _headers_of(path, rule_for(path, rules))


def _headers_of(path: PurePosixPath | str, rule: HeaderRule) -> Headers:
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


def static_host_headers(path: PurePosixPath | str, rules: Sequence[HeaderRule] = ()) -> Headers:
    """The headers a static host should send for a file: stored headers and CORS, no encoding."""
    rule = rule_for(path, rules)
    headers = _headers_of(path, rule)
    headers.pop("Content-Encoding", None)
    if rule.cors:
        headers[CORS_HEADER] = "*"
    return headers


def render_headers_file(
    paths: Iterable[str], rules: Sequence[HeaderRule] = (), root: str = "/"
) -> bytes:
    """The ``_headers`` file of a built tree: one block per URL pattern, no two on one file.

    ``root`` is the URL path the site is served under (``base_url``'s path).
    """
    every_rule = (*rules, *DEFAULT_RULES)
    globs = tuple(rule.glob for rule in every_rule)
    # A file's headers follow from its rule and its media type, so they are worked
    # out once per pair; equal headers (of two rules) are one tuple, which 200,000
    # paths share and ``owner`` tells apart by identity.
    distinct: dict[Group, Group] = {}
    shared: dict[tuple[int, str], Group] = {}
    groups = {}
    for path in sorted(paths):
        if path != HEADERS_PATH:
            kind = (_first_glob(globs, path), media_type(path))
            if kind not in shared:
                headers = static_host_headers(path, rules)
                if kind[1].startswith("image/") and not every_rule[kind[0]].content_type:
                    # Every host types an image by its extension: left out, all of
                    # media/ shares one block ("/media/*"), not one a picture.
                    del headers["Content-Type"]
                group = tuple(headers.items())
                shared[kind] = distinct.setdefault(group, group)
            groups[path] = shared[kind]
    owner: dict[str, Group | None] = {}  # pattern → the one group it matches (None: several)
    for path, group in groups.items():
        for pattern in _candidates(path):
            owner[pattern] = group if owner.get(pattern, group) is group else None
    blocks: dict[str, Group] = {}
    for path, group in groups.items():
        safe = (p for p in _candidates(path) if owner[p] is group)
        pattern = next(safe, "/" + path)  # the exact path always is
        blocks[pattern] = group
        if pattern.endswith("/index.html"):  # served at its folder's URL too
            blocks[pattern.removesuffix("index.html")] = group
    lines = ["# Written by feeds from the header rules; edits are overwritten on build."]
    prefix = root.rstrip("/")
    for pattern, group in sorted(blocks.items()):
        # A URL path as requested: a Unicode folder name (a tag's) percent-encoded.
        lines += [
            "",
            prefix + quote_path(pattern),
            *(f"  {name}: {value}" for name, value in group),
        ]
    return ("\n".join(lines) + "\n").encode()


def _candidates(path: str) -> list[str]:
    """URL patterns matching ``path`` and others, broadest first: folders, then name in sub-folders.

    Each pattern matches exactly the paths that list it here, so counting the
    groups per pattern over all paths tells which patterns are safe.
    """
    *parents, name = path.split("/")
    folders = []
    folder = ""
    for part in parents:
        folder += "/" + part
        folders.append(folder)
    return [folder + "/*" for folder in folders] + [f"{f}/*/{name}" for f in folders[:-1]]
