"""The build cache and incremental writes: faster, never different from a clean build."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from feeds.build import _cache, _parallel, _patch, build
from feeds.build import _reading as reading
from feeds.build import _units as units
from feeds.build._cache import cache_path
from feeds.build._reading import read_articles
from feeds.errors import SeedErrors
from tests.conftest import make_site, snapshot, test_site


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def seeds(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    write_corpus(folder, 60, seed=7)
    return folder


def _clean_build(seeds: Path, tmp_path: Path, site=None) -> dict[str, bytes]:
    output = tmp_path / "clean" / "public"
    shutil.rmtree(output.parent, ignore_errors=True)
    build(seeds, output, site or test_site(), use_cache=False)
    return snapshot(output)


def _edit(seeds: Path) -> None:
    path = sorted(seeds.glob("*.txt"))[10]
    path.write_text(path.read_text() + "\nAn added closing paragraph.\n")


def _add(seeds: Path) -> None:
    (seeds / "new.txt").write_text("2026-11-01\nbrand-new-article\n\nFresh news.\n")


def _delete(seeds: Path) -> None:
    sorted(seeds.glob("*.txt"))[3].unlink()


def _rename(seeds: Path) -> None:
    path = sorted(seeds.glob("*.txt"))[5]
    path.rename(seeds / "renamed.txt")


def _same_size_same_mtime(seeds: Path) -> None:
    """An edit that keeps the size and puts the old mtime back (only ctime tells)."""
    path = sorted(seeds.glob("*.txt"))[12]
    before = path.stat()
    text = path.read_text()
    path.write_text(text[:-2] + ("X" if text[-2] != "X" else "Y") + text[-1])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _same_day(seeds: Path) -> None:
    """An article on an existing article's day shifts that day's times."""
    first = sorted(seeds.glob("*.txt"))[0].read_text().split("\n")[0]
    (seeds / "twin.txt").write_text(f"{first}\na-twin-on-the-same-day\n\nTwin.\n")


CHANGES = [_edit, _add, _delete, _rename, _same_day, _same_size_same_mtime]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("trust_new_stats", [False, True])
def test_cached_build_equals_clean_build(seeds, tmp_path, change, trust_new_stats, monkeypatch):
    """After each kind of seed change, the incremental build equals a clean build byte for byte.

    Seeds are known by their stat signature once it is two seconds old; with
    ``trust_new_stats`` it is trusted at once, so the shortcut is what is tested.
    """
    if trust_new_stats:
        monkeypatch.setattr(reading, "_SETTLED_NS", 0)
    output = tmp_path / "public"
    build(seeds, output, test_site())
    change(seeds)
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)


def test_config_change_rebuilds_everything_it_affects(seeds, tmp_path):
    """A new base URL reaches every page and document, as in a clean build."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    moved = make_site(base_url="https://moved.example.net/")
    build(seeds, output, moved)
    assert snapshot(output) == _clean_build(seeds, tmp_path, moved)


@pytest.mark.parametrize("distribution", ["feeds-publisher", "jinja2", "pydantic", "tzdata"])
def test_package_version_change_invalidates_the_cache(seeds, tmp_path, monkeypatch, distribution):
    """A cache written with another version of feeds, or of a library whose output
    ends up in the files (here: templates, schemas, time zone rules), is not trusted."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    before = _cache.build_scope(test_site(), output)
    real = _cache.installed_version
    monkeypatch.setattr(
        _cache, "installed_version", lambda name: "999.0" if name == distribution else real(name)
    )
    assert _cache.build_scope(test_site(), output) != before
    rendered: list[str] = []
    render = units.render_unit
    monkeypatch.setattr(
        units, "render_unit", lambda site, job: rendered.append(job[0]) or render(site, job)
    )
    build(seeds, output, test_site())
    assert "configuration" in rendered and rendered.count("article") == 60, "all rendered afresh"
    assert snapshot(output) == _clean_build(seeds, tmp_path)


def test_a_time_the_clocks_skip_is_the_same_from_the_cache(tmp_path):
    """A local time in a daylight-saving gap (02:30 when New York springs forward) is
    read as the valid time of the same instant, so a cached build matches a clean one."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "gap.txt").write_text("2025-03-09T02:30:00\ngap\n\nBody one.\n")
    (seeds / "after.txt").write_text("2025-03-09T03:10:00\nafter\n\nBody two.\n")
    (seeds / "other.txt").write_text("2025-03-01\nother\n\nBody three.\n")
    site = make_site(timezone="America/New_York")
    output = tmp_path / "public"
    build(seeds, output, site)
    (seeds / "other.txt").write_text("2025-03-01\nother\n\nBody three, edited.\n")
    build(seeds, output, site)
    assert snapshot(output) == _clean_build(seeds, tmp_path, site)
    articles = read_articles(seeds, site).articles
    assert [(a.slug, a.published.isoformat()) for a in articles[:2]] == [
        ("gap", "2025-03-09T03:30:00-04:00"),
        ("after", "2025-03-09T03:10:00-04:00"),
    ]


