"""A site's own look: templates/ overriding and extending the packaged templates,
static/ copied as it is, their problems reported as ``path:line:``, and the
build cache re-rendering exactly what an edit to either changes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from feeds.build import _units as units
from feeds.build import build
from feeds.cli import main
from feeds.errors import ThemeErrors
from feeds.render import _jinja
from tests.conftest import SEEDS, SITE_CONFIG, make_site, snapshot

ARTICLE = "articles/script-tags-and-cdata-ends/index.html"
SECRET = "root:x:0:0:a secret outside the site"
PAGES = ("index.html", ARTICLE, "subscribe/index.html", "404.html", "tags/index.html")
FOOTER = """{% extends "feeds/base.html" %}
{% block extra_head %}
<link rel="stylesheet" href="{{ root }}css/extra.css">{% endblock %}
{% block footer %}<footer><p>Our own footer for {{ site.title }}</p></footer>{% endblock %}
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A site folder as the working directory: the test seeds and configuration, and
    empty templates/ and static/ folders (as ``feeds init`` makes them)."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copy(SITE_CONFIG, tmp_path / "site.toml")
    for folder in ("templates", "static"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "README.md").write_text(f"What {folder}/ is for.\n")
    (tmp_path / "secret.txt").write_text(SECRET)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*argv: str) -> int:
    return main([*argv, "--config", "site.toml"])


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def page(project: Path, path: str) -> str:
    return (project / "public" / path).read_text()


def test_empty_folders_with_their_readmes_change_nothing(project):
    """templates/ and static/ holding only their README.md build the packaged site."""
    assert run("build") == 0
    shutil.rmtree(project / "templates")
    shutil.rmtree(project / "static")
    assert run("build", "--output", "plain") == 0
    assert snapshot(project / "public") == snapshot(project / "plain")
    assert not (project / "public" / "README.md").exists()


def test_an_override_replaces_the_packaged_template(project):
    """templates/tags.html is what the tags page shows; other pages keep the packaged look."""
    write(project / "templates/tags.html", "<p>{{ tags | length }} tags on {{ site.title }}</p>\n")
    assert run("build") == 0
    assert page(project, "tags/index.html") == "<p>2 tags on Test &amp; &lt;Site&gt;</p>\n"
    assert "Skip to content" in page(project, "index.html")


def test_an_override_extends_the_packaged_template_and_changes_one_block(project):
    """A base.html that extends feeds/base.html and replaces the footer changes it on
    every page, which keep the packaged header, content and stylesheet."""
    write(project / "templates/base.html", FOOTER)
    assert run("build") == 0
    for path in PAGES:
        html = page(project, path)
        assert "Our own footer for Test &amp; &lt;Site&gt;" in html, path
        assert "css/extra.css" in html, path
        assert "Skip to content" in html, path  # the packaged header
        assert html.count("<footer>") == 1, path
    assert "Why &lt;script&gt; &amp; ]]&gt; Must Stay Text" in page(project, ARTICLE)


def test_templates_include_the_sites_own_partials(project):
    """An article.html override extends the packaged one and includes a partial of its own."""
    write(
        project / "templates/article.html",
        '{% extends "feeds/article.html" %}\n'
        '{% block main %}{{ super() }}{% include "partials/byline.html" %}{% endblock %}\n',
    )
    write(
        project / "templates/partials/byline.html", "<p class=byline>{{ when.published_day }}</p>"
    )
    assert run("build") == 0
    assert "<p class=byline>" in page(project, ARTICLE)
    assert "<p class=byline>" not in page(project, "index.html")


