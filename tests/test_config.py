"""Site configuration: pyproject.toml, --config, FEEDS_* variables and flags, in that order."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from feeds import config, models
from feeds.config import load_site
from feeds.errors import ConfigError
from feeds.models import Author, Site
from tests.conftest import make_site

PYPROJECT = """
[project]
name = "my-site"

[tool.feeds]
title = "From pyproject"
base_url = "https://example.com"
feed_limit = 10
"""


@pytest.fixture
def pyproject(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT)
    return path


def test_reads_tool_feeds_with_defaults(pyproject):
    """[tool.feeds] is read; unset keys take their documented defaults."""
    site = load_site(pyproject)
    assert site.title == "From pyproject"
    assert site.base_url == "https://example.com/"
    assert (site.feed_limit, site.page_size, site.timezone, site.language) == (10, 20, "UTC", "en")
    assert site.id_authority == "example.com"


def test_layers_override_in_order(pyproject, tmp_path, monkeypatch):
    """--config overrides pyproject.toml, FEEDS_* overrides both, flags override all."""
    config = tmp_path / "site.toml"
    config.write_text('title = "From config"\nfeed_limit = 5\npage_size = 7\n')
    monkeypatch.setenv("FEEDS_FEED_LIMIT", "3")
    monkeypatch.setenv("FEEDS_AUTHOR__NAME", "Env Author")
    site = load_site(pyproject, config, {"title": "From flag"})
    assert (site.title, site.feed_limit, site.page_size) == ("From flag", 3, 7)
    assert site.author is not None and site.author.name == "Env Author"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("feed_limit = 0", "configuration: feed_limit: Input should be greater than or equal to 1"),
        ('timezone = "Mars/Olympus"', "configuration: timezone: unknown time zone 'Mars/Olympus'"),
        ('base_url = "example.com"', "configuration: base_url: 'example.com' is not an absolute"),
        ("colour = 1", "configuration: colour: unknown key"),
        ('author = { email = "a@b.c" }', "configuration: author.name: missing"),
        ('id_authority = "not an authority"', "id_authority 'not an authority' is not a domain"),
        ('timezone = "localtime"', "configuration: timezone: unknown time zone 'localtime'"),
        ('timezone = "posix/UTC"', "configuration: timezone: unknown time zone 'posix/UTC'"),
        ('base_url = "https://example.com/#"', "has a query or fragment"),
        ('base_url = "https://example.com?"', "has a query or fragment"),
        ('base_url = "https://example.com/my blog/"', "has a space, a control or a non-ASCII"),
        ('base_url = "https://example.com/my|blog/"', "a character a URL cannot carry"),
        ('base_url = "https://user:secret@example.com/"', "has a user name"),
        ('base_url = "https://example.com:99999/"', "has an invalid port"),
        ('title = "a\\u0001b"', "configuration: title: control character U+0001"),
        ('title = "  "', "configuration: title: is only white space"),
        ('author = { name = "x\\u000c" }', "configuration: author.name: control character U+000C"),
        (
            "[tool.feeds]\ntitle = 'x'",
            "configuration: tool: unknown key; a --config file holds the keys",
        ),
    ],
)
def test_invalid_keys_are_named(pyproject, tmp_path, toml, message):
    """An invalid configuration raises ConfigError naming the key and what is wrong."""
    config = tmp_path / "site.toml"
    config.write_text(toml + "\n")
    with pytest.raises(ConfigError) as raised:
        load_site(pyproject, config)
    assert message in str(raised.value)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("feed_limt = 3", "configuration: feed_limt: unknown key; did you mean 'feed_limit'?"),
        (
            "[deploy]\ntargt = 'x'",
            "configuration: deploy.targt: unknown key; did you mean 'target'?",
        ),
        (
            "[[headers]]\nglob = '*'\ngzipp = true",
            "configuration: headers.0.gzipp: unknown key; did you mean 'gzip'?",
        ),
        (
            "[author]\nname = 'A'\nmail = 'a@b.c'",
            "configuration: author.mail: unknown key; did you mean 'email'?",
        ),
        ("colour = 1", "configuration: colour: unknown key; remove it or check its spelling"),
    ],
)
def test_an_unknown_key_suggests_the_nearest_known_one(pyproject, tmp_path, toml, message):
    """A misspelt key, at any depth, is named with the key it most likely means."""
    config = tmp_path / "site.toml"
    config.write_text(toml + "\n")
    with pytest.raises(ConfigError) as raised:
        load_site(pyproject, config)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "FEEDS_FEED_LIMIT",
            "many",
            "configuration: feed_limit (from FEEDS_FEED_LIMIT): Input should be a valid integer",
        ),
        (
            "feeds_deploy__max_deletes",
            "-1",
            "configuration: deploy.max_deletes (from feeds_deploy__max_deletes): Input should be",
        ),
        (
            "FEEDS_AUTHOR__NAME",
            " ",
            "configuration: author.name (from FEEDS_AUTHOR__NAME): is only",
        ),
        ("FEEDS_AUTHOR", '{"name": 1}', "configuration: author.name (from FEEDS_AUTHOR): Input"),
        ("FEEDS_HEADERS", "[{", "configuration: headers (from FEEDS_HEADERS): not valid JSON"),
        ("FEEDS_DEPLOY", "{x", "configuration: deploy (from FEEDS_DEPLOY): not valid JSON"),
    ],
)
def test_a_bad_environment_value_names_the_variable(
    pyproject, monkeypatch, variable, value, message
):
    """A FEEDS_* variable whose value is invalid (or not JSON where JSON is needed) is named,
    as spelt in the environment, so the fix is not looked for in pyproject.toml."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_site(pyproject)
    assert str(raised.value).startswith(message)
    assert raised.value.exit_code == 2


