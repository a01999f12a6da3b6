"""Pages in a real browser: headless Chromium renders each title with no console errors,
and a reader finds an old article through the archive.

Skipped where no Chromium is installed (``.ci/run`` installs Debian's). The site
is built from tests/data/seeds and served by ``feeds._serve.make_server``, as
``invoke serve`` does; screenshots go to pytest's tmp_path, never into git.
The live-preview tests run ``feeds serve --watch`` itself and edit the site
while a page is open: they wait with Playwright's own bounded ``expect``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect, sync_playwright

from feeds._serve import make_server
from feeds.build import build
from tests.conftest import DATA, SEEDS, test_site
from tests.preview_support import ARTICLE as PREVIEW_ARTICLE
from tests.preview_support import preview, project

__all__ = ["preview", "project"]  # fixtures: feeds serve --watch in a site folder
WAIT_MS = 60_000  # the longest a rebuild and reload may take on a busy machine

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)"
)

# Accessibility basics, measured in the rendered page.
_AUDIT = """() => ({
    lang: document.documentElement.lang,
    h1: document.querySelectorAll("h1").length,
    main: document.querySelectorAll("main, [role=main]").length,
    imagesWithoutAlt: document.querySelectorAll("img:not([alt])").length,
    imagesNotShown: [...document.images]
        .filter((image) => image.loading !== "lazy" && !(image.complete && image.naturalWidth > 0))
        .map((image) => image.src),
    unlabelledFields: [...document.querySelectorAll("input, select, textarea")]
        .filter((field) => !field.labels.length && !field.getAttribute("aria-label")).length,
})"""


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("browser") / "public"
    build(SEEDS, output, test_site(), use_cache=False, jobs=1)
    return output


def _served(output: Path) -> Iterator[str]:
    """Serve a built ``output`` at the site's root path (/news/: its URLs, as on its
    host); yield that root's URL."""
    root_path = test_site().root_path
    server = make_server(output, port=0, root_path=root_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{root_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def origin(public: Path) -> Iterator[str]:
    yield from _served(public)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


ARTICLE = "script-tags-and-cdata-ends"  # its title has markup characters, shown as text
TITLES = {
    "home": "Test & <Site>",
    "article": "Why <script> & ]]> Must Stay Text",
    "subscribe": "Subscribe to Test & <Site>",
    "archive": "Archive, page 1",
}


def _path(public: Path, kind: str) -> str | None:
    """The URL path of a page of this kind; None when the build has none."""
    if kind == "tag":
        tags = sorted(public.glob("tags/*/index.html"))
        return tags[0].parent.relative_to(public).as_posix() + "/" if tags else None
    pages = {"home": "", "article": f"articles/{ARTICLE}/", "subscribe": "subscribe/"}
    return {**pages, "archive": "archive/1/"}[kind]


def _visit(browser: Browser, url: str, screenshot: Path) -> tuple[Any, list[str]]:
    """Load ``url``; return the page and every console error or uncaught exception."""
    page = browser.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"exception: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    response = page.goto(url, wait_until="load")
    assert response is not None
    assert response.ok, f"{url}: HTTP {response.status}"
    page.screenshot(path=str(screenshot), full_page=True)
    return page, errors


@pytest.mark.parametrize("kind", ["home", "article", "subscribe", "tag", "archive"])
def test_page_renders_without_console_errors(browser, origin, public, tmp_path, kind):
    """The page shows its <h1> title text, with no console error, and passes basic a11y checks."""
    path = _path(public, kind)
    if path is None:
        pytest.skip(f"this build has no {kind} page")
    page, errors = _visit(browser, origin + path, tmp_path / f"{kind}.png")
    heading = page.locator("h1")
    assert heading.is_visible()
    assert heading.inner_text() == TITLES.get(kind, heading.inner_text().strip() or "(empty)")
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"  # CSS loaded
    audit = page.evaluate(_AUDIT)
    assert audit == {
        "lang": test_site().language,
        "h1": 1,
        "main": 1,
        "imagesWithoutAlt": 0,
        "imagesNotShown": [],
        "unlabelledFields": 0,
    }
    page.close()
    assert errors == []


def test_the_lead_image_loads_at_its_size(browser, origin, tmp_path):
    """The article's lead image (tests/data/seeds/media/harbour.jpg) loads from its
    content-addressed URL, at the width and height its attributes give, with no error."""
    page, errors = _visit(browser, origin + f"articles/{ARTICLE}/", tmp_path / "lead.png")
    lead = page.locator("figure.lead img")
    lead.wait_for()
    size = lead.evaluate(
        "(image) => [image.complete, image.naturalWidth, image.naturalHeight,"
        " image.getAttribute('width'), image.getAttribute('height'), image.src]"
    )
    page.close()
    complete, width, height, width_attribute, height_attribute, src = size
    assert complete and width > 0
    assert (str(width), str(height)) == (width_attribute, height_attribute)
    assert "/media/" in src and src.endswith("/harbour.jpg")
    assert errors == []


def test_copy_button_reports_the_copy(browser, origin, tmp_path):
    """On the subscribe page the copy buttons show, and a click reports without errors."""
    page, errors = _visit(browser, origin + "subscribe/", tmp_path / "subscribe.png")
    buttons = page.locator("button[data-copy]")
    assert buttons.count() == 3 * 3  # the site and its two tags, three formats each
    assert buttons.first.is_visible()
    buttons.first.click()
    status = page.locator("#copy-status")
    status.filter(has_text="Copied").or_(status.filter(has_text="selected")).wait_for()
    page.close()
    assert errors == []


def test_not_found_page_is_styled_at_any_depth(browser, origin, tmp_path):
    """A missing URL deep below the root gets the site's 404 page, its stylesheet and
    links found (they are absolute paths from the root)."""
    page = browser.new_page()
    responses: list[tuple[str, int]] = []
    page.on("response", lambda response: responses.append((response.url, response.status)))
    response = page.goto(origin + "no/such/deep/page", wait_until="load")
    assert response is not None and response.status == 404
    page.screenshot(path=str(tmp_path / "404.png"), full_page=True)
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"  # CSS loaded
    home = page.locator("main a").first.get_attribute("href")
    page.close()
    assert [status for url, status in responses if url != response.url] == [200]  # style.css
    assert home == test_site().root_path + "index.html"


def _serve_built(seeds: Path, output: Path) -> Iterator[str]:
    """Build ``seeds`` into ``output`` and serve it; yield the site's root URL."""
    build(seeds, output, test_site(), use_cache=False, jobs=1)
    yield from _served(output)


@pytest.fixture(scope="module")
def languages_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/data/languages (an Arabic and a Chinese article, a Chinese tag), built and served."""
    yield from _serve_built(DATA / "languages", tmp_path_factory.mktemp("languages") / "public")


@pytest.fixture(scope="module")
def rich_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/data/rich (a Markdown article with a lead image and a chart), built and served."""
    yield from _serve_built(DATA / "rich", tmp_path_factory.mktemp("rich") / "public")


_IMAGES = """() => [...document.images].map((image) => ({
    alt: image.alt,
    loaded: image.complete && image.naturalWidth > 0,
    natural: [image.naturalWidth, image.naturalHeight],
    attributes: [Number(image.getAttribute("width")), Number(image.getAttribute("height"))],
    lazy: image.loading === "lazy",
}))"""


def test_a_markdown_article_shows_its_images_and_structure(browser, rich_origin, tmp_path):
    """The Markdown article's lead image and its chart (loaded lazily, once scrolled to)
    load at the sizes their attributes give; its list, quote and table render; no
    console error."""
    page, errors = _visit(browser, rich_origin + "articles/harbour-reopens/", tmp_path / "rich.png")
    page.locator("main img").last.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.images].every((image) => image.complete)")
    images = page.evaluate(_IMAGES)
    structure = page.evaluate(
        """() => ({
            section: document.querySelector("main h3")?.textContent,
            items: document.querySelectorAll("main ul:not(.tags) li").length,
            quote: document.querySelector("main blockquote")?.textContent.trim(),
            rows: document.querySelectorAll("main table tr").length,
            dir: document.documentElement.dir || "ltr",
        })"""
    )
    page.close()
    assert [image["alt"] for image in images] == [
        "Fishing boats moored in the harbour at dusk",
        "Tide levels over the storm week",
    ]
    for image in images:
        assert image["loaded"] and image["natural"] == image["attributes"], image
    assert [image["lazy"] for image in images] == [False, True]
    assert structure == {
        "section": "What changed",
        "items": 3,
        "quote": '"We rebuilt it to last," the harbour master said.',
        "rows": 3,
        "dir": "ltr",
    }
    assert errors == []


_DIRECTION = """() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    headerDir: getComputedStyle(document.querySelector("header")).direction,
    mainDir: getComputedStyle(document.querySelector("main")).direction,
    overflows: document.documentElement.scrollWidth > document.documentElement.clientWidth,
})"""


def test_rtl_article_is_laid_out_right_to_left(browser, languages_origin, tmp_path):
    """The Arabic article's page runs right to left (its header, in the site's language,
    left to right), fits the window and logs no console error."""
    url = languages_origin + "articles/tokyo-summit-in-arabic/"
    page, errors = _visit(browser, url, tmp_path / "rtl.png")
    assert page.locator("h1").inner_text() == "قمة طوكيو تعزز العلاقات"
    assert page.evaluate(_DIRECTION) == {
        "lang": "ar",
        "dir": "rtl",
        "headerDir": "ltr",
        "mainDir": "rtl",
        "overflows": False,
    }
    page.close()
    assert errors == []


def test_unicode_tag_page_loads_at_its_encoded_url(browser, languages_origin, tmp_path):
    """The Chinese tag's page is found by its link from the tags page (a percent-encoded
    URL), with its stylesheet and no console error."""
    page, errors = _visit(browser, languages_origin + "tags/", tmp_path / "tags.png")
    page.get_by_role("link", name="文化").click()
    page.wait_for_load_state("load")
    assert page.url == languages_origin + "tags/%E6%96%87%E5%8C%96/"
    assert page.locator("h1").inner_text() == "Tagged “文化”"
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"  # CSS loaded
    page.close()
    assert errors == []


def test_an_old_article_is_reached_from_the_home_page_through_the_archive(
    browser, origin, tmp_path
):
    """The home page links the archive, whose page lists the articles the home page no
    longer shows; a reader clicks through to one, with no console error on the way."""
    page, errors = _visit(browser, origin, tmp_path / "home.png")
    old = page.get_by_role("link", name="Same Day as the Sample")
    assert old.count() == 0, "not on the home page (feed_limit 2)"
    with page.expect_navigation():
        page.get_by_role("navigation", name="More articles").get_by_role("link").click()
    assert page.locator("h1").inner_text() == "Archive, page 1"
    page.screenshot(path=str(tmp_path / "archive.png"), full_page=True)
    with page.expect_navigation():
        old.click()
    assert page.url == origin + "articles/same-day-as-the-sample/"
    assert page.locator("h1").inner_text() == "Same Day as the Sample"
    assert page.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"  # CSS loaded
    page.close()
    assert errors == []


@pytest.fixture
def watched_page(browser, preview):
    """A page of a ``feeds serve --watch`` preview open in Chromium, its console errors
    collected; closed before the preview stops."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"exception: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(f"console: {message.text}"),
    )
    response = page.goto(f"http://{preview.origin}{PREVIEW_ARTICLE}", wait_until="load")
    assert response is not None and response.ok
    yield page, errors
    page.close()


def test_an_edited_article_shows_without_a_manual_reload(project, watched_page, tmp_path):
    """With the article's page open, saving its seed makes the page show the new text."""
    page, errors = watched_page
    assert page.locator("h1").inner_text() == TITLES["article"]
    seed = project / "seeds" / "escaping.txt"
    seed.write_text(seed.read_text() + "\nA paragraph written while the page was open.\n")
    expect(page.locator("article")).to_contain_text(
        "A paragraph written while the page was open.", timeout=WAIT_MS
    )
    page.screenshot(path=str(tmp_path / "reloaded.png"), full_page=True)
    assert errors == []


def test_a_template_error_shows_over_the_last_good_page(project, watched_page, tmp_path):
    """A broken template shows its file and line over the page, which is still the last
    good build, after a reload too; fixing it reloads the page without the error."""
    page, errors = watched_page
    overlay = page.locator("#feeds-preview-error")
    base = project / "templates" / "base.html"
    base.write_text('{% extends "feeds/base.html" %}\n{% block footer %}{{ site.title }\n')
    expect(overlay).to_contain_text("templates/base.html:2: unexpected '}'", timeout=WAIT_MS)
    page.screenshot(path=str(tmp_path / "error.png"), full_page=True)
    assert page.locator("main h1").inner_text() == TITLES["article"]
    page.reload(wait_until="load")
    expect(overlay).to_contain_text("templates/base.html:2:", timeout=WAIT_MS)
    assert page.locator("main h1").inner_text() == TITLES["article"]
    base.write_text(
        '{% extends "feeds/base.html" %}\n{% block footer %}<p>Fixed footer</p>{% endblock %}\n'
    )
    expect(page.locator("body > p", has_text="Fixed footer")).to_be_visible(timeout=WAIT_MS)
    expect(overlay).to_have_count(0)
    assert errors == []