def test_static_files_are_copied_as_they_are(project):
    """static/ files land in the output byte for byte, folders and .well-known/ included;
    its README.md and hidden files do not."""
    logo = bytes(range(256))
    (project / "static/logo.png").write_bytes(logo)
    write(project / "static/css/extra.css", "body { color: navy }\n")
    write(project / "static/.well-known/security.txt", "Contact: mailto:desk@example.org\n")
    write(project / "static/.gitkeep", "")
    assert run("build") == 0
    public = project / "public"
    assert (public / "logo.png").read_bytes() == logo
    assert (public / "css/extra.css").read_text() == "body { color: navy }\n"
    assert (public / ".well-known/security.txt").is_file()
    assert not (public / ".gitkeep").exists()
    assert not (public / "README.md").exists()
    assert "\n/news/logo.png\n  Cache-Control: " in (public / "_headers").read_text()


def test_a_static_file_over_a_built_file_is_an_error_naming_both(project, capsys):
    """static/style.css would replace the built stylesheet: exit 2, both named, and the
    last build's output stays as it was."""
    assert run("build") == 0
    before = snapshot(project / "public")
    write(project / "static/style.css", "body { color: red }\n")
    write(project / "static/articles/script-tags-and-cdata-ends/index.html", "<p>mine</p>")
    capsys.readouterr()
    assert run("build") == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(
        "static/articles/script-tags-and-cdata-ends/index.html: the build writes "
        "articles/script-tags-and-cdata-ends/index.html too"
    )
    assert err[1].startswith("static/style.css: the build writes style.css too")
    assert err[2] == "feeds: 2 problems in the site's templates or static files"
    assert snapshot(project / "public") == before


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("templates/base.html", "../secret.txt"),
        ("templates/partials", ".."),
        ("static/leak.txt", "../secret.txt"),
        ("static/folder", "../seeds"),
        ("static/deeper/inside.css", "../../templates/README.md"),
    ],
)
def test_links_are_refused_by_name_and_never_read(project, capsys, link, target):
    """A template or static file that is a symbolic link, or a link to a folder, is an
    error naming the link (never its target's content), before anything is written."""
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(target)
    assert run("build") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{link}: is a symbolic link")
    assert SECRET not in err
    assert not (project / "public").exists()
    assert not (project / ".public.lock").exists(), "refused before the output was locked"


def test_a_fifo_in_static_is_refused_without_opening_it(project, capsys):
    """A FIFO in static/ is an error naming it; the build does not hang on it."""
    os.mkfifo(project / "static" / "pipe.css")
    assert run("build") == 2
    assert capsys.readouterr().err.startswith("static/pipe.css: is a FIFO (named pipe)")


BROKEN = [
    (
        "base.html",
        '{% extends "feeds/base.html" %}\n{% block footer %}{{ site.title }\n',
        2,
        "unexpected '}'",
    ),
    (
        "article.html",
        '{% extends "feeds/article.html" %}\n{% block main %}\n{{ artcle.title }}{% endblock %}',
        3,
        "'artcle' is undefined",
    ),
    ("base.html", '{% extends "base.html" %}\n', 1, 'write {% extends "feeds/base.html" %}'),
    (
        "index.html",
        '{% extends "feeds/index.html" %}\n{% block main %}{% include "nav.html" %}{% endblock %}',
        2,
        "no template named 'nav.html'",
    ),
    ("tags.html", "<p>\n{{ tags | length + 'x' }}</p>", 2, "TypeError: unsupported operand"),
    ("404.html", "{{ site.title | no_such_filter }}", 1, "No filter named 'no_such_filter'"),
    (
        "chrome.html",
        '{% import "feeds/chrome.html" as packaged %}\n'
        "{% macro alternates(links) %}{{ packaged.alternates(links) }}{% endmacro %}\n"
        "{% macro header(site, root, feeds, marks) %}<header>mine</header>{% endmacro %}",
        0,
        "defines no macro footer(site, marks)",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), BROKEN)
def test_a_template_error_names_file_and_line_and_changes_nothing(
    project, capsys, name, text, line, message
):
    """A template that does not compile or fails as it renders: ``templates/<file>:<line>:``
    and the problem, exit 2, the last good output untouched and no staging left."""
    assert run("build") == 0
    before = snapshot(project / "public")
    write(project / "templates" / name, text)
    capsys.readouterr()
    assert run("build") == 2
    problem, summary = capsys.readouterr().err.splitlines()
    where = f"templates/{name}:{line}: " if line else f"templates/{name}: "
    assert problem.startswith(where)
    assert message in problem
    assert summary == "feeds: 1 problem in the site's templates or static files"
    assert snapshot(project / "public") == before
    assert [p.name for p in project.iterdir() if p.name.endswith(".tmp")] == []