def test_an_override_is_not_blamed_on_a_variable(pyproject, monkeypatch):
    """A bad --base-url is named as the key alone, though FEEDS_BASE_URL is set too."""
    monkeypatch.setenv("FEEDS_BASE_URL", "https://example.org/")
    with pytest.raises(ConfigError) as raised:
        load_site(pyproject, overrides={"base_url": "nowhere"})
    assert str(raised.value).startswith("configuration: base_url: 'nowhere' is not an absolute")


def test_missing_config_file(pyproject, tmp_path):
    """A --config path that does not exist is a configuration error."""
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_site(pyproject, tmp_path / "nope.toml")


def test_unparseable_toml(pyproject, tmp_path):
    """A TOML syntax error is reported as a configuration error, not a traceback."""
    config = tmp_path / "site.toml"
    config.write_text("title = \n")
    with pytest.raises(ConfigError, match=r"site\.toml: not valid TOML: .*line 1"):
        load_site(pyproject, config)


def test_base_url_is_normalised(pyproject, tmp_path):
    """Scheme and host are lowercased and a trailing slash added."""
    site = load_site(pyproject, None, {"base_url": "HTTPS://News.Example.COM/blog"})
    assert site.base_url == "https://news.example.com/blog/"


def test_a_packaged_time_zone_is_known_without_looking_through_the_system(monkeypatch):
    """A zone the tzdata package lists needs no walk of the system's zone folders (30 ms
    of every command); any other name still gets it, as a zone newer than the package."""
    walked: list[bool] = []
    monkeypatch.setattr(models, "available_timezones", lambda: walked.append(True) or {"Mars/X"})
    assert make_site(timezone="Europe/Paris").timezone == "Europe/Paris"
    assert not walked
    with pytest.raises(ValidationError, match="unknown time zone 'Asia/Nowhere'"):
        make_site(timezone="Asia/Nowhere")
    assert not walked, "ZoneInfo refused it first"
    monkeypatch.setattr(models, "ZoneInfo", lambda name: None)  # a zone file the package lacks
    assert make_site(timezone="Mars/X").timezone == "Mars/X"
    assert walked


@pytest.fixture
def layers(pyproject, tmp_path, monkeypatch):
    """Every layer set: pyproject.toml, a --config file, FEEDS_* variables (flags: below)."""
    config = tmp_path / "site.toml"
    config.write_text('title = "From config"\npage_size = 7\nauthor = { name = "Desk" }\n')
    monkeypatch.setenv("FEEDS_ARCHIVE_SIZE", "30")
    return pyproject, config


