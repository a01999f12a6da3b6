"""The build cache: parsed articles and rendered article outputs, by content hash.

Shape. One SQLite file beside the output, ``.feeds-cache/<output name>.sqlite``
(git-ignored), with three tables:

- ``seeds``: path → the file's stat signature (size, mtime, ctime, inode) and
  seed hash, as git's index does: a file whose signature is unchanged is not
  read again. Signatures younger than two seconds are never recorded (an edit
  within the file system's time resolution could otherwise go unseen). If a
  body read back for rendering has another hash after all, the build fails
  naming the file and the table is emptied, so the next build reads everything.
- ``articles``: seed file hash → the parsed article without its body (JSON).
  An unchanged seed is never parsed or validated again.
- ``images``: an image file's path below the seeds folder → its stat signature
  ("" when too recent to be trusted: read again next time) and what it is
  published as (``models.ImageFile``): an unchanged image is not read again.
  A build's nothing-to-do check also asks whether each image is unchanged, since
  the seeds' fingerprint cannot tell.
- ``renders``: a unit (``article:<slug>``, ``archive:<n>``, ``feeds:<root>``,
  a list or tag page, ``sitemap``, ``configuration``...; see
  ``units.cacheable_units``) → the key of what its outputs were rendered from,
  the hash of each file, and the templates it was rendered with (each name it
  looked up, with what that name resolved to: ``render._jinja``). An article's
  key is its seed hash, the times the timeline gave it and its lead image's
  published path (``render_key``; the path names the hash of the image's
  bytes); an image's, its file's hash; a page showing many articles is keyed
  by theirs and whatever else it shows (``render.list_key``). If the key
  matches, every template it used resolves as it did, and the output still
  holds those files (the writer's manifest says so), the unit is not rendered
  again: an edited site template re-renders the pages that used it and nothing
  else.

Everything else a render depends on (the versions of feeds, Python and the
libraries that shape the output, the site configuration, the packaged
templates, the output folder it describes) forms the cache's ``scope``; a
cache of another scope is emptied. The site's own templates and static files
(``feeds._theme``) are not in it: their digest is noted with the fingerprint
below, and the renders say which templates they used. After a problem-free build the cache also
notes a fingerprint of every (path, seed hash) and the digest of the site's
templates and static files: if the next build finds both the same and the
output's manifest complete, there is nothing to do;
and the build's plan (``feeds.build._plan``), with which the next build patches an
edit in.
A cache that cannot be read (corrupt, another schema, locked) is deleted and
rebuilt: it can make a build slower, never wrong. ``--no-cache`` skips it and
trusts nothing from earlier builds.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from feeds._distribution import DISTRIBUTION
from feeds.errors import FeedsError, SeedErrors
from feeds.models import Article, LeadImage, Site

SCHEMA = 8  # 7: image files, their paths in render keys, Markdown bodies; 8: renders' templates
_FEW_ROWS = 2_000  # fewer seed hashes than this: their rows are looked up by key
_QUERY_SIZE = 500  # values in one "IN (...)": SQLite allows at least 999
_TABLES = """
CREATE TABLE IF NOT EXISTS seeds (path TEXT PRIMARY KEY, stat TEXT NOT NULL, seed_hash TEXT);
CREATE TABLE IF NOT EXISTS articles (seed_hash TEXT PRIMARY KEY, article BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS renders (
    unit TEXT PRIMARY KEY, key TEXT NOT NULL, files BLOB NOT NULL, templates BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS images (path TEXT PRIMARY KEY, stat TEXT NOT NULL, file BLOB NOT NULL);
"""


def cache_path(output: Path) -> Path:
    """Where the cache of an output folder lives."""
    return output.parent / ".feeds-cache" / f"{output.name}.sqlite"


def make_cache_folder(folder: Path) -> None:
    """Make the folder the cache files live in, ignored by git."""
    folder.mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n")


@contextmanager
def undone_if_refused(output: Path) -> Iterator[None]:
    """Remove every cache file of ``output`` that the block made, if it raises a
    ``FeedsError`` (bad articles, an empty site refused): a refused build leaves
    nothing behind. Files that were there stay; a refused build never writes them.
    """
    folder = cache_path(output).parent
    existed = folder.is_dir()
    before = _cache_files(folder, output.name)
    try:
        yield
    except FeedsError:
        for path in sorted(_cache_files(folder, output.name) - before, reverse=True):
            with suppress(OSError):  # deepest first: a folder after what it holds
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        if not existed:
            with suppress(OSError):
                (folder / ".gitignore").unlink(missing_ok=True)
                folder.rmdir()  # only if nothing else is in it
        raise


def _cache_files(folder: Path, name: str) -> set[Path]:
    """The cache's files and folders for the output called ``name``, at any depth."""
    found: set[Path] = set()
    with suppress(OSError):
        for path in folder.glob(f"{name}.*"):
            found.add(path)
            if path.is_dir() and not path.is_symlink():
                found.update(path.rglob("*"))
    return found


def site_memo_path(output: Path) -> Path:
    """Where a build of an output folder remembers its configuration (``feeds.config``)."""
    return cache_path(output).with_suffix(".site.json")


# Libraries whose output ends up in the files (serialisation, escaping, schemas,
# titles, slugs, time zone rules, text direction): an upgrade of any of them empties the cache.
RENDERING_LIBRARIES = (
    "feedgen",
    "jinja2",
    "langcodes",
    "lxml",
    "cmarkgfm",
    "markupsafe",
    "orjson",
    "pillow",
    "pydantic",
    "pydantic-core",
    "python-slugify",
    "titlecase",
    "tzdata",
)


def build_scope(site: Site, output: Path) -> str:
    """What every cached entry depends on besides its own article.

    The package's own files count as well as its version, so an edited install
    (a developer's, a patched deployment) never reuses stale renders; so do the
    Python and library versions that shape the output.
    """
    package = files("feeds")
    digest = hashlib.sha256()
    digest.update(
        f"schema {SCHEMA}\nfeeds {installed_version(DISTRIBUTION)}\npython {sys.version}\n".encode()
    )
    for library in RENDERING_LIBRARIES:
        digest.update(f"{library} {installed_version(library)}\n".encode())
    digest.update(str(output.resolve()).encode() + b"\n")
    digest.update(site.model_dump_json().encode() + b"\n")
    for folder in (package, *(package.joinpath(name) for name in ("build", "render", "templates"))):
        for item in sorted(folder.iterdir(), key=lambda item: item.name):
            if item.is_file() and not item.name.endswith(".pyc"):
                digest.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def installed_version(distribution: str) -> str:
    """A distribution's version, looked up once a process (the build cache's scope and
    the configuration memo's key both need some)."""
    try:
        return version(distribution)
    except PackageNotFoundError:  # tzdata: not needed where the system has the zones
        return "absent"


# What a problem-free build notes for the next one (``BuildCache.save``): the seeds'
# fingerprint, the newest published time, the next scheduled one, the manifest's
# hash, and (scheduled, drafts).
Clean = tuple[str, datetime | None, datetime | None, str, tuple[int, int]]


def _where_in(query: str, column: str, values: Sequence[str]) -> tuple[str, Sequence[str]]:
    """``query`` for the rows whose ``column`` is one of ``values`` (at most 999), and
    its parameters."""
    return query + f" WHERE {column} IN ({', '.join('?' * len(values))})", values


# A renders row: its key, its files' hashes and its templates' signatures (JSON).
_RenderRow = tuple[str, bytes, bytes]
# The signature a template name resolves to now (``render._jinja.template_signature``).
Signature = Callable[[str], str]


def _recorded(
    row: _RenderRow | None, key: str | None, current: Callable[[bytes], bool]
) -> dict[str, str] | None:
    """A renders row's file hashes, if rendered with ``key`` (any key: ``None``) and
    templates that are ``current``."""
    if row is None or (key is not None and row[0] != key) or not current(row[2]):
        return None
    files = orjson.loads(row[1])
    return files if isinstance(files, dict) else None


def _templates_check(signature: Signature | None) -> Callable[[bytes], bool]:
    """Whether a row's templates resolve as they did (each distinct set checked once;
    ``signature`` None: not checked)."""
    checked: dict[bytes, bool] = {}

    def current(templates: bytes) -> bool:
        if signature is None or templates == _NO_TEMPLATES:
            return True
        if templates not in checked:
            used = orjson.loads(templates)
            checked[templates] = isinstance(used, dict) and all(
                signature(name) == value for name, value in used.items()
            )
        return checked[templates]

    return current


_NO_TEMPLATES = b"{}"


def seeds_fingerprint(seeds: Iterable[tuple[str, str]]) -> str:
    """One hash of every (path, seed hash) pair: equal only if no seed changed."""
    digest = hashlib.sha256()
    for path, seed in sorted(seeds):
        digest.update(f"{path}\0{seed}\n".encode())
    return digest.hexdigest()


def render_key(article: Article) -> str:
    """The key of everything an article's own outputs are rendered from.

    A seed's bytes decide every field (the site configuration is in the scope)
    except the times the timeline made distinct: the key is those and the seed
    hash. An article built in memory, with no seed, is keyed by all its fields.
    """
    if article.seed:
        updated = article.updated.isoformat() if article.updated else None
        return seed_render_key(
            article.seed, article.published.isoformat(), updated, article.image_key
        )
    fields = {
        **_to_row(article),
        "paragraphs": article.paragraphs,
        "image": article.image_key,
        "markdown": article.markdown,
    }
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def seed_render_key(seed: str, published: str, updated: str | None, image: str = "") -> str:
    """``render_key`` of an article read from a seed, from its times in ISO 8601 and
    its lead image's published path ("" without one)."""
    text = f"{seed}\0{published}\0{updated or ''}\0{image}"
    return hashlib.sha256(text.encode()).hexdigest()


class BuildCache:
    """Read and update the cache of one output folder (a no-op when disabled)."""

    def __init__(
        self, path: Path | None, scope: str, zone: ZoneInfo, *, read_only: bool = False
    ) -> None:
        opened = _open_read_only if read_only else _open
        self._db = opened(path, scope) if path is not None else None
        self._zone = zone
        self._articles: dict[str, bytes] = {}
        self._stats: dict[str, tuple[str, str]] = {}
        self._renders: dict[str, tuple[str, dict[str, str], Mapping[str, str]]] = {}
        self._images: dict[str, tuple[str, bytes]] = {}
        self._stored_images: dict[str, tuple[str, bytes]] | None = None
        self._plan: tuple[bytes, bool] | None = None
        # What the tables held when read, so that saving writes only the difference.
        self._stored_stats: dict[str, tuple[str, str]] | None = None
        self._stored_seeds: frozenset[str] | None = None
        self._stored_meta: dict[str, Any] | None = None

    @property
    def enabled(self) -> bool:
        """Whether this build has a cache (``--no-cache`` and ``feeds validate`` have none)."""
        return self._db is not None

    def articles(self, seeds: Sequence[tuple[str, str]]) -> dict[str, Article]:
        """The cached articles of (seed hash, path) pairs, by path, in one query.

        Two files with the same bytes get an article each, with its own path, so
        the duplicate-slug check sees both.
        """
        if self._db is None or not seeds:
            return {}
        paths: dict[str, list[str]] = {}
        for seed, path in seeds:
            paths.setdefault(seed, []).append(path)
        found = {}
        for seed, row in self._article_rows(list(paths)):
            if seed in paths:  # one row at a time: memory stays flat
                for path in paths[seed]:  # each its own fields: one article's are its own
                    found[path] = _from_row(orjson.loads(row), path, seed, self._zone)
        return found

    def _article_rows(self, seeds: list[str]) -> Iterable[tuple[str, bytes]]:
        """The rows of these seed hashes (and maybe others): every row when most
        are wanted (a build's save forgets the rows not in use), else by key."""
        assert self._db is not None
        query = "SELECT seed_hash, article FROM articles"
        if len(seeds) > _FEW_ROWS:
            yield from self._db.execute(query)
            return
        for start in range(0, len(seeds), _QUERY_SIZE):
            yield from self._db.execute(
                *_where_in(query, "seed_hash", seeds[start : start + _QUERY_SIZE])
            )

    def seed_stats(self) -> dict[str, tuple[str, str]]:
        """path → (its stat signature, its hash) as the last build found them."""
        if self._db is None:
            return {}
        if self._stored_stats is None:
            rows = self._db.execute("SELECT path, stat, seed_hash FROM seeds")
            self._stored_stats = {path: (stat, seed) for path, stat, seed in rows}
        return self._stored_stats

    def save_seed_stats(self) -> None:
        """Write the stat signatures learnt, of seeds and images (a build with nothing
        to do saves only these)."""
        if self._db is not None:
            with self._db:
                self._save_stats(self._db)
                self._save_images(self._db, None)
            self._db.close()

    def image_stats(self) -> dict[str, tuple[str, bytes]]:
        """Image path below the seeds → (stat signature, ImageFile as JSON), as the last
        build left them."""
        if self._db is None:
            return {}
        if self._stored_images is None:
            rows = self._db.execute("SELECT path, stat, file FROM images")
            self._stored_images = {path: (stat, file) for path, stat, file in rows}
        return self._stored_images

    def remember_images(self, learned: Mapping[str, tuple[str, bytes]]) -> None:
        """Record image files read (saved by ``save`` or ``save_seed_stats``)."""
        self._images.update(learned)

    def _save_images(self, db: sqlite3.Connection, in_use: Iterable[str] | None) -> None:
        stored = self.image_stats()
        db.executemany(
            "INSERT OR REPLACE INTO images VALUES (?, ?, ?)",
            ((path, *row) for path, row in self._images.items() if stored.get(path) != row),
        )
        if in_use is not None:
            unused = stored.keys() - self._images.keys() - set(in_use)
            db.executemany("DELETE FROM images WHERE path = ?", _rows(unused))

    def _save_stats(self, db: sqlite3.Connection) -> None:
        stored = self.seed_stats()
        gone = [(path,) for path in stored if path not in self._stats]
        db.executemany("DELETE FROM seeds WHERE path = ?", gone)
        db.executemany(
            "INSERT OR REPLACE INTO seeds VALUES (?, ?, ?)",
            ((path, *row) for path, row in self._stats.items() if stored.get(path) != row),
        )

    def forget_seed_stats(self) -> None:
        """Trust no stat signature next time (a seed changed behind one)."""
        if self._db is not None:
            with self._db:
                self._db.execute("DELETE FROM seeds")
            self._stored_stats = {}

    @contextmanager
    def reading_bodies_back(self) -> Iterator[None]:
        """Around rendering, which reads each body back from its seed (``with_body``):
        if a seed changed since it was read, trust no stat signature next time."""
        try:
            yield
        except SeedErrors:
            self.forget_seed_stats()
            raise

    def remember_stat(self, path: str, stat: str, seed: str) -> None:
        """Record that the file at ``path`` with this stat signature holds seed ``seed``."""
        self._stats[path] = (stat, seed)

    def seeds(self) -> frozenset[str]:
        """The seed hashes the cache holds an article for."""
        if self._db is None:
            return frozenset()
        if self._stored_seeds is None:
            rows = self._db.execute("SELECT seed_hash FROM articles")
            self._stored_seeds = frozenset(seed for (seed,) in rows)
        return self._stored_seeds

    def rendered(self, unit: str, key: str | None = None) -> dict[str, str] | None:
        """The file hashes recorded for a unit's outputs, if rendered with this key
        (any key: ``None``)."""
        return next(self.rendered_each([(unit, key)]))

    def rendered_each(
        self, units: Sequence[tuple[str, str | None]], templates: Signature | None = None
    ) -> Iterator[dict[str, str] | None]:
        """``rendered(unit, key)`` of each pair in turn, 500 units a query (not one
        query each: a build of 10,000 articles checks 11,000 units); with
        ``templates``, only units whose templates resolve as they did."""
        current = _templates_check(templates)
        for start in range(0, len(units), _QUERY_SIZE):
            chunk = units[start : start + _QUERY_SIZE]
            rows: dict[str, _RenderRow] = {}
            if self._db is not None:
                query = "SELECT unit, key, files, templates FROM renders"
                found = self._db.execute(*_where_in(query, "unit", [unit for unit, _ in chunk]))
                rows = {unit: (key, files, used) for unit, key, files, used in found}
            for unit, key in chunk:
                yield _recorded(rows.get(unit), key, current)

    def plan(self) -> tuple[bytes, bytes | None] | None:
        """The layout the last problem-free full build recorded and the edits patched
        in since (``feeds.build._plan``)."""
        if self._db is None:
            return None
        rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key LIKE 'plan%'"))
        plan, edits = rows.get("plan"), rows.get("plan-edits")
        if not isinstance(plan, bytes) or not isinstance(edits, bytes | None):
            return None
        return plan, edits

    def remember_plan(self, plan: bytes, *, edits: bool = False) -> None:
        """Record this build's layout, or (``edits``) what it patched into the last
        one (saved by ``save``, with a clean build only)."""
        self._plan = (plan, edits)

    def last_manifest(self) -> str | None:
        """The hash of the manifest the last problem-free build wrote: its records
        describe that output, not one a build killed before saving them left."""
        return self._meta().get("manifest")

    def unchanged_since_last_build(self, fingerprint: str, now: datetime) -> bool:
        """Whether the last problem-free build saw these seeds and would publish the same ones.

        It would if ``now`` lies between its newest published article and the next
        scheduled one (``now`` may also move back, as with ``--now``).
        """
        return self.last_fingerprint() == fingerprint and self.same_articles_due(now)

    def last_fingerprint(self) -> str | None:
        """The seeds' fingerprint after the last problem-free build."""
        return self._meta().get("fingerprint")

    def same_articles_due(self, now: datetime) -> bool:
        """Whether ``now`` publishes what the last problem-free build published:
        it lies between its newest article and the next scheduled one."""
        window = self.publishing_window()
        if window is None:
            return False
        start, due = window
        return (start is None or start <= now) and (due is None or now < due)

    def publishing_window(self) -> tuple[datetime | None, datetime | None] | None:
        """(newest published, next scheduled) of the last problem-free build."""
        rows = self._meta()
        if "fingerprint" not in rows:
            return None
        start, due = rows.get("published_until"), rows.get("next_due")
        return (
            datetime.fromisoformat(start) if start else None,
            datetime.fromisoformat(due) if due else None,
        )

    def held_back(self) -> tuple[int, int]:
        """(scheduled articles, drafts) of the last problem-free build: (0, 0) if unknown."""
        try:
            scheduled, drafts = map(int, str(self._meta().get("held_back", "0 0")).split())
        except ValueError:
            return 0, 0
        return scheduled, drafts

    def _meta(self) -> dict[str, Any]:
        """What the last build noted (read once: only ``save`` writes it, and closes)."""
        if self._db is None:
            return {}
        if self._stored_meta is None:
            query = "SELECT key, value FROM meta WHERE key NOT LIKE 'plan%'"
            self._stored_meta = dict(self._db.execute(query))
        return self._stored_meta

    def remember_article(self, seed: str, article: Article) -> None:
        """Record a freshly parsed article (saved by ``save``; serialised now, so the
        build does not hold two versions of it once the timeline adjusts its times)."""
        if self._db is not None:
            # A copy of the exact size: orjson's result keeps its whole 4 or 8 KB buffer
            # (it grows with the number of keys), 40 to 80 MB held at 10,000 articles.
            self._articles[seed] = memoryview(orjson.dumps(_to_row(article))).tobytes()

    def remember_render(
        self,
        unit: str,
        key: str,
        file_digests: Mapping[str, str],
        templates: Mapping[str, str] | None = None,
    ) -> None:
        """Record a unit's freshly rendered outputs (saved by ``save``), and the
        templates it used: name → signature."""
        self._renders[unit] = (key, dict(file_digests), templates or {})

    def last_theme(self) -> str | None:
        """The digest of the site's templates and static files at the last
        problem-free build (``feeds._theme.Theme.digest``)."""
        return self._meta().get("theme")

    def save(
        self,
        seeds_in_use: Iterable[str],
        units_in_use: Iterable[str] | None,
        clean: Clean | None,
        images_in_use: Iterable[str] | None = None,
        theme: str = "",
    ) -> None:
        """Write what was learnt and forget entries no longer in use.

        ``clean``: after a problem-free build, the seeds' fingerprint, the newest
        published article's time, the next scheduled one's, the hash of the
        manifest written and how many articles were held back (scheduled,
        drafts), for the next build's nothing-to-do check, patch and summary,
        which also need the same ``theme`` (``Theme.digest``).
        ``units_in_use`` None: every unit recorded still is (a patched build); so with
        ``images_in_use`` None: every image recorded still is.
        """
        if self._db is None:
            return
        with self._db:
            self._db.execute(
                "DELETE FROM meta WHERE key IN ('fingerprint', 'published_until', 'next_due', "
                "'manifest', 'plan-edits', 'held_back', 'theme')"
            )
            if clean is None or self._plan is None or not self._plan[1]:
                self._db.execute("DELETE FROM meta WHERE key = 'plan'")  # kept if patched
            if clean is not None:
                fingerprint, start, due, manifest, (scheduled, drafts) = clean
                self._db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("fingerprint", fingerprint),
                        ("published_until", start.isoformat() if start else ""),
                        ("next_due", due.isoformat() if due else ""),
                        ("manifest", manifest),
                        ("held_back", f"{scheduled} {drafts}"),
                        ("theme", theme),
                    ],
                )
                if self._plan is not None:
                    key = "plan-edits" if self._plan[1] else "plan"
                    self._db.execute("INSERT INTO meta VALUES (?, ?)", (key, self._plan[0]))
            self._save_stats(self._db)
            self._save_images(self._db, images_in_use)
            self._db.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?, ?)",
                self._articles.items(),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO renders VALUES (?, ?, ?, ?)",
                (
                    (unit, key, orjson.dumps(d), orjson.dumps(used, option=orjson.OPT_SORT_KEYS))
                    for unit, (key, d, used) in self._renders.items()
                ),
            )
            unused_seeds = self.seeds() - set(seeds_in_use)
            self._db.executemany("DELETE FROM articles WHERE seed_hash = ?", _rows(unused_seeds))
            if units_in_use is not None:
                stored = {unit for (unit,) in self._db.execute("SELECT unit FROM renders")}
                unused_units = stored - set(units_in_use)
                self._db.executemany("DELETE FROM renders WHERE unit = ?", _rows(unused_units))
        self._db.close()