def test_noop_rebuild_writes_nothing(seeds, tmp_path):
    """Building again with nothing changed leaves every file's bytes, inode and mtime alone."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    before = _stamps(output)
    report = build(seeds, output, test_site())
    assert (report.written, report.deleted) == (0, 0)
    assert _stamps(output) == before


def test_edit_rewrites_only_what_depends_on_the_article(seeds, tmp_path, monkeypatch):
    """Editing the oldest article rewrites its page and document and the lists holding it
    (the first pages: they hold the oldest articles), and its year's entry document,
    where it is the newest; no subscription feed nor the sitemap is even rendered."""
    output = tmp_path / "public"
    site = test_site()  # feed_limit 2, page_size 2, archive_size 100
    oldest = seeds / "oldest.txt"
    oldest.write_text("2014-01-01\nthe-oldest-article\n\nFrom long ago.\n")
    build(seeds, output, site)
    before = _stamps(output)
    oldest.write_text(oldest.read_text() + "\nOne more paragraph.\n")
    rendered: list[str] = []
    render = units.render_unit
    monkeypatch.setattr(
        units,
        "render_unit",
        lambda site, job: rendered.append(job[0] if job[0] != "channel" else job[1].root)
        or render(site, job),
    )
    build(seeds, output, site)
    assert sorted(rendered) == ["archive", "article", "index", "list", "list"], "no feed"
    after = _stamps(output)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {
        "articles/the-oldest-article/index.html",
        "api/v1/articles/the-oldest-article.json",
        "api/v1/pages/1.json",  # its summary's word count
        "api/v1/years/2014/pages/1.json",
        "api/v1/years/2014/index.json",
        "archive/1/rss.xml",  # the archive page holding it, which carries full text
        "archive/1/atom.xml",
        "archive/1/feed.json",
        ".feeds-manifest.json",
    }
    newest = seeds / "newest.txt"
    newest.write_text("2030-01-01\nthe-newest-article\n\nNews.\n")
    rendered.clear()
    build(seeds, output, site, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert "" in rendered, "the site's feeds show the new article"
    assert not [kind for kind in rendered if kind.startswith("tags/")], "no tag feed does"
    assert "sitemap" in rendered


def test_parallel_equals_serial(seeds, tmp_path, monkeypatch):
    """Parsing and rendering in worker processes gives the same bytes as one process."""
    monkeypatch.setattr(_parallel, "PARALLEL_THRESHOLD", 1)
    build(seeds, tmp_path / "parallel", test_site(), use_cache=False, jobs=2)
    build(seeds, tmp_path / "serial", test_site(), use_cache=False, jobs=1)
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")


def test_corrupt_cache_is_ignored(seeds, tmp_path):
    """A cache file that is not a database is replaced, and the build is still right."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    cache_path(output).write_bytes(b"this is not sqlite" * 100)
    _edit(seeds)
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)


def test_output_edited_by_hand_is_repaired_without_cache(seeds, tmp_path):
    """--no-cache compares with the files on disk, so a hand-edited output is put right."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    (output / "rss.xml").write_text("tampered")
    build(seeds, output, test_site(), use_cache=False)
    assert snapshot(output) == _clean_build(seeds, tmp_path)


def test_moving_now_back_unpublishes_what_is_not_due(tmp_path):
    """A preview with a later --now does not leak its scheduled article into a normal build."""
    from datetime import UTC, datetime

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "now.txt").write_text("2025-01-01\ntoday\n\nToday.\n")
    (seeds / "later.txt").write_text("2099-01-01\nlater\n\nLater.\n")
    output = tmp_path / "public"
    build(seeds, output, test_site(), now=datetime(2100, 1, 1, tzinfo=UTC))
    assert build(seeds, output, test_site(), now=datetime(2026, 1, 1, tzinfo=UTC)).articles == 1
    assert not (output / "articles" / "later").exists()


def test_no_cache_build_leaves_no_stale_fingerprint(seeds, tmp_path):
    """After a --no-cache build, reverting a seed is noticed by the next cached build."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    source = sorted(seeds.glob("*.txt"))[0]
    original = source.read_text()
    source.write_text(original + "\nEdited.\n")
    build(seeds, output, test_site(), use_cache=False)
    source.write_text(original)
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)