def test_a_build_remembers_the_configuration_it_layered(layers, tmp_path, monkeypatch):
    """The memo answers a load whose layers are unchanged with the same Site, without
    layering them again (pydantic-settings takes 0.1 s to import)."""
    memo = tmp_path / "out" / ".feeds-cache" / "public.site.json"
    first = load_site(*layers, FLAGS, memo=memo)
    assert (memo.parent / ".gitignore").read_text() == "*\n"
    monkeypatch.setattr(config, "_layered", lambda *_: pytest.fail("layered again"))
    again = load_site(*layers, FLAGS, memo=memo)
    assert type(again) is Site and again == first
    assert (again.title, again.page_size, again.archive_size) == ("From flag", 7, 30)


FLAGS = {"title": "From flag"}


def _change_pyproject(pyproject, config, monkeypatch, flags):
    pyproject.write_text(PYPROJECT.replace("feed_limit = 10", "feed_limit = 11"))
    return "feed_limit", 11


def _change_config(pyproject, config, monkeypatch, flags):
    config.write_text(config.read_text().replace("page_size = 7", "page_size = 9"))
    return "page_size", 9


def _change_variable(pyproject, config, monkeypatch, flags):
    monkeypatch.setenv("FEEDS_ARCHIVE_SIZE", "31")
    return "archive_size", 31


def _add_lowercase_variable(pyproject, config, monkeypatch, flags):
    monkeypatch.setenv("feeds_feed_limit", "12")  # pydantic-settings ignores the case
    return "feed_limit", 12


def _add_nested_variable(pyproject, config, monkeypatch, flags):
    monkeypatch.setenv("FEEDS_AUTHOR__NAME", "Night Desk")
    return "author", Author(name="Night Desk")


def _change_flag(pyproject, config, monkeypatch, flags):
    flags["title"] = "Another flag"
    return "title", "Another flag"


@pytest.mark.parametrize(
    "change",
    [
        _change_pyproject,
        _change_config,
        _change_variable,
        _add_lowercase_variable,
        _add_nested_variable,
        _change_flag,
    ],
)
def test_a_changed_layer_is_read_again(layers, tmp_path, monkeypatch, change):
    """Whatever layer changes, the next load sees the change, not the memo."""
    memo = tmp_path / "public.site.json"
    flags = dict(FLAGS)
    load_site(*layers, flags, memo=memo)
    field, value = change(*layers, monkeypatch, flags)
    assert getattr(load_site(*layers, flags, memo=memo), field) == value


def test_an_invalid_configuration_is_never_answered_from_the_memo(layers, tmp_path):
    """A configuration broken since the memo was written is still reported."""
    memo = tmp_path / "public.site.json"
    pyproject, site_toml = layers
    load_site(pyproject, site_toml, memo=memo)
    site_toml.write_text(site_toml.read_text() + "feed_limit = 0\n")
    with pytest.raises(ConfigError, match="configuration: feed_limit: Input should be greater"):
        load_site(pyproject, site_toml, memo=memo)


def _invalid_values(document):
    return {**document, "site": {**document["site"], "feed_limit": 0}}


@pytest.mark.parametrize(
    "spoil",
    [
        lambda document: b"",
        lambda document: b"\x00not json",
        lambda document: b"[]",
        lambda document: orjson.dumps({"key": document["key"]}),
        lambda document: orjson.dumps(_invalid_values(document)),
    ],
    ids=["empty", "not JSON", "not an object", "no site", "invalid values"],
)
def test_a_spoilt_memo_is_ignored(layers, tmp_path, spoil):
    """A memo that cannot be read or holds invalid values makes a load slower, not wrong."""
    memo = tmp_path / "public.site.json"
    expected = load_site(*layers, memo=memo)
    memo.write_bytes(spoil(orjson.loads(memo.read_bytes())))
    assert load_site(*layers, memo=memo) == expected


def test_a_memo_that_cannot_be_written_is_skipped(layers, tmp_path):
    """A memo that cannot be put in place (a folder is in the way) costs the memo only,
    and leaves no temporary file behind."""
    memo = tmp_path / "public.site.json"
    memo.mkdir()
    assert load_site(*layers, memo=memo) == load_site(*layers)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("part", ["_layering_versions", "_layering_code"])
def test_another_version_or_code_layers_afresh(layers, tmp_path, monkeypatch, part):
    """Another pydantic-settings (or feeds, Python...) or edited layering code could
    layer the same files differently: the memo is not used."""
    memo = tmp_path / "public.site.json"
    load_site(*layers, memo=memo)
    other = make_site()
    layered = []
    monkeypatch.setattr(config, "_layered", lambda *args: layered.append(args) or other)
    monkeypatch.setattr(config, part, lambda: (b"something else",))
    assert load_site(*layers, memo=memo) == other
    assert layered


