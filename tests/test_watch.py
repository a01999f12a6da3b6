"""``feeds serve --watch`` run as a user runs it: it rebuilds on each change to seeds,
templates, static files or configuration, tells open pages through its events
stream, and keeps serving the last good build when one fails."""

from __future__ import annotations

from tests.preview_support import ARTICLE, Events, preview, project

__all__ = ["preview", "project"]  # fixtures


def test_an_edited_article_is_rebuilt_and_open_pages_told(project, preview):
    """Saving an article rebuilds the site: the page serves the new text and the
    events stream sends the new version of the output."""
    events = Events(preview.origin)
    first = events.next()
    assert first["error"] is None
    seed = project / "seeds" / "escaping.txt"
    seed.write_text(seed.read_text() + "\nA paragraph written while previewing.\n")
    assert events.next()["version"] != first["version"]
    status, page = preview.get(ARTICLE)
    assert status == 200
    assert b"A paragraph written while previewing." in page
    assert b"live.js" not in (project / "public" / ARTICLE[6:] / "index.html").read_bytes()
    preview.printed("changed: seeds/escaping.txt; rebuilding")
    events.close()


def test_a_template_error_is_shown_and_the_last_good_site_kept(project, preview):
    """A broken template: the terminal and the events stream give ``templates/<file>:<line>:``,
    the last good page is still served; fixing it rebuilds and clears the error."""
    events = Events(preview.origin)
    good = events.next()
    _, page_before = preview.get(ARTICLE)
    (project / "templates" / "base.html").write_text(
        '{% extends "feeds/base.html" %}\n{% block footer %}{{ site.title }\n'
    )
    failed = events.next()
    assert (failed["error"] or "").startswith("templates/base.html:2: unexpected '}'")
    assert failed["version"] == good["version"]
    preview.printed("templates/base.html:2: unexpected '}'")
    assert preview.get(ARTICLE) == (200, page_before)
    (project / "templates" / "base.html").write_text(
        '{% extends "feeds/base.html" %}\n{% block footer %}<p>Fixed footer</p>{% endblock %}\n'
    )
    fixed = events.next()
    assert fixed["error"] is None
    assert fixed["version"] != good["version"]
    assert b"<p>Fixed footer</p>" in preview.get(ARTICLE)[1]
    events.close()


def test_static_files_and_configuration_are_watched(project, preview):
    """A new static file is copied in, and an edit to pyproject.toml (the site's title)
    rebuilds every page with it."""
    events = Events(preview.origin)
    events.next()
    (project / "static").mkdir()  # a folder that did not exist when the preview started
    events.next()
    (project / "static" / "logo.svg").write_text("<svg/>")
    events.next()
    assert preview.get("/news/logo.svg") == (200, b"<svg/>")
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('title = "Test & <Site>"', 'title = "Renamed"'))
    events.next()
    assert b"Renamed" in preview.get("/news/")[1]
    events.close()


def test_the_preview_answers_on_localhost_only(preview):
    """By default the preview listens on 127.0.0.1, not on every interface."""
    assert preview.origin.startswith("127.0.0.1:")