def test_identical_files_are_two_articles_with_one_slug(seeds, tmp_path):
    """A copy of a cached seed is reported as a duplicate slug, as without the cache."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    source = sorted(seeds.glob("*.txt"))[0]
    (seeds / "copy.txt").write_bytes(source.read_bytes())
    with pytest.raises(SeedErrors, match="2 problems in 2 files"):
        build(seeds, output, test_site())


def test_problems_found_in_worker_processes_are_reported(seeds, tmp_path, monkeypatch):
    """An invalid or unreadable seed parsed in a worker is a problem listed by file, not a crash."""
    monkeypatch.setattr(_parallel, "PARALLEL_THRESHOLD", 1)
    (seeds / "broken.txt").write_text("not a date\nBad Slug\n\nText.\n")
    (seeds / "unreadable.txt").mkdir()  # a folder named like a seed: reading it fails
    with pytest.raises(SeedErrors) as raised:
        build(seeds, tmp_path / "public", test_site(), jobs=2)
    paths = {Path(error.path).name for error in raised.value.errors}
    assert paths == {"broken.txt"}  # a folder is not a seed file: skipped, not read
    assert not (tmp_path / "public").exists()


def test_seed_changed_behind_a_trusted_stat_is_an_error_once(seeds, tmp_path, monkeypatch):
    """If a stat signature lies (a clock stepped back), rendering the article's body
    notices the bytes changed: the build fails naming the file, and the next build
    reads every seed again. (Until a build renders it, such an article stays as it
    was, as a file git's index wrongly trusts does; ``--no-cache`` reads all.)"""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    monkeypatch.setattr(reading, "stat_signature", lambda *args: "always the same")
    build(seeds, output, test_site())  # records the lying signatures
    edited = Path(read_articles(seeds, test_site()).articles[0].source)  # in the feeds
    edited.write_text(edited.read_text() + "\nA paragraph the signature hides.\n")
    (seeds / "visible.txt").write_text("2001-01-01\nan-old-article\n\nA change it sees.\n")
    monkeypatch.setattr(_parallel, "PARALLEL_THRESHOLD", 1)
    with pytest.raises(SeedErrors) as raised:
        build(seeds, output, test_site(), jobs=2)
    assert [Path(error.path).name for error in raised.value.errors] == [edited.name]
    build(seeds, output, test_site())  # the signatures still lie: forgotten, not trusted
    assert snapshot(output) == _clean_build(seeds, tmp_path)


def test_a_folder_that_cannot_be_listed_is_skipped(seeds, tmp_path, monkeypatch):
    """A subfolder the build may not read (lost+found on a mount) does not stop it."""
    (seeds / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert build(seeds, tmp_path / "public", test_site()).articles == 60


def test_a_build_with_nothing_to_do_learns_the_stat_signatures(seeds, tmp_path, monkeypatch):
    """Seeds too new to trust are read again; once settled, even a no-op records them."""
    output = tmp_path / "public"
    build(seeds, output, test_site())  # the seeds were just written: nothing trusted yet
    monkeypatch.setattr(reading, "_SETTLED_NS", 0)
    build(seeds, output, test_site())  # nothing to do, but every signature is learnt
    with closing(sqlite3.connect(cache_path(output))) as db:
        assert db.execute("SELECT count(*) FROM seeds").fetchone() == (60,)


def test_a_parallel_build_learns_the_stat_signatures_in_its_workers(seeds, tmp_path, monkeypatch):
    """Workers stat the files they read: after a clean build in worker processes the
    next build reads no seed at all."""
    monkeypatch.setattr(reading, "_SETTLED_NS", 0)
    monkeypatch.setattr(_parallel, "PARALLEL_THRESHOLD", 1)
    output = tmp_path / "public"
    build(seeds, output, test_site(), jobs=2)
    with closing(sqlite3.connect(cache_path(output))) as db:
        assert db.execute("SELECT count(*) FROM seeds").fetchone() == (60,)
    read: list[str] = []
    real_read_file = reading.read_file
    monkeypatch.setattr(
        reading, "read_file", lambda path: read.append(path) or real_read_file(path)
    )
    (seeds / "new.txt").write_text("2001-01-01\nan-old-article\n\nText.\n")
    build(seeds, output, test_site())
    assert [Path(path).name for path in read] == ["new.txt"]


def test_a_seed_edited_while_it_is_read_is_read_again_next_time(seeds, tmp_path, monkeypatch):
    """The stat signature recorded with a seed's hash is taken before the bytes are
    read: a file edited right after being read never looks unchanged to the next build."""
    monkeypatch.setattr(reading, "_SETTLED_NS", 0)
    site = test_site()
    edited = str(sorted(seeds.glob("*.txt"))[10])
    real_read_file = reading.read_file

    def read_then_edit(path: str) -> bytes:
        data = real_read_file(path)
        if path == edited:
            Path(path).write_bytes(data + b"\nA paragraph written as the build read.\n")
        return data

    monkeypatch.setattr(reading, "read_file", read_then_edit)
    cache = _cache.BuildCache(tmp_path / "cache.sqlite", "scope", site.zone)
    reading.read_all([edited], site, cache, jobs=1)
    cache.save_seed_stats()
    recorded = _cache.BuildCache(tmp_path / "cache.sqlite", "scope", site.zone).seed_stats()
    assert recorded[edited][0] != reading.stat_signature(edited)


def test_the_cache_forgets_what_a_build_no_longer_uses(seeds, tmp_path, monkeypatch):
    """A deleted seed leaves no article, stat signature or rendered unit behind in the cache."""
    monkeypatch.setattr(reading, "_SETTLED_NS", 0)
    output = tmp_path / "public"
    build(seeds, output, test_site())
    gone = sorted(seeds.glob("*.txt"))[3]
    slug = gone.read_text().split("\n")[1]
    gone.unlink()
    build(seeds, output, test_site())
    with closing(sqlite3.connect(cache_path(output))) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (59,)
        paths = {path for (path,) in db.execute("SELECT path FROM seeds")}
        units = {unit for (unit,) in db.execute("SELECT unit FROM renders")}
    assert len(paths) == 59
    assert str(gone) not in paths
    assert f"article:{slug}" not in units
    assert sum(unit.startswith("article:") for unit in units) == 59


def test_archive_pages_render_with_their_articles():
    """An archive page and the articles after it form one job (bodies read once); other
    units go in batches, and an archive page always starts a new job."""
    kinds = ["archive", "article", "article", "archive", "article", "tag", "list", "article"]
    assert units._groups([(kind,) for kind in kinds]) == [[0, 1, 2], [3, 4], [5, 6, 7]]
    batches = units._groups([("list",)] * 120)
    assert [len(batch) for batch in batches] == [50, 50, 20]


def _spy_patches(monkeypatch) -> list[bool]:
    """Whether each build from now on patched the last one in (``feeds.build._plan``)."""
    patched: list[bool] = []
    patch = _patch.patch
    monkeypatch.setattr(_patch, "patch", lambda *args: patched.append(bool(r := patch(*args))) or r)
    return patched


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + f"\n{text}\n")


def test_text_edits_are_patched_in(seeds, tmp_path, monkeypatch):
    """Edits to articles' text re-render only what shows them, from the last build's
    plan; each tree equals a clean build's, the home page's articles included."""
    output = tmp_path / "public"
    (seeds / "_draft.txt").write_text("2026-01-01\na-draft\n\nNot yet.\n")
    (seeds / "newest.txt").write_text("2026-11-01\nthe-newest\n\nNews.\n")
    build(seeds, output, test_site())
    patched = _spy_patches(monkeypatch)
    files = sorted(seeds.glob("0*.txt"))
    original = files[20].read_text()
    edits = [
        [files[20]],  # one article
        [seeds / "newest.txt"],  # on the home page (feed_limit 2)
        [files[3], files[40]],  # two at once
    ]
    for number, paths in enumerate(edits):
        for path in paths:
            _append(path, f"Edit {number}: <b>bold</b> & “quoted”.")
        build(seeds, output, test_site())
        assert snapshot(output) == _clean_build(seeds, tmp_path), paths
    files[20].write_text(original)  # back to bytes the cache knows
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)
    assert patched == [True] * 4


