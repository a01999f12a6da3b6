"""Lead images end to end: the seed's metadata, the checks on the file (file:line
errors, all at once, nothing written), the published bytes and URL, every output that
shows the image, and incremental builds that copy only changed images."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path, PurePosixPath

import feedparser
import html5lib
import jsonschema
import pytest
from PIL import Image

from feeds import _images
from feeds._headers import headers_for, render_headers_file
from feeds._seeds import parse_seed
from feeds.build import _patch, build
from feeds.build import _reading as reading
from feeds.build import _units as units
from feeds.build._reading import read_articles
from feeds.cli import main
from feeds.errors import SeedErrors
from tests.conftest import SITE_CONFIG, snapshot, test_site
from tests.feedcheck import read_json_feed
from tests.test_strip import SECRET, dangerous_exif, picture, pixels, saved

GPS_IFD = 0x8825


def jpeg(size: tuple[int, int] = (40, 30), orientation: int = 1, shade: int = 0) -> bytes:
    """A JPEG with GPS, serial numbers and an owner's name in its EXIF."""
    image = picture(size)
    if shade:
        image = image.point(lambda value: (value + shade) % 256)
    return saved(image, "JPEG", exif=dangerous_exif(orientation), quality=90)


def seed(slug: str, *metadata: str, date: str = "2025-08-23") -> str:
    return "\n".join([date, slug, *metadata, "", f"The body of {slug}.", ""])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site folder: seeds/ with two articles, one with a lead image, as the cwd."""
    seeds = tmp_path / "seeds"
    (seeds / "media").mkdir(parents=True)
    (seeds / "media" / "summit.jpg").write_bytes(jpeg(orientation=6))
    (seeds / "media" / "other.png").write_bytes(saved(picture(), "PNG"))
    (seeds / "with-image.txt").write_text(
        seed(
            "leaders-meet",
            "tags: politics",
            "image: media/summit.jpg",
            "image_alt: Two leaders shake hands",
            "image_caption: The leaders in Tokyo",
            "image_credit: Photo: Ana Agency",
        )
    )
    (seeds / "plain.txt").write_text(seed("plain-news", "tags: politics", date="2025-08-20"))
    shutil.copy(SITE_CONFIG, tmp_path / "site.toml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*argv: str) -> int:
    return main([*argv, "--config", "site.toml"])


def media_files(output: Path) -> list[str]:
    return sorted(p.relative_to(output).as_posix() for p in (output / "media").rglob("*.*"))


def test_metadata_parses_into_a_lead_image(site):
    """image, image_alt, image_caption, image_credit make the article's lead image."""
    text = seed("x", "image: ../media/a.jpg", "image_alt: A cat", "image_credit: Me")
    article = parse_seed("seeds/sub/x.txt", text.encode(), site)
    assert article.image is not None
    image = article.image
    assert (image.src, image.alt, image.line) == ("../media/a.jpg", "A cat", 3)
    assert (image.caption, image.credit, image.file) == (None, "Me", None)


@pytest.mark.parametrize(
    ("metadata", "line", "message"),
    [
        (["image: a.jpg"], 3, "image has no image_alt"),
        (["image_alt: A cat"], 3, "image_alt describes no image"),
        (["image_caption: x", "image_credit: y"], 4, "image_credit describes no image"),
        (["image: https://example.com/a.jpg", "image_alt: A"], 3, "not a URL"),
        (["image: /etc/passwd", "image_alt: A"], 3, "relative to this file"),
        (["image: media\\a.jpg", "image_alt: A"], 3, "separate the folders with '/'"),
    ],
)
def test_image_metadata_problems_are_errors_at_their_line(site, metadata, line, message):
    """Each metadata problem is a SeedError at its own line."""
    with pytest.raises(SeedErrors) as raised:
        parse_seed("seeds/x.txt", seed("x", *metadata).encode(), site)
    assert any(e.line == line and message in e.message for e in raised.value.errors), raised.value


