"""Language tags: checked (BCP 47, IANA registry), in their case, their text direction, and
each article's language in every output: pages, lists, Atom, JSON Feed, the API."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import PurePosixPath

import feedparser
import html5lib
import jsonschema
import pytest
import regex
from langcodes import Language
from langcodes.data_dicts import ALL_SCRIPTS, LANGUAGE_REPLACEMENTS, LIKELY_SUBTAGS

from feeds._language import MAY_BE_RTL, RTL_SCRIPTS, check_language, text_direction
from feeds.build._reading import read_articles
from feeds.build._units import render_site
from feeds.cli import main
from feeds.config import load_site
from feeds.errors import ConfigError
from feeds.models import Site
from tests.conftest import DATA, make_site

LANGUAGES = DATA / "languages"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.mark.parametrize(
    ("written", "conventional"),
    [
        ("en", "en"),
        ("en-gb", "en-GB"),
        ("ZH-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("sl-rozaj-BISKE-1994", "sl-rozaj-biske-1994"),  # variants keep their order
        ("de-CH-u-co-PHONEBK", "de-CH-u-co-phonebk"),
        ("EN-us-X-Twain", "en-US-x-twain"),
        ("x-Klingon", "x-klingon"),
        ("iw", "iw"),  # deprecated, still registered: kept as written
    ],
)
def test_valid_tags_are_written_in_the_registry_case(written, conventional):
    """A valid tag comes back in the IANA registry's case, nothing else changed."""
    assert check_language(written) == conventional


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("english", "'english' is not a valid BCP 47 language tag (no language 'english' in the "
         "IANA registry); write one like 'en', 'en-GB', 'ar' or 'zh-Hant'"),
        ("en US", "'en US' is not a BCP 47 language tag; write 'en-US'"),
        ("en_GB", "'en_GB' is not a BCP 47 language tag; write 'en-GB'"),
        ("ara", "'ara' is not a valid BCP 47 language tag (no language 'ara' in the IANA "
         "registry); write 'ar'"),
        ("i-klingon", "'i-klingon' is not a BCP 47 language tag; write 'tlh'"),
        ("xx", "'xx' is not a valid BCP 47 language tag (no language 'xx' in the IANA registry)"),
        ("en-Latx", "'en-Latx' is not a valid BCP 47 language tag (no script 'Latx' in the IANA"),
        ("en-QQQ", "(no extended language 'qqq' in the IANA registry)"),
        ("en-yue", "(extended language 'yue' goes after 'zh' only)"),
        ("zh-yue-HK", None),
        ("de-1901-1901", "(a variant given twice)"),
        ("en-a-bbb", "(extension 'a' is not registered: only 't' and 'u' are)"),
        ("en-u-ca-buddhist-u-nu-thai", "(an extension given twice)"),
        ("", "'' is not a BCP 47 language tag"),
        ("ar\u202e", "'ar\\u202e' is not a BCP 47 language tag"),
    ],
)  # fmt: skip
def test_invalid_tags_say_what_is_wrong_and_how_to_write_them(tag, message):
    """A malformed or unregistered tag is refused with the reason and a fix."""
    if message is None:  # the valid neighbour of a refused tag
        assert check_language(tag) == tag
        return
    with pytest.raises(ValueError) as refused:
        check_language(tag)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        *((tag, "rtl") for tag in ["ar", "he", "fa", "ur", "ps", "sd", "yi", "dv", "syr"]),
        *((tag, "rtl") for tag in ["ckb", "ug", "ks", "nqo", "iw", "ar-EG", "he-IL-x-a"]),
        ("pa", "ltr"),  # Gurmukhi in India...
        ("pa-PK", "rtl"),  # ...Arabic in Pakistan
        ("az", "ltr"),
        ("az-IR", "rtl"),
        ("az-Arab", "rtl"),
        ("ar-Latn", "ltr"),  # a script subtag decides
        ("tr-Arab", "rtl"),
        ("ff-Adlm", "rtl"),
        *((tag, "ltr") for tag in ["en", "en-GB", "zh-Hant-TW", "ja", "hi", "ru", "x-foo", "und"]),
    ],
)
def test_direction_follows_the_script_or_the_likely_script(tag, direction):
    """Right to left for RTL scripts: the script subtag's, else the language's likely one."""
    assert text_direction(tag) == direction