def _open_read_only(path: Path, scope: str) -> sqlite3.Connection | None:
    """The cache as the last build left it, for reading only (``feeds validate``); None
    where there is none, or one of another scope. Nothing is created or written."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        row = db.execute("SELECT value FROM meta WHERE key = 'scope'").fetchone()
    except sqlite3.Error:
        return None
    if row is None or row[0] != scope:
        db.close()
        return None
    return db


def _open(path: Path, scope: str) -> sqlite3.Connection | None:
    try:
        return _connect(path, scope)
    except sqlite3.Error:
        path.unlink(missing_ok=True)
    try:
        return _connect(path, scope)
    except sqlite3.Error:
        return None  # no cache this time: slower, still right


def _connect(path: Path, scope: str) -> sqlite3.Connection:
    make_cache_folder(path.parent)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = db.execute("SELECT value FROM meta WHERE key = 'scope'").fetchone()
    if row is None or row[0] != scope:  # another version, site or layout: start afresh
        with db:
            db.execute("DROP TABLE IF EXISTS seeds")
            db.execute("DROP TABLE IF EXISTS articles")
            db.execute("DROP TABLE IF EXISTS renders")
            db.execute("DROP TABLE IF EXISTS images")
            db.execute("DELETE FROM meta")
            db.execute("INSERT INTO meta VALUES ('scope', ?)", (scope,))
    db.executescript(_TABLES)
    return db


def _rows(keys: Iterable[str]) -> list[tuple[str]]:
    return [(key,) for key in sorted(keys)]


_DATES = ("published", "updated")


def _to_row(article: Article) -> dict[str, Any]:
    """An article without its body (the seed file holds that) and its images' files
    (read again: the seed does not decide them), as JSON values."""
    row = article.model_dump(
        mode="json", exclude={"paragraphs": True, "image": {"file"}, "body_images": True}
    )
    row["body_line"] = article.body_line
    # Dates read without an offset carry the site's zone (DST rules and all);
    # JSON keeps only the offset, so note which ones to put back in the zone.
    row["zoned"] = [name for name in _DATES if isinstance(_tz(getattr(article, name)), ZoneInfo)]
    return row


def _tz(moment: datetime | None) -> object:
    return moment.tzinfo if moment else None


def _from_row(fields: dict[str, Any], source: str, seed: str, zone: ZoneInfo) -> Article:
    """Rebuild a cached article without validating it again (it was valid when stored).

    ``fields`` (a row just decoded) becomes the article's own: a build makes
    tens of thousands of these, so it is not copied.
    """
    zoned = fields.pop("zoned")
    for name in _DATES:
        if fields[name] is not None:
            moment = datetime.fromisoformat(fields[name])
            fields[name] = moment.astimezone(zone) if name in zoned else moment
    fields["tags"] = tuple(fields["tags"])  # JSON arrays back to the model's tuples
    fields["aliases"] = tuple(fields["aliases"])
    if fields["image"] is not None:
        fields["image"] = LeadImage.model_construct(**fields["image"])
    fields["links"] = tuple(map(tuple, fields["links"]))
    fields["images"] = tuple(map(tuple, fields["images"]))
    fields["body_images"] = ()  # their files are read again (``feeds._images``)
    fields["paragraphs"] = ()
    fields["markdown"] = ""
    fields["source"] = source
    fields["seed"] = seed
    return Article.trusted(fields)