def _with_metadata(line: str):
    """A change that adds a metadata line after the slug."""
    return lambda text: text.replace("\n", "\n" + line + "\n", 2).replace(
        "\n" + line + "\n", "\n", 1
    )


@pytest.mark.parametrize(
    "change",
    [
        _with_metadata("tags: moved"),
        _with_metadata("updated: 2026-01-05"),
        _with_metadata("aliases: an-old-name"),
        _with_metadata("title: Another Title"),
        lambda text: "2014-06-01" + text[text.index("\n") :],
        lambda text: text.split("\n", 1)[0] + "\nanother-slug\n" + text.split("\n", 2)[2],
        lambda text: text + "\n\u0007 a control character\n",
    ],
    ids=[
        "a tag",
        "an update date",
        "an alias",
        "a title",
        "another date",
        "another slug",
        "a problem",
    ],
)
def test_edits_that_move_an_article_take_the_full_path(seeds, tmp_path, monkeypatch, change):
    """An edit that changes where the article appears (or breaks it) is not patched."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    patched = _spy_patches(monkeypatch)
    path = sorted(seeds.glob("*.txt"))[7]
    path.write_text(change(path.read_text()))
    try:
        build(seeds, output, test_site())
    except SeedErrors:
        path.write_text(path.read_text().replace("\u0007", ""))
        build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)
    assert patched[0] is False


@pytest.mark.parametrize(
    "line", ["summary: A summary of its own.", "author: A. Writer"], ids=["summary", "author"]
)
def test_metadata_that_stays_in_place_is_patched_in(seeds, tmp_path, monkeypatch, line):
    """A summary or an author shows only where the article does: patched."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    patched = _spy_patches(monkeypatch)
    path = sorted(seeds.glob("*.txt"))[7]
    path.write_text(_with_metadata(line)(path.read_text()))
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)
    assert patched == [True]