def test_every_bad_image_is_reported_at_once_and_nothing_is_written(project, capsys):
    """Missing alt, a missing file, a path out of seeds/, SVG, text, an oversized file, a
    link to a picture and a linked folder: each a file:line error, all in one run; the
    output is not written, and nothing of any file's content is printed."""
    seeds = project / "seeds"
    (project / "outside.jpg").write_bytes(jpeg())
    (seeds / "media" / "logo.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (seeds / "media" / "notes.jpg").write_text(f"not a picture: {SECRET.decode()}")
    (seeds / "media" / "huge.jpg").write_bytes(jpeg((400, 300)))
    (seeds / "media" / "link.jpg").symlink_to(seeds / "media" / "summit.jpg")
    (seeds / "linked").symlink_to(seeds / "media")
    cases = {
        "no-alt": ["image: media/summit.jpg"],
        "missing": ["image: media/nope.jpg", "image_alt: A"],
        "outside": ["image: ../outside.jpg", "image_alt: A"],
        "svg": ["image: media/logo.svg", "image_alt: A"],
        "text": ["image: media/notes.jpg", "image_alt: A"],
        "huge": ["image: media/huge.jpg", "image_alt: A"],
        "link": ["image: media/link.jpg", "image_alt: A"],
        "folder-link": ["image: linked/summit.jpg", "image_alt: A"],
    }
    for slug, metadata in cases.items():
        (seeds / f"{slug}.txt").write_text(seed(slug, *metadata))
    with (project / "site.toml").open("a") as config:
        config.write(f"max_image_bytes = {len(jpeg()) + 2000}\n")
    assert run("build") == 1
    err = capsys.readouterr().err
    expected = {
        "no-alt": "image has no image_alt",
        "missing": "no such file (media/nope.jpg below the seeds folder)",
        "outside": "leads out of the seeds folder",
        "svg": "it is SVG, which can carry script",
        "text": "is not a JPEG, PNG, WebP, GIF or AVIF image",
        "huge": "more than max_image_bytes",
        "link": "media/link.jpg is a symbolic link",
        "folder-link": "linked is a symbolic link",
    }
    for slug, message in expected.items():
        line = next(line for line in err.splitlines() if line.startswith(f"seeds/{slug}.txt:"))
        assert line.startswith(f"seeds/{slug}.txt:3: ") and message in line, line
    assert "seeds/linked: is a symbolic link to a folder" in err  # as the seeds' listing says
    count = len(cases) + 1
    assert err.splitlines()[-1] == f"feeds: {count} problems in {count} files"
    assert SECRET.decode() not in err
    assert not (project / "public").exists()


def test_the_published_image_has_no_metadata_and_the_same_pixels(project):
    """The published JPEG has no GPS, serial or owner, and decodes to the same pixels."""
    build(project / "seeds", project / "public", test_site())
    (published,) = media_files(project / "public")
    data = (project / "public" / published).read_bytes()
    source = (project / "seeds" / "media" / "summit.jpg").read_bytes()
    assert SECRET not in data
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {0x0112: 6}
        assert not image.getexif().get_ifd(GPS_IFD)
    assert pixels(data) == pixels(source)
    assert PurePosixPath(published).name == "summit.jpg"


def page(output: Path, path: str):
    return html5lib.parse((output / path).read_bytes(), namespaceHTMLElements=False)


def test_every_consumer_sees_the_image(project, tmp_path):
    """Page (figure, og:image, twitter:card, JSON-LD), home and tag lists (thumbnails),
    RSS and Atom enclosures, JSON Feed image and attachment, and the API documents, which
    validate against their schemas: absolute URLs, the right size, length and type."""
    site = test_site()
    output = project / "public"
    build(project / "seeds", output, site)
    (published,) = media_files(output)
    url = site.url(published)
    length = (output / published).stat().st_size

    article = page(output, "articles/leaders-meet/index.html")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in article.iter("meta")}
    assert meta["og:image"] == url
    assert (meta["og:image:width"], meta["og:image:height"]) == ("30", "40")  # turned
    assert meta["og:image:alt"] == "Two leaders shake hands"
    assert meta["twitter:card"] == "summary_large_image"
    (figure,) = article.iter("figure")
    image = figure.find("img")
    assert image.get("src") == "../../" + published and image.get("loading") is None
    assert (image.get("width"), image.get("height")) == ("30", "40")
    assert "".join(figure.find("figcaption").itertext()) == "The leaders in Tokyo Photo: Ana Agency"
    (script,) = [s for s in article.iter("script") if s.get("type") == "application/ld+json"]
    ld_image = json.loads(script.text)["image"]
    assert (ld_image["url"], ld_image["width"], ld_image["height"]) == (url, 30, 40)
    assert "og:image" not in {
        m.get("property") for m in page(output, "articles/plain-news/index.html").iter("meta")
    }

    for listing in ("index.html", "tags/politics/index.html"):
        thumbs = [i for i in page(output, listing).iter("img") if i.get("class") == "thumb"]
        assert [(t.get("alt"), t.get("width"), t.get("height")) for t in thumbs] == [
            ("Two leaders shake hands", "30", "40")
        ]
        assert (output / listing).parent.joinpath(thumbs[0].get("src")).resolve() == (
            output / published
        ).resolve()

    for name in ("rss.xml", "atom.xml", "tags/politics/rss.xml", "archive/1/atom.xml"):
        parsed = feedparser.parse((output / name).read_bytes())
        assert parsed.bozo == 0
        entry = next(e for e in parsed.entries if "leaders-meet" in e.link)
        assert entry.link == site.url("articles/leaders-meet/")
        (enclosure,) = entry.enclosures
        assert (enclosure.href, int(enclosure.length)) == (url, length)
        assert enclosure.type == "image/jpeg"

    feed = json.loads((output / "feed.json").read_bytes())
    item = next(i for i in feed["items"] if "leaders-meet" in i["url"])
    assert item["image"] == url
    entries = read_json_feed((output / "feed.json").read_bytes(), tmp_path)
    entry = next(e for e in entries if "leaders-meet" in e.link)
    (enclosure,) = entry.enclosures
    assert (enclosure.href, enclosure.length, enclosure.type) == (url, length, "image/jpeg")

    schemas = {
        name: json.loads((output / f"api/v1/schema/{name}.json").read_bytes())
        for name in ("article", "page")
    }
    document = json.loads((output / "api/v1/articles/leaders-meet.json").read_bytes())
    jsonschema.validate(document, schemas["article"])
    expected = {
        "url": url,
        "width": 30,
        "height": 40,
        "type": "image/jpeg",
        "alt": "Two leaders shake hands",
        "caption": "The leaders in Tokyo",
        "credit": "Photo: Ana Agency",
    }
    assert document["image"] == expected
    list_page = json.loads((output / "api/v1/pages/1.json").read_bytes())
    jsonschema.validate(list_page, schemas["page"])
    assert [a["image"] for a in list_page["articles"]] == [expected, None]