def test_a_file_saved_while_it_is_read_is_not_remembered(layers, tmp_path, monkeypatch):
    """If a layer's file changes between the bytes hashed and the layering's own read,
    the result is not remembered under the old bytes' hash."""
    memo = tmp_path / "public.site.json"
    pyproject, site_toml = layers
    original = site_toml.read_text()
    check_toml = config._check_toml

    def saved_meanwhile(path, data):
        check_toml(path, data)
        site_toml.write_text(original.replace("page_size = 7", "page_size = 9"))

    monkeypatch.setattr(config, "_check_toml", saved_meanwhile)
    assert load_site(pyproject, site_toml, memo=memo).page_size == 9
    assert not memo.exists()
    monkeypatch.undo()
    site_toml.write_text(original)
    assert load_site(pyproject, site_toml, memo=memo).page_size == 7


def test_values_json_cannot_hold_still_load(layers, tmp_path, monkeypatch):
    """A variable that is not UTF-8, or a number beyond 64 bits, loads as without a memo."""
    memo = tmp_path / "public.site.json"
    monkeypatch.setenv("FEEDS_NOT_A_KEY", "\udcff")  # the byte 0xFF in the environment
    monkeypatch.setenv("FEEDS_FEED_LIMIT", str(10**20))
    assert load_site(*layers, memo=memo).feed_limit == 10**20
    assert load_site(*layers, memo=memo) == load_site(*layers)


def test_an_override_of_another_type_is_not_the_remembered_one(layers, tmp_path):
    """The flags are keyed with their types: Path("X") is not the title "X"."""
    memo = tmp_path / "public.site.json"
    assert load_site(*layers, {"title": "X"}, memo=memo).title == "X"
    with pytest.raises(ConfigError, match="configuration: title: Input should be a valid string"):
        load_site(*layers, {"title": Path("X")}, memo=memo)


def test_an_ipv6_base_url_keeps_its_brackets(pyproject):
    """http://[::1]:8000/ (a local preview) stays a URL, and validates again the same."""
    site = load_site(
        pyproject, None, {"base_url": "http://[::1]:8000/", "id_authority": "example.com"}
    )
    assert site.base_url == "http://[::1]:8000/"
    assert Site.model_validate(site.model_dump()) == site


def test_a_config_path_in_the_home_folder(layers, tmp_path, monkeypatch):
    """--config ~/site.toml names the file pydantic-settings reads, and the one hashed."""
    monkeypatch.setenv("HOME", str(tmp_path))
    pyproject, _ = layers
    memo = tmp_path / "public.site.json"
    assert load_site(pyproject, Path("~/site.toml"), memo=memo).title == "From config"
    (tmp_path / "site.toml").write_text('title = "Edited"\n')
    assert load_site(pyproject, Path("~/site.toml"), memo=memo).title == "Edited"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://evil.example/../", "a '.' or '..' segment in its path"),
        ("https://example.com/news/..", "a '.' or '..' segment in its path"),
        ("https://example.com/./news/", "a '.' or '..' segment in its path"),
        ("https://example.com//news/", "an empty segment ('//') in its path; write one '/'"),
        ("https://example.com/news//", "an empty segment ('//')"),
        ("https://example.com/%2e%2e/", "%2e in its path, an escaped '.'; write '.'"),
        ("https://example.com/%2E/", "%2E in its path, an escaped '.'"),
        ("https://example.com/%6Eews/", "%6E in its path, an escaped 'n'; write 'n'"),
        ("https://example.com/a%2Fb/", "%2F in its path, an escaped '/'"),
        ("https://example.com/a%5cb/", "an escaped '\\\\'"),
        ("https://example.com/100%/", "a '%' that starts no escape"),
        ("https://example.com/a\\b/", "a backslash in its path; separate the folders with '/'"),
        ("http://evil.example\\..\\", "has a host that is not a domain name"),
        ("https://example..com/", "has a host that is not a domain name"),
        ("https://example.com./", "has a host that is not a domain name"),
        ("https://-example.com/", "has a host that is not a domain name"),
        ("https://exämple.com/", "non-ASCII character; percent-encode it (an international"),
        ("https://example.com:/", "has a host that is not written plainly"),
        ("https://[v1.x]/", "has a host that is not written plainly"),
        ("https://[zz]/", "has an invalid host"),
        ("https://example.com/\u202e/", "has a space, a control or a non-ASCII character"),
    ],
)
def test_a_base_url_that_is_not_canonical_is_refused(pyproject, url, message):
    """A base_url whose path a browser would rewrite ('..', '.', '//', '%2e', a backslash)
    or whose host is not plainly written is a configuration error (exit 2) naming the
    key, saying what is wrong and how to write it: it would go into every link."""
    with pytest.raises(ConfigError) as raised:
        load_site(pyproject, None, {"base_url": url})
    assert str(raised.value).startswith("configuration: base_url: ")
    assert message in str(raised.value)
    assert "\u202e" not in str(raised.value)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://example.com/caf%c3%a9/", "https://example.com/caf%C3%A9/"),
        ("https://example.com/a..b/.well/", "https://example.com/a..b/.well/"),
        ("https://example.com/~me/", "https://example.com/~me/"),
        ("https://EXAMPLE.com:8443/News", "https://example.com:8443/News/"),
    ],
)
def test_a_canonical_base_url_is_kept(pyproject, url, normalised):
    """Dots inside a segment, '~' and escapes of other characters are fine (escapes in
    capitals, as RFC 3986 normalises them)."""
    assert load_site(pyproject, None, {"base_url": url}).base_url == normalised