def test_rtl_scripts_are_those_unicode_writes_right_to_left():
    """RTL_SCRIPTS: every registered script whose letters have the bidi class R or AL in
    Unicode's data, and the variants of such scripts that Unicode does not encode."""
    known = []
    for script in sorted(ALL_SCRIPTS):
        try:
            regex.compile(rf"\p{{Script={script}}}")
            known.append(script)
        except regex.error:  # a variant (Aran, Syre...) or a script Unicode lacks
            continue
    scripts = regex.compile("|".join(rf"(?P<{script}>\p{{Script={script}}})" for script in known))
    found = set()
    for code_point in range(0x110000):
        character = chr(code_point)
        if unicodedata.category(character)[0] == "L" and unicodedata.bidirectional(character) in {
            "R",
            "AL",
        }:
            match = scripts.match(character)
            if match and match.lastgroup not in {"Zyyy", "Zinh"}:
                found.add(match.lastgroup)
    variants = {"Aran", "Syre", "Syrj", "Syrn", "Phlv"}
    assert found | variants == RTL_SCRIPTS


def test_may_be_rtl_lists_every_language_langcodes_may_write_right_to_left():
    """MAY_BE_RTL holds exactly the languages whose likely script (for some region) is
    right to left, and the deprecated codes that stand for them; other languages
    are left to right without asking langcodes."""
    found = set()
    for key, likely in LIKELY_SUBTAGS.items():
        has_script = any(len(part) == 4 and part.isalpha() for part in key.split("-")[1:])
        if not has_script and Language.get(likely).script in RTL_SCRIPTS:
            found.add(key.split("-")[0])
    for old, new in LANGUAGE_REPLACEMENTS.items():
        valid = Language.get(old, normalize=False).is_valid()  # not 'root', 'ara'...
        if "-" not in old and new.split("-")[0] in found and valid:
            found.add(old)
    assert found == MAY_BE_RTL


def test_quick_direction_agrees_with_langcodes():
    """For every language langcodes knows, alone and in each region CLDR gives a likely
    script for, the direction equals the one found from langcodes' likely script."""
    regions = {part for key in LIKELY_SUBTAGS for part in key.split("-")[1:] if len(part) == 2}
    languages = {key.split("-")[0] for key in LIKELY_SUBTAGS} - {"und"}
    for language in sorted(languages):
        for tag in [language, *(f"{language}-{region}" for region in sorted(regions)[::7])]:
            script = Language.get(tag).maximize().script
            expected = "rtl" if script in RTL_SCRIPTS else "ltr"
            assert text_direction(tag) == expected, tag


# The seed format and the configuration.


def test_article_language_is_read_and_written_in_the_registry_case(tmp_path):
    """``language: zh-hant-tw`` gives the article the tag ``zh-Hant-TW``."""
    site = make_site()
    reading = read_articles(LANGUAGES, site)
    assert reading.problems == []
    languages = {article.slug: article.language for article in reading.articles}
    assert languages == {
        "tokyo-summit-in-arabic": "ar",
        "tokyo-summit-in-chinese": "zh-Hant-TW",
        "tokyo-summit-in-english": None,
    }