def test_images_are_cached_for_a_year_and_typed_for_the_deploy(project):
    """media/ files are immutable for a year, with their image type; _headers gives all
    of media/ one block."""
    headers = headers_for("media/0123456789abcdef/summit.webp")
    assert headers == {
        "Content-Type": "image/webp",
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    paths = [f"media/{n:016x}/p.{ext}" for n, ext in enumerate(["jpg", "png", "avif", "gif"])]
    text = render_headers_file([*paths, "index.html"]).decode()
    assert "/media/*\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    assert text.count("/media/") == 1


def test_a_replaced_photo_gets_a_new_url_and_only_what_shows_it_is_rendered(project, monkeypatch):
    """Replacing the picture's bytes (same name) publishes it at a new URL, deletes the
    old file, and renders only the units that show the article; a rebuild, or a picture
    only touched, writes nothing."""
    monkeypatch.setattr(_images, "_SETTLED_NS", 0)
    monkeypatch.setattr(reading, "_SETTLED_NS", 0)
    output = project / "public"
    site = test_site()
    (project / "seeds" / "other.txt").write_text(
        seed("other-news", "image: media/other.png", "image_alt: A chart", date="2025-08-21")
    )
    build(project / "seeds", output, site)
    (before,) = [p for p in media_files(output) if p.endswith(".jpg")]
    photo = project / "seeds" / "media" / "summit.jpg"
    os.utime(photo)  # touched: same bytes
    assert (build(project / "seeds", output, site).written) == 0
    photo.write_bytes(jpeg(orientation=6, shade=40))
    rendered: list[str] = []
    render = units.render_unit
    monkeypatch.setattr(
        units, "render_unit", lambda s, job: rendered.append(job[0]) or render(s, job)
    )
    report = build(project / "seeds", output, site)
    (after,) = [p for p in media_files(output) if p.endswith(".jpg")]
    assert after != before and not (output / before).exists()
    assert PurePosixPath(after).name == "summit.jpg"
    assert rendered.count("image") == 1 and rendered.count("article") == 1  # not other-news
    assert report.deleted == 1
    assert snapshot(output) == _clean(project, site)
    assert build(project / "seeds", output, site).written == 0


def _clean(project: Path, site) -> dict[str, bytes]:
    clean = project / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(project / "seeds", clean, site, use_cache=False)
    return snapshot(clean)


def test_an_image_changed_within_two_seconds_is_seen(project):
    """A picture replaced right after a build (its stat not yet trusted) is read again."""
    output = project / "public"
    site = test_site()
    build(project / "seeds", output, site)
    (project / "seeds" / "media" / "summit.jpg").write_bytes(jpeg(shade=90))
    build(project / "seeds", output, site)
    assert snapshot(output) == _clean(project, site)


def test_text_edits_of_an_article_with_an_image_are_patched_in(project, monkeypatch):
    """Editing the text or caption of an article with an image patches the last build;
    pointing it at another picture takes the full path; each equals a clean build."""
    output = project / "public"
    site = test_site()
    build(project / "seeds", output, site)
    patched: list[bool] = []
    real = _patch.patch
    monkeypatch.setattr(_patch, "patch", lambda *args: patched.append(bool(r := real(*args))) or r)
    article = project / "seeds" / "with-image.txt"
    article.write_text(article.read_text() + "\nOne more paragraph.\n")
    build(project / "seeds", output, site)
    article.write_text(article.read_text().replace("in Tokyo", "in Tokyo, Japan"))
    build(project / "seeds", output, site)
    assert snapshot(output) == _clean(project, site)
    article.write_text(article.read_text().replace("media/summit.jpg", "media/other.png"))
    build(project / "seeds", output, site)
    assert media_files(output)[0].endswith("/other.png") and len(media_files(output)) == 1
    assert snapshot(output) == _clean(project, site)
    assert patched == [True, True, False]


def test_two_articles_with_one_picture_publish_it_once(project):
    """One file, one URL, however many articles show it."""
    (project / "seeds" / "again.txt").write_text(
        seed("again", "image: media/summit.jpg", "image_alt: The same picture")
    )
    build(project / "seeds", project / "public", test_site())
    assert len(media_files(project / "public")) == 1


def test_an_image_changed_after_it_was_read_fails_the_build_cleanly(project, monkeypatch):
    """A picture that changes between reading and publishing is an error naming it, and
    nothing is written."""

    def change_then_publish(file):
        (Path(file.root) / file.source).write_bytes(jpeg(shade=7))
        return _images.published_bytes(file)

    monkeypatch.setattr(units, "published_bytes", change_then_publish)
    with pytest.raises(SeedErrors, match="changed while the build was running"):
        build(project / "seeds", project / "public", test_site(), use_cache=False)
    assert not (project / "public").exists()


def test_validate_reads_images_and_lists_their_problems(project, capsys):
    """validate checks the images too, and writes nothing."""
    (project / "seeds" / "media" / "summit.jpg").unlink()
    assert run("validate") == 1
    assert "seeds/with-image.txt:4: image: no such file" in capsys.readouterr().err


def test_read_articles_resolves_images_of_drafts_and_scheduled_ones_too(project, site):
    """Drafts and scheduled articles are checked like published ones."""
    (project / "seeds" / "_draft.txt").write_text(
        seed("draft", "image: media/missing.png", "image_alt: A")
    )
    problems = read_articles(Path("seeds"), site).problems
    assert [(p.path, p.line) for p in problems] == [("seeds/_draft.txt", 3)]