def test_template_problems_are_all_reported_at_once_and_by_validate(project, capsys):
    """validate finds every template that does not compile, as build does, and writes nothing."""
    write(project / "templates/base.html", "{% block %}")
    write(project / "templates/tags.html", "{{ x }")
    assert run("validate") == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err[:2]] == [
        "templates/base.html",
        "templates/tags.html",
    ]
    assert not (project / "public").exists()


def test_a_configured_folder_must_exist(project, capsys):
    """templates = "theme/" that is no folder is a configuration error naming the key."""
    with (project / "site.toml").open("a") as config:
        config.write('templates = "theme"\n')
    assert run("build") == 2
    assert "templates: 'theme' is not a folder" in capsys.readouterr().err


def test_the_feeds_prefix_is_kept_for_the_packaged_templates(project, capsys):
    """A site's templates/feeds/ folder would hide the packaged templates: an error."""
    write(project / "templates/feeds/base.html", "x")
    assert run("build") == 2
    assert capsys.readouterr().err.startswith("templates/feeds/base.html: the name feeds/ is kept")


# The render unit kinds a build renders, for the measurements below.
def _recording(monkeypatch) -> list[str]:
    rendered: list[str] = []
    render = units.render_unit
    monkeypatch.setattr(
        units, "render_unit", lambda site, job: rendered.append(job[0]) or render(site, job)
    )
    return rendered


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _changed(before: dict[str, tuple[int, int]], folder: Path) -> set[str]:
    after = _stamps(folder)
    return {name for name in after if after[name] != before.get(name)} - {".feeds-manifest.json"}


def test_an_edited_template_rerenders_only_the_pages_that_use_it(tmp_path, monkeypatch):
    """Measured on 60 articles: editing article.html renders the article units alone,
    index.html the list pages alone (tags, archives), base.html every page (no feed, API list or
    sitemap); the files written are the pages that look different; each build
    equals a clean one."""
    seeds, templates, output = tmp_path / "seeds", tmp_path / "templates", tmp_path / "public"
    write_corpus(seeds, 60, seed=7)
    templates.mkdir()
    site = make_site(templates=str(templates))
    build(seeds, output, site)
    rendered = _recording(monkeypatch)
    tag_pages = {
        f"{p.parent.relative_to(output)}/index.html" for p in output.glob("tags/*/rss.xml")
    }
    article_pages = {str(p.relative_to(output)) for p in output.glob("articles/*/index.html")}
    archive_pages = {str(p.relative_to(output)) for p in output.glob("archive/*/index.html")}
    tag_archive_pages = {
        str(p.relative_to(output)) for p in output.glob("tags/*/archive/*/index.html")
    }

    edits = [
        (
            "article.html",
            '{% extends "feeds/article.html" %}{% block title %}A: '
            "{{ article.title }}{% endblock %}",
            {"article": 60},
            article_pages,
        ),
        (
            "index.html",
            '{% extends "feeds/index.html" %}{% block title %}I: {{ page_title }}{% endblock %}',
            {
                "tag": len(tag_pages),
                "archive": len(archive_pages),
                "tag-archive": len(tag_archive_pages),
            },
            tag_pages | archive_pages | tag_archive_pages | {"index.html"},
        ),
    ]
    for name, text, kinds, pages in edits:
        before = _stamps(output)
        rendered.clear()
        write(templates / name, text)
        build(seeds, output, site)
        assert {kind: rendered.count(kind) for kind in set(rendered)} == kinds, name
        assert _changed(before, output) == pages, name
    before = _stamps(output)
    rendered.clear()
    write(templates / "base.html", FOOTER)
    build(seeds, output, site)
    every_page = {"article", "tag", "archive", "tag-archive", "configuration"}
    assert set(rendered) == every_page, "every page, no feed"
    assert len(rendered) == 60 + len(tag_pages) + len(archive_pages) + len(tag_archive_pages) + 1
    assert {path for path in _changed(before, output) if not path.endswith(".html")} == set()
    before = _stamps(output)
    rendered.clear()
    (templates / "article.html").unlink()  # back to the packaged article page
    build(seeds, output, site)
    assert set(rendered) == {"article"}
    clean = tmp_path / "clean"
    build(seeds, clean, site, use_cache=False)
    assert snapshot(output) == snapshot(clean)