def _killed_before_saving_the_cache(seeds: Path, output: Path, monkeypatch) -> None:
    """A build that wrote the output and was killed before it saved the cache."""
    with monkeypatch.context() as unsaved:
        unsaved.setattr(_cache.BuildCache, "save", lambda *args, **kwargs: None)
        build(seeds, output, test_site())


def test_a_plan_is_used_only_with_the_output_it_describes(seeds, tmp_path, monkeypatch):
    """The cache of a build killed before saving it describes an older output: the
    next build neither patches it nor finds nothing to do."""
    output = tmp_path / "public"
    build(seeds, output, test_site())
    files = sorted(seeds.glob("*.txt"))
    original = files[5].read_text()
    _append(files[5], "First edit.")
    _killed_before_saving_the_cache(seeds, output, monkeypatch)
    patched = _spy_patches(monkeypatch)
    files[5].write_text(original)  # the cache's seeds again, not the output's
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)
    _append(files[5], "First edit.")
    _killed_before_saving_the_cache(seeds, output, monkeypatch)
    files[5].write_text(original)
    _append(files[9], "Second edit.")
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)
    assert patched[0] is patched[-1] is False, "neither build after a kill patched"


def test_compiled_templates_are_kept_and_never_trusted_blindly(seeds, tmp_path):
    """The build cache keeps the templates compiled for the next process; a compiled
    template that is damaged is compiled again, and the pages stay right."""
    from feeds.render import _jinja as html

    output = tmp_path / "public"
    html.forget_environment()  # a new process: nothing compiled yet
    build(seeds, output, test_site())
    kept = list(cache_path(output).with_suffix(".templates").glob("*/*"))
    assert len(kept) >= 3, "article, base and index pages at least"
    for path in kept:
        path.write_bytes(path.read_bytes()[:40] + b"damaged")
    html.forget_environment()
    _edit(seeds)
    build(seeds, output, test_site())
    assert snapshot(output) == _clean_build(seeds, tmp_path)
    html.forget_environment()


def test_recorded_renders_are_looked_up_in_batches_like_one_by_one(tmp_path):
    """Over more units than one query takes: each gets its own files, or None for a unit
    never recorded or recorded with another key; order and repeats kept."""
    path = tmp_path / "cache.sqlite"
    cache = _cache.BuildCache(path, "scope", test_site().zone)
    for number in range(1200):
        cache.remember_render(f"unit:{number}", f"key{number}", {f"{number}.html": "h"})
    cache.save([], None, None)
    units = [(f"unit:{n}", f"key{n}" if n % 7 else "other key") for n in range(1300)]
    units += [units[3], units[1100]]
    cache = _cache.BuildCache(path, "scope", test_site().zone)
    batched = list(cache.rendered_each(units))
    assert batched == [cache.rendered(unit, key) for unit, key in units]
    assert batched[1100] == {"1100.html": "h"} and batched[-1] == batched[1100]
    assert batched[7 * 100] is None and batched[1250] is None
    assert sum(files is not None for files in batched) == 1200 - 1200 // 7 - 1 + 2
    assert (
        list(_cache.BuildCache(None, "scope", test_site().zone).rendered_each(units[:3]))
        == [None] * 3
    )