def test_bad_language_is_a_file_line_error_among_all_problems(tmp_path, capsys):
    """A bad tag is reported at its line with the fix, with the file's other problems,
    and the build writes nothing."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Agust 1, 2025\na\nlanguage: english\n\nA.\n")
    (seeds / "b.txt").write_text("2025-08-01\nb\nlanguage: en_US\ntags: x\n\nB.\n")
    code = main(["build", "--seeds", str(seeds), "--output", str(tmp_path / "public")])
    assert code == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[:3] == [
        f"{seeds}/a.txt:1: unknown month 'Agust'; did you mean 'August'? write the date like "
        "'23 August, 2025' or '2025-08-23'",
        f"{seeds}/a.txt:3: language: 'english' is not a valid BCP 47 language tag (no language "
        "'english' in the IANA registry); write one like 'en', 'en-GB', 'ar' or 'zh-Hant'",
        f"{seeds}/b.txt:3: language: 'en_US' is not a BCP 47 language tag; write 'en-US'",
    ]
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("language", ["english", "en US", "en-XQ-", "fr-France"])
def test_site_language_is_checked_like_an_article_s(tmp_path, language, capsys):
    """A bad site language is a configuration error naming the key: exit code 2."""
    config = tmp_path / "feeds.toml"
    config.write_text(f'title = "T"\nbase_url = "https://example.com/"\nlanguage = "{language}"\n')
    with pytest.raises(ConfigError, match=r"^configuration: language: .* language tag"):
        load_site(pyproject=None, config_file=config)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    assert main(["validate", "--seeds", str(seeds), "--config", str(config)]) == 2
    assert "configuration: language: " in capsys.readouterr().err


def test_site_language_is_written_in_the_registry_case():
    """``language = "en-gb"`` is the site language ``en-GB``."""
    assert make_site(language="en-gb").language == "en-GB"


def test_builds_that_need_no_lookup_never_import_langcodes(tmp_path):
    """A no-op rebuild (configuration remembered) and an edit build of a site whose
    languages are left to right do not import langcodes (0.1 s)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("2025-08-01\na\ntags: Café\n\nA.\n")
    config = tmp_path / "feeds.toml"
    config.write_text('title = "T"\nbase_url = "https://example.com/"\nlanguage = "en-GB"\n')
    script = textwrap.dedent(
        f"""
        import sys
        from feeds.cli import main
        code = main(["build", "--seeds", {str(seeds)!r}, "--output", {str(tmp_path / "out")!r},
                     "--config", {str(config)!r}])
        print(code, "langcodes" in sys.modules)
        """
    )

    def run() -> str:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()[-2] + " " + done.stdout.split()[-1]

    assert run() == "0 True"  # the configuration read afresh: its language is looked up
    assert run() == "0 False"  # nothing changed
    (seeds / "a.txt").write_text("2025-08-01\na\ntags: Café\n\nAn edited body.\n")
    assert run() == "0 False"  # an edit, rendered


# The outputs.


@pytest.fixture
def site() -> Site:
    return make_site(feed_limit=10)


@pytest.fixture
def tree(site):
    reading = read_articles(LANGUAGES, site)
    assert reading.problems == []
    return render_site(site, reading.articles)


def _root(tree, path: str):
    return html5lib.parse(tree[PurePosixPath(path)], treebuilder="etree")


def _language_of(element) -> tuple[str | None, str | None]:
    return element.get("lang"), element.get("dir")


def test_article_page_is_in_the_article_language(tree, site):
    """The Arabic article's page is ``<html lang="ar" dir="rtl">``; its header and footer,
    in the site's language, say so."""
    page = _root(tree, "articles/tokyo-summit-in-arabic/index.html")
    assert _language_of(page) == ("ar", "rtl")
    for part in ("header", "footer"):
        assert _language_of(page.find(f".//{XHTML}{part}")) == (site.language, "ltr")
    assert _language_of(page.find(f".//{XHTML}time")) == ("en", "ltr"), "dates are English"
    plain = _root(tree, "articles/tokyo-summit-in-english/index.html")
    assert _language_of(plain) == (site.language, "ltr")
    assert _language_of(plain.find(f".//{XHTML}header")) == (None, None)


@pytest.mark.parametrize("path", ["index.html", "tags/文化/index.html", "tags/cafe/index.html"])
def test_list_entries_carry_their_article_s_language(tree, path):
    """On the home and tag pages, an article in another language than the site's is marked."""
    page = _root(tree, path)
    entries = {
        entry.find(f".//{XHTML}h2/{XHTML}a").text: _language_of(entry)
        for entry in page.iter(f"{XHTML}article")
    }
    expected = {
        "قمة طوكيو تعزز العلاقات": ("ar", "rtl"),
        "東京峰會加強兩國關係": ("zh-Hant-TW", "ltr"),
        "Tokyo Summit Strengthens Ties": (None, None),
    }
    assert entries == {title: expected[title] for title in entries}
    assert len(entries) >= 2