def test_an_edited_static_file_is_copied_alone(tmp_path, monkeypatch):
    """Editing one static file renders no page and writes that file alone; adding one
    writes it (and _headers, which lists every path)."""
    seeds, static, output = tmp_path / "seeds", tmp_path / "static", tmp_path / "public"
    write_corpus(seeds, 30, seed=3)
    write(static / "logo.svg", "<svg/>")
    write(static / "site.css", "a { color: red }")
    site = make_site(static=str(static))
    build(seeds, output, site)
    rendered = _recording(monkeypatch)
    before = _stamps(output)
    write(static / "site.css", "a { color: blue }")
    build(seeds, output, site)
    assert rendered == []
    assert _changed(before, output) == {"site.css"}
    before = _stamps(output)
    write(static / "favicon.ico", "icon")
    build(seeds, output, site)
    assert rendered == []
    assert _changed(before, output) == {"favicon.ico", "_headers"}
    (static / "logo.svg").unlink()
    build(seeds, output, site)
    assert not (output / "logo.svg").exists()


def test_a_text_edit_and_a_template_edit_together_equal_a_clean_build(tmp_path):
    """An article's text and a template edited at once: the build is a clean build's bytes."""
    seeds, templates, output = tmp_path / "seeds", tmp_path / "templates", tmp_path / "public"
    write_corpus(seeds, 40, seed=5)
    write(templates / "base.html", FOOTER)
    site = make_site(templates=str(templates))
    build(seeds, output, site)
    path = sorted(seeds.glob("*.txt"))[4]
    path.write_text(path.read_text() + "\nOne more paragraph.\n")
    write(templates / "base.html", FOOTER.replace("Our own", "Another"))
    build(seeds, output, site)
    clean = tmp_path / "clean"
    build(seeds, clean, site, use_cache=False)
    assert snapshot(output) == snapshot(clean)


def test_compiled_templates_follow_an_edited_override(tmp_path):
    """The compiled templates kept in the cache are keyed on the override's text: a new
    process (or the same one) shows the edit, never the version compiled before."""
    seeds, templates, output = tmp_path / "seeds", tmp_path / "templates", tmp_path / "public"
    shutil.copytree(SEEDS, seeds)
    site = make_site(templates=str(templates))
    for version in ("one", "two", "three"):
        write(templates / "tags.html", f"<p>version {version}</p>\n")
        if version == "two":
            _jinja.forget_environment()  # as a new process starts, with the compiled ones kept
        build(seeds, output, site)
        assert (output / "tags/index.html").read_text() == f"<p>version {version}</p>\n"
    _jinja.forget_environment()


def test_render_site_after_a_themed_build_uses_the_packaged_templates(tmp_path, tree):
    """A build with the site's templates leaves the packaged ones in use afterwards."""
    from feeds.build._units import render_site
    from tests.conftest import test_site

    write(tmp_path / "templates/tags.html", "mine")
    build(SEEDS, tmp_path / "public", make_site(templates=str(tmp_path / "templates")))
    assert render_site(test_site(), [])[Path("tags/index.html")] != b"mine"


