"""HTTP headers of the output files: per-path rules, first match wins.

The site's own rules (``headers`` in ``[tool.feeds]``) are tried first, then
``DEFAULT_RULES``; the last default matches everything, so every file gets a
Cache-Control. A rule without ``content_type`` uses ``feeds._media.media_type``.

Defaults, and why (``Cache-Control`` by kind of file):

- Entry points, the newest pages and the feeds change on every publish:
  ``max-age=300``, so a new article reaches readers within five minutes. These
  are the home page, tag pages and tags index, every ``rss.xml``/``atom.xml``/
  ``feed.json`` of a channel, the API's entry documents (``index.json``, each
  tag's and year's), and the newest page of each numbered list (``newest_pages``).
- Full list and archive pages (``api/v1/**/pages/n.json``, ``archive/n/``,
  ``tags/*/archive/n/``) change only when one of their articles does or a newer
  page follows them: a day, and a week of ``stale-while-revalidate``.
- Articles (``articles/*/``, ``api/v1/articles/*.json``) rarely change once
  published: an hour, and a day of ``stale-while-revalidate``.
- Images under ``media/`` are content-addressed (a replaced picture gets a new
  URL): a year, ``immutable``.
- Schemas sit under the versioned ``api/v1/`` path and only ever gain optional
  fields within a version: a week. Not ``immutable`` for a year, because a
  compatible schema change must still reach clients.
- ``style.css`` keeps its URL across upgrades: ``no-cache``, so every page view
  revalidates it (a 304 when unchanged) and a new version is never missed.
- The JSON API and every ``feed.json`` (site, tags, archives) carry CORS
  (``Access-Control-Allow-Origin: *``) so web apps on any origin can fetch them.

Which page of a numbered list is the newest is not in its path: ``headers_for``
takes the set (``newest_pages`` of the whole tree), which a deploy to a bucket
computes from the built tree. A pattern cannot tell it either, so the
``_headers`` file gives every numbered page (of a list or an archive) the short
lifetime.

The ``_headers`` file (Netlify, Cloudflare Pages) carries the same headers for
static hosts. Those hosts apply *every* block whose pattern matches a URL and
join a header set twice with a comma (``Access-Control-Allow-Origin: *, *`` is
refused by browsers), so our first-match rules cannot be written as one
overlapping block per rule. ``render_headers_file`` instead groups the built
files by their headers and gives each group the shortest patterns that match
no file of another group: ``/articles/*``, ``/api/v1/articles/*``,
``/tags/*/rss.xml``. The number of blocks follows the site's shape (about
thirty for the defaults), not its size. Content-Encoding is left out: the
files on disk are not compressed; hosts compress on their own.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from functools import cache
from pathlib import PurePosixPath

from feeds._images import MEDIA_ROOT
from feeds._media import media_type
from feeds.models import HeaderRule, quote_path
from feeds.render import API_ROOT, ARCHIVE_ROOT, JSON_FEED_PATH, TAGS_ROOT

Headers = dict[str, str]

SHORT = "public, max-age=300"
FULL_PAGE = "public, max-age=86400, stale-while-revalidate=604800"
ARTICLE = "public, max-age=3600, stale-while-revalidate=86400"
SCHEMA = "public, max-age=604800"
REVALIDATE = "public, no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_RULES: tuple[HeaderRule, ...] = (
    HeaderRule(glob=f"{MEDIA_ROOT}**", cache_control=IMMUTABLE),
    HeaderRule(glob=f"{API_ROOT}schema/**", cache_control=SCHEMA, cors=True),
    HeaderRule(glob=f"{API_ROOT}articles/**", cache_control=ARTICLE, cors=True),
    HeaderRule(glob=f"{API_ROOT}**/pages/*.json", cache_control=FULL_PAGE, cors=True),
    HeaderRule(glob=f"{API_ROOT}**", cache_control=SHORT, cors=True),
    HeaderRule(glob=f"**/{ARCHIVE_ROOT}*/{JSON_FEED_PATH}", cache_control=FULL_PAGE, cors=True),
    HeaderRule(glob=f"**/{ARCHIVE_ROOT}*/*", cache_control=FULL_PAGE),
    HeaderRule(glob=f"**/{JSON_FEED_PATH}", cache_control=SHORT, cors=True),
    HeaderRule(glob="articles/**", cache_control=ARTICLE),
    HeaderRule(glob="**.css", cache_control=REVALIDATE),
    HeaderRule(glob="**", cache_control=SHORT),
)
# The pages of numbered lists that a newer page may follow: the API's lists and the
# site's archive (a tag's archive has full pages only). Groups: the list, the number.
_NUMBERED = re.compile(
    rf"({API_ROOT}(?:(?:tags|years)/[^/]+/)?pages/|{ARCHIVE_ROOT})(\d+)(?:\.json|/[^/]+)"
)
_TAG_ARCHIVE = re.compile(rf"{TAGS_ROOT}[^/]+/{ARCHIVE_ROOT}\d+/")
CORS_HEADER = "Access-Control-Allow-Origin"
HEADERS_PATH = "_headers"  # Netlify / Cloudflare Pages; not uploaded to a bucket
# What the _headers file sets: Content-Encoding is the deploy's business alone.
Group = tuple[tuple[str, str], ...]


def rule_for(
    path: PurePosixPath | str,
    rules: Sequence[HeaderRule] = (),
    newest: Container[str] = frozenset(),
) -> HeaderRule:
    """The first rule whose glob matches ``path``: the site's, then the defaults, with a
    short lifetime for a default's full page that is in fact a list's ``newest`` page."""
    every_rule = (*rules, *DEFAULT_RULES)
    index = _first_glob(tuple(rule.glob for rule in every_rule), str(path))
    rule = every_rule[index]
    if index >= len(rules) and rule.cache_control == FULL_PAGE and str(path) in newest:
        return rule.model_copy(update={"cache_control": SHORT})
    return rule


def newest_pages(paths: Iterable[str]) -> frozenset[str]:
    """The files of the newest page of each numbered list among ``paths`` (the API's
    lists, the site's archive): the pages a new article changes."""
    found = [
        (path, match[1], int(match[2])) for path in paths if (match := _NUMBERED.fullmatch(path))
    ]
    last: dict[str, int] = {}
    for _, numbered, number in found:
        last[numbered] = max(number, last.get(numbered, 0))
    return frozenset(path for path, numbered, number in found if number == last[numbered])


def numbered_pages(paths: Iterable[str]) -> frozenset[str]:
    """Every file of a numbered page among ``paths``: of the lists ``newest_pages``
    looks at, and of the tags' archives."""
    return frozenset(
        path for path in paths if _NUMBERED.fullmatch(path) or _TAG_ARCHIVE.match(path)
    )


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


def headers_for(
    path: PurePosixPath | str,
    rules: Sequence[HeaderRule] = (),
    newest: Container[str] = frozenset(),
) -> Headers:
    """The stored headers of one file: Content-Type, Cache-Control, Content-Encoding
    (``newest``: the newest pages of the tree, ``newest_pages``)."""
    return _headers_of(path, rule_for(path, rules, newest))


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


def static_host_headers(
    path: PurePosixPath | str,
    rules: Sequence[HeaderRule] = (),
    newest: Container[str] = frozenset(),
) -> Headers:
    """The headers a static host should send for a file: stored headers and CORS, no encoding."""
    rule = rule_for(path, rules, newest)
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
    paths = sorted(paths)
    every_rule = (*rules, *DEFAULT_RULES)
    globs = tuple(rule.glob for rule in every_rule)
    # A pattern cannot tell the newest page of a list from the others: all are short
    # (a tag's archive pages too, or tags/*/rss.xml would match two lifetimes).
    numbered = numbered_pages(paths)
    # A file's headers follow from its rule and its media type, so they are worked
    # out once per pair; equal headers (of two rules) are one tuple, which 200,000
    # paths share and ``owner`` tells apart by identity.
    distinct: dict[Group, Group] = {}
    shared: dict[tuple[int, str, bool], Group] = {}
    groups = {}
    for path in paths:
        if path != HEADERS_PATH:
            kind = (_first_glob(globs, path), media_type(path), path in numbered)
            if kind not in shared:
                headers = static_host_headers(path, rules, numbered)
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
    """URL patterns matching ``path`` and others, broadest first: folders, then name in
    sub-folders; at the root, files named alike (``/sitemap-*``).

    Each pattern matches exactly the paths that list it here, so counting the
    groups per pattern over all paths tells which patterns are safe.
    """
    *parents, name = path.split("/")
    folders = []
    folder = ""
    for part in parents:
        folder += "/" + part
        folders.append(folder)
    alike = [f"/{name.split('-')[0]}-*"] if not parents and "-" in name else []
    return [folder + "/*" for folder in folders] + [f"{f}/*/{name}" for f in folders[:-1]] + alike