@pytest.mark.parametrize("path", ["index.html", "subscribe/index.html", "tags/index.html"])
def test_site_pages_take_the_site_language_and_its_direction(path):
    """Site-level pages are in the site's language, right to left for an Arabic site."""
    site = make_site(language="ar-EG")
    reading = read_articles(LANGUAGES, site)
    page = _root(render_site(site, reading.articles), path)
    assert _language_of(page) == ("ar-EG", "rtl")


def test_atom_entries_carry_xml_lang(tree, site):
    """feedparser sees each Atom entry's language: the article's own, else the feed's."""
    feed = feedparser.parse(tree[PurePosixPath("atom.xml")])
    assert feed.bozo == 0
    languages = {entry.link.split("/")[-2]: entry.title_detail.language for entry in feed.entries}
    assert languages == {
        "tokyo-summit-in-arabic": "ar",
        "tokyo-summit-in-chinese": "zh-Hant-TW",
        "tokyo-summit-in-english": site.language,
    }


def test_json_feed_items_carry_their_language(tree, site, tmp_path):
    """reader sees each JSON Feed item's language (its content's), else the feed's."""
    from reader import make_reader

    path = tmp_path / "feed.json"
    path.write_bytes(tree[PurePosixPath("feed.json")])
    reader = make_reader(":memory:", feed_root=str(tmp_path))
    reader.add_feed(f"file:{path.name}")
    reader.update_feeds()
    languages = {
        entry.link.rsplit("/", 2)[-2]: entry.content[0].language for entry in reader.get_entries()
    }
    reader.close()
    assert languages == {
        "tokyo-summit-in-arabic": "ar",
        "tokyo-summit-in-chinese": "zh-Hant-TW",
        "tokyo-summit-in-english": site.language,
    }


def test_api_documents_give_each_article_s_language(tree, site):
    """Article documents and list summaries have ``language``; the schemas say so."""
    schemas = {
        name: json.loads(tree[PurePosixPath(f"api/v1/schema/{name}.json")])
        for name in ("article", "page")
    }
    assert "language" in schemas["article"]["required"]
    document = json.loads(tree[PurePosixPath("api/v1/articles/tokyo-summit-in-arabic.json")])
    jsonschema.validate(document, schemas["article"])
    assert document["language"] == "ar"
    page = json.loads(tree[PurePosixPath("api/v1/pages/1.json")])
    jsonschema.validate(page, schemas["page"])
    assert {summary["slug"]: summary["language"] for summary in page["articles"]} == {
        "tokyo-summit-in-english": site.language,
        "tokyo-summit-in-chinese": "zh-Hant-TW",
    }
    openapi = json.loads(tree[PurePosixPath("api/v1/openapi.json")])
    assert "language" in openapi["components"]["schemas"]["ArticleSummaryV1"]["properties"]


def test_json_ld_names_the_article_language(tree):
    """JSON-LD ``inLanguage`` is the article's language."""
    page = tree[PurePosixPath("articles/tokyo-summit-in-arabic/index.html")].decode()
    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert data["inLanguage"] == "ar"


def test_rss_items_have_no_language_of_their_own(tree, site):
    """RSS has only the channel's language: items are left as they were."""
    rss = tree[PurePosixPath("rss.xml")].decode()
    assert rss.count("<language>") == 1 and f"<language>{site.language}</language>" in rss
    assert "xml:lang" not in rss


def test_alias_redirect_page_is_in_the_article_language(tmp_path, site):
    """An old slug's redirect page shows the article's title, in its language."""
    (tmp_path / "a.txt").write_text("2025-01-01\nnew\nlanguage: he\naliases: old\n\nשלום.\n")
    reading = read_articles(tmp_path, site)
    page = _root(render_site(site, reading.articles), "articles/old/index.html")
    assert _language_of(page) == ("he", "rtl")