def test_theme_errors_survive_worker_processes():
    """ThemeErrors raised in a worker process arrive whole (they are pickled)."""
    import pickle

    from feeds.errors import SeedError

    errors = ThemeErrors([SeedError("templates/x.html", 3, "boom")])
    again = pickle.loads(pickle.dumps(errors))
    assert str(again) == str(errors)
    assert again.exit_code == 2


README = Path(__file__).parent.parent / "README.md"
COMMON = {"site", "root", "chrome", "page_lang", "page_dir"}  # what every page receives


def _readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}")
    return text[start : text.index("\n## ", start + 1)]


def _documented_variables() -> dict[str, set[str]]:
    """Template → the variables the README's table says it receives (besides the common ones)."""
    documented = {}
    for line in _readme_section("Its own look").splitlines():
        cells = line.split(" | ")
        if len(cells) == 3 and line.startswith("| `"):
            name = cells[0].strip("| `")
            shown = re.sub(r"\([^)]*\)", "", cells[2])
            documented[name] = set(re.findall(r"`(\w+)`", shown))
    return documented


def test_the_readme_lists_the_variables_each_template_receives(project, monkeypatch):
    """Every packaged page template is in the README's table, with exactly the variables
    a build gives it besides site, root and chrome."""
    received: dict[str, set[str]] = {}
    render = _jinja._ThemeTemplate.render

    def recorded(self, *args, **kwargs):
        names = received.setdefault(self.name, set())
        for context in (*args, kwargs):
            names.update(context)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(_jinja._ThemeTemplate, "render", recorded)
    seed = project / "seeds" / "escaping.txt"
    lines = seed.read_text().split("\n")
    seed.write_text("\n".join([*lines[:2], "aliases: an-old-slug", *lines[2:]]))
    assert run("build") == 0
    documented = _documented_variables()
    assert set(received) == {
        "index.html",
        "article.html",
        "tags.html",
        "subscribe.html",
        "404.html",
        "redirect.html",
    }
    for name, names in received.items():
        assert names - COMMON == documented[name], name
    packaged = {p.name for p in Path(_jinja.__file__).parent.parent.joinpath("templates").iterdir()}
    assert set(documented) == packaged


def test_the_readmes_example_base_html_works(project):
    """The README's base.html example builds: logo, icon, stylesheet and footer on every page."""
    example = _readme_section("Its own look").split("```jinja\n", 1)[1].split("```", 1)[0]
    write(project / "templates/base.html", example)
    write(project / "static/css/site.css", "body { color: navy }\n")
    write(project / "static/logo.svg", "<svg/>")
    write(project / "static/favicon.ico", "icon")
    assert run("build") == 0
    for path in PAGES:
        html = page(project, path)
        assert 'logo.svg" alt="Test &amp; &lt;Site&gt;">' in html, path
        assert "favicon.ico" in html and "css/site.css" in html, path
        assert "<p>© Test &amp; &lt;Site&gt;</p>" in html, path
        assert "Skip to content" in html, path


def test_worker_processes_render_with_the_sites_templates(tmp_path, monkeypatch):
    """Rendered in worker processes, pages use the site's templates, and a template
    error there is reported with its file and line like any other."""
    from feeds.build import _parallel

    monkeypatch.setattr(_parallel, "PARALLEL_THRESHOLD", 1)
    seeds, templates, output = tmp_path / "seeds", tmp_path / "templates", tmp_path / "public"
    write_corpus(seeds, 20, seed=2)
    write(templates / "base.html", FOOTER)
    site = make_site(templates=str(templates))
    build(seeds, output, site, jobs=2)
    pages = list(output.glob("articles/*/index.html"))
    assert len(pages) == 20
    assert all("Our own footer" in path.read_text() for path in pages)
    write(
        templates / "article.html",
        '{% extends "feeds/article.html" %}\n{% block main %}{{ nope }}{% endblock %}',
    )
    with pytest.raises(ThemeErrors) as raised:
        build(seeds, output, site, jobs=2)
    assert str(raised.value.errors[0]) == (
        f"{templates}/article.html:2: 'nope' is undefined; the README lists the variables "
        "each template receives"
    )