def test_a_base_url_with_a_password_is_refused_without_showing_it(pyproject):
    """A user name in base_url is an error, and the message never repeats the password."""
    with pytest.raises(ConfigError, match="base_url: the URL has a user name") as raised:
        load_site(pyproject, None, {"base_url": "https://user:hunter2@example.com/"})
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://hub.example/../hub", "a '.' or '..' segment in its path"),
        ("https://hub.example//hub", "an empty segment"),
        ("https://hub.example/%2e%2e/hub", "an escaped '.'"),
        ("https://hub.example\\..\\/", "has a host that is not a domain name"),
        ("https://hub.example/hub#top", "has a fragment"),
    ],
)
def test_a_websub_hub_that_is_not_canonical_is_refused(pyproject, url, message):
    """websub_hub (linked from every feed, pinged by deploys) follows base_url's rules,
    a query apart."""
    with pytest.raises(ConfigError) as raised:
        load_site(pyproject, None, {"websub_hub": url})
    assert str(raised.value).startswith("configuration: websub_hub: ")
    assert message in str(raised.value)


def test_a_websub_hub_may_have_a_query(pyproject):
    """A hub URL keeps its query; its scheme and host are lowercased."""
    site = load_site(pyproject, None, {"websub_hub": "HTTPS://Hub.Example/publish?key=1"})
    assert site.websub_hub == "https://hub.example/publish?key=1"


@pytest.mark.parametrize("value", ["0", "-1", "'big'"])
def test_max_seed_bytes_must_be_a_positive_number(pyproject, tmp_path, value):
    """max_seed_bytes is a configuration key like the others: a bad value names it."""
    config = tmp_path / "site.toml"
    config.write_text(f"max_seed_bytes = {value}\n")
    with pytest.raises(ConfigError, match="configuration: max_seed_bytes: "):
        load_site(pyproject, config)


def test_max_seed_bytes_is_read_from_the_layers(pyproject, monkeypatch):
    """max_seed_bytes defaults to 2 MiB and is set like any key (here FEEDS_MAX_SEED_BYTES)."""
    assert load_site(pyproject).max_seed_bytes == 2 * 1024 * 1024
    monkeypatch.setenv("FEEDS_MAX_SEED_BYTES", "5000000")
    assert load_site(pyproject).max_seed_bytes == 5_000_000


@pytest.mark.parametrize("key", ["title", "description"])
def test_a_bidi_control_in_the_site_text_is_refused(pyproject, key):
    """The site's title and description refuse bidi controls as seeds do; marks stay."""
    with pytest.raises(ConfigError, match=f"configuration: {key}: bidi control U\\+202E"):
        load_site(pyproject, None, {key: "News \u202eswen"})
    assert getattr(load_site(pyproject, None, {key: "חדשות\u200f"}), key) == "חדשות\u200f"
