"""Reading seed files into articles, and every way a seed file can be wrong."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from titlecase import titlecase

from feeds._seeds import (
    METADATA_KEYS,
    _has_control_characters,
    headline,
    load_seeds,
    parse_seed,
)
from feeds.errors import SeedError, SeedErrors
from feeds.models import NOT_TEXT, QUOTE_LENGTH, quote
from tests.conftest import SAMPLE

GOOD = b"23 August, 2025\nleaders-meet\n\nFirst paragraph.\n"


def parse(data: bytes, site):
    return parse_seed("seeds/x.txt", data, site)


def problems_of(data: bytes, site) -> list[SeedError]:
    with pytest.raises(SeedErrors) as raised:
        parse(data, site)
    return raised.value.errors


def test_sample_article(site):
    """The shared sample parses with its derived title, summary, URL, id and date."""
    article = parse_seed(str(SAMPLE), SAMPLE.read_bytes(), site)
    assert article.slug == "japan-and-south-korea-leaders-forge-stronger-diplomatic-ties"
    assert article.title == "Japan and South Korea Leaders Forge Stronger Diplomatic Ties"
    assert article.published == datetime(2025, 8, 23, tzinfo=ZoneInfo("Europe/Paris"))
    assert article.summary.startswith("South Korean President Lee Jae Myung")
    assert len(article.paragraphs) == 8
    assert article.word_count == 391  # wc -w of the body
    assert article.url == (
        "https://test.example.org/news/articles/"
        "japan-and-south-korea-leaders-forge-stronger-diplomatic-ties/"
    )
    assert article.id == (
        "tag:example.org,2025-08-23:japan-and-south-korea-leaders-forge-stronger-diplomatic-ties"
    )


def test_paragraph_lines_join_and_blank_runs_separate(site):
    """Lines inside a paragraph join with a space; several blank lines separate once."""
    article = parse(b"2025-08-23\nslug\n\n  one\n  two  \n\n\n \nthree\n\n", site)
    assert article.paragraphs == ("one two", "three")


def test_bom_and_crlf_are_accepted(site):
    """A UTF-8 byte-order mark and Windows line endings read like plain LF text."""
    crlf = b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n")
    assert parse(crlf, site).model_dump() == parse(GOOD, site).model_dump()


def test_metadata_overrides_and_adds(site):
    """Metadata lines set title, tags, author, updated and summary."""
    article = parse(
        b"2025-08-23\nslug\ntitle: A Better Title\ntags: one, two , one,,\nauthor: Kim\n"
        b"updated: 2025-08-25\nsummary: Short.\n\nBody.\n",
        site,
    )
    assert article.title == "A Better Title"
    assert article.tags == ("one", "two")
    assert article.author == "Kim"
    assert article.updated == datetime(2025, 8, 25, tzinfo=ZoneInfo("Europe/Paris"))
    assert article.summary == "Short."


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", 0, "file is empty"),
        (b"  \n\n", 0, "file is empty"),
        (b"\nslug\n\nBody.\n", 1, "missing date"),
        (b"23 August, 2025\n", 2, "missing slug"),
        (b"23 August, 2025\n\n\nBody.\n", 2, "missing slug"),
        (b"31 February, 2025\nslug\n\nBody.\n", 1, "February 2025 has 28 days"),
        (b"23 Agust, 2025\nslug\n\nBody.\n", 1, "unknown month 'Agust'"),
        (b"someday\nslug\n\nBody.\n", 1, "unreadable date 'someday'"),
        (
            b"2025-08-23\nJapan Korea\n\nBody.\n",
            2,
            "slug 'Japan Korea' is not URL-safe; use 'japan-korea'",
        ),
        (b"2025-08-23\nJapan-Korea\n\nBody.\n", 2, "use 'japan-korea'"),
        (b"2025-08-23\n../etc/passwd\n\nBody.\n", 2, "use 'etc-passwd'"),
        (b"2025-08-23\na/b\n\nBody.\n", 2, "is not URL-safe"),
        (b"2025-08-23\n..\n\nBody.\n", 2, "use lowercase letters, digits and hyphens"),
        (b"2025-08-23\na--b\n\nBody.\n", 2, "use 'a-b'"),
        (b"2025-08-23\n" + b"a" * 121 + b"\n\nBody.\n", 2, "121 characters long"),
        (b"2025-08-23\nslug\n\n", 0, "no body"),
        (b"2025-08-23\nslug\n", 0, "no body"),
        (b"2025-08-23\nslug\n\nBad \xff byte.\n", 4, "invalid UTF-8 at column 5 (byte 0xff)"),
        (b"2025-08-23\nslug\n\nBell \x07 here.\n", 4, "control character U+0007 at column 6"),
        (b"2025-08-23\nslug\n\nForm\x0cfeed.\n", 4, "U+000C"),
        ("2025-08-23\nslug\n\nNon\ufffecharacter.\n".encode(), 4, "U+FFFE"),
        (b"2025-08-23\nslug\n\nNull\x00.\n", 4, "U+0000"),
        (
            b"2025-08-23\nslug\ncolour: red\n\nBody.\n",
            3,
            "unknown metadata key 'colour'; use one of aliases, author",
        ),
        (
            b"2025-08-23\nslug\ntitle: A\ntitle: B\n\nBody.\n",
            4,
            "metadata key 'title' is given twice",
        ),
        (b"2025-08-23\nslug\ntitle:\n\nBody.\n", 3, "metadata key 'title' has no value"),
        (
            b"2025-08-23\nslug\nBody without a blank line\n",
            3,
            "expected a blank line after the slug",
        ),
        (b"2025-08-23\nslug\nupdated: 2025-08-01\n\nBody.\n", 3, "is before the publication date"),
        (b"2025-08-23\nslug\n\nVertical\x0btab.\n", 4, "U+000B"),
        (b"2025-08-23\nslug\n\nShift\x0eout.\n", 4, "U+000E"),
        (b"2025-08-23\nslug\n\nUnit\x1fseparator.\n", 4, "U+001F"),
        ("2025-08-23\nslug\n\nNon\uffffcharacter.\n".encode(), 4, "U+FFFF"),
        ("2025-08-23\nslug\n\nNext\x85line.\n".encode(), 4, "U+0085"),
        (b"\xef\xbb\xbf2025-08-23\nslug\n\nBell \x07 here.\n", 4, "U+0007 at column 6"),  # BOM
        (b"2025-08-23\rslug\r\rBell \x07 here.\r", 4, "U+0007 at column 6"),  # old Mac lines
        (b"2025-08-23\r\nslug\r\n\r\nA\xff\x07.\r\n", 4, "U+0007 at column 3"),  # after bad byte
        (b"1899-12-31\nslug\n\nBody.\n", 1, "year 1899 is out of range"),
        (b"2101-01-01\nslug\n\nBody.\n", 1, "year 2101 is out of range"),
        (b"2025-08-23\nslug\nupdated: soon\n\nBody.\n", 3, "unreadable date 'soon'"),
    ],
)
def test_each_problem_names_its_line_and_fix(site, data, line, message):
    """Every kind of bad seed gives 'path:line: message' with what to do."""
    problems = problems_of(data, site)
    assert [(p.path, p.line) for p in problems if message in p.message] == [("seeds/x.txt", line)]


def test_error_prints_like_a_compiler_message(site):
    """A problem reads 'path:line: message'; whole-file problems omit the line."""
    (slug,) = problems_of(b"2025-08-23\nBad Slug\n\nBody.\n", site)
    assert str(slug) == "seeds/x.txt:2: slug 'Bad Slug' is not URL-safe; use 'bad-slug'"
    (empty,) = problems_of(b"", site)
    assert str(empty).startswith("seeds/x.txt: file is empty")


def test_invalid_utf8_does_not_hide_other_problems(site):
    """Each undecodable byte is reported (column in characters) beside the file's other problems."""
    problems = problems_of(
        "2025-02-30\nBad Slug\n\nCafé \udcff and \udcfe.\n".encode(errors="surrogateescape"), site
    )
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (1, "impossible date '2025-02-30': February 2025 has 28 days"),
        (2, "slug 'Bad Slug' is not URL-safe"),
        (4, "invalid UTF-8 at column 6 (byte 0xff)"),
        (4, "invalid UTF-8 at column 12 (byte 0xfe)"),
    ]


def test_fractional_seconds_are_dropped(site):
    """Sub-second times are cut to the second, which every feed format can carry."""
    article = parse(b"2025-08-23T09:30:00.7+09:00\nslug\n\nBody.\n", site)
    assert article.published.microsecond == 0
    assert article.published.second == 0


def test_every_problem_of_a_file_at_once(site):
    """A file with a bad date, a bad slug and an unknown key reports all three."""
    problems = problems_of(b"2025-02-30\nNo Good\nfoo: bar\n\nBody \x01.\n", site)
    assert [p.line for p in problems] == [1, 2, 3, 5]


def test_duplicate_slugs_name_both_files(tmp_path: Path, site):
    """Two files with one slug are both reported, each naming the other."""
    (tmp_path / "a.txt").write_bytes(GOOD)
    (tmp_path / "b.txt").write_bytes(GOOD.replace(b"First", b"Other"))
    articles, problems = load_seeds(tmp_path, site)
    assert articles == []
    assert [str(p) for p in problems] == [
        f"{tmp_path}/a.txt:2: slug 'leaders-meet' is also used by {tmp_path}/b.txt; "
        "give each article its own slug",
        f"{tmp_path}/b.txt:2: slug 'leaders-meet' is also used by {tmp_path}/a.txt; "
        "give each article its own slug",
    ]


def test_load_seeds_reports_every_file(tmp_path: Path, site):
    """Problems from several files come back together, sorted by path and line."""
    (tmp_path / "z.txt").write_bytes(b"")
    (tmp_path / "a.txt").write_bytes(b"nope\nBad\n\nBody.\n")
    (tmp_path / "ok.txt").write_bytes(GOOD)
    (tmp_path / "notes.md").write_bytes(b"not a seed")
    articles, problems = load_seeds(tmp_path, site)
    assert [a.slug for a in articles] == ["leaders-meet"]
    assert [(Path(p.path).name, p.line) for p in problems] == [
        ("a.txt", 1),
        ("a.txt", 2),
        ("z.txt", 0),
    ]


# --- properties -------------------------------------------------------------

words = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs"),
        exclude_characters="\ufffe\uffff",
    ),
    min_size=1,
    max_size=12,
)
paragraphs = st.lists(words, min_size=1, max_size=8).map(" ".join)
slugs = st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,4}", fullmatch=True)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    slug=slugs,
    body=st.lists(paragraphs, min_size=1, max_size=5),
    tags=st.lists(
        st.from_regex(r"[A-Za-z][A-Za-z ]{0,10}[A-Za-z]", fullmatch=True), max_size=3, unique=True
    ),
)
def test_written_articles_read_back_equal(site, day, slug, body, tags):
    """An article written out in the seed format parses back to the same fields."""
    header = f"{day.day} {_month(day.month)}, {day.year}\n{slug}\n"
    if tags:
        header += f"tags: {', '.join(tags)}\n"
    text = header + "\n" + "\n\n".join(body) + "\n"
    article = parse(text.encode(), site)
    assert article.slug == slug
    assert article.published.date() == day
    assert article.paragraphs == tuple(body)
    assert article.tags == tuple(tags)
    assert article.summary == body[0]


def _month(number: int) -> str:
    from feeds._dates import MONTH_NAMES

    return MONTH_NAMES[number - 1]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_any_bytes_give_an_article_or_seed_errors(site, data):
    """Whatever the bytes, parsing returns an Article or raises SeedErrors, never anything else."""
    try:
        parse(data, site)
    except SeedErrors as errors:
        assert errors.errors
        assert all(error.path == "seeds/x.txt" for error in errors.errors)


@settings(max_examples=2000)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=6),
            st.sampled_from(["\x85", "\x9f", "\xa0", "\ufffd", "\ufffe", "\uffff", "\x7f"]).map(
                str.encode
            ),
            st.sampled_from([b"\xc2", b"\xef\xbf", b"\xef", b"\xbf\xbe"]),  # torn sequences
            st.text(max_size=4).map(str.encode),
        ),
        max_size=8,
    ).map(b"".join)
)
def test_control_characters_are_found_in_any_bytes(data):
    """The byte-level check finds a refused character exactly when the decoded text has one."""
    text = data.decode("utf-8", errors="replace")
    assert _has_control_characters(data) == (NOT_TEXT.search(text) is not None)


def test_control_characters_are_found_as_the_text_pattern_finds_them():
    """Every character of the Basic Multilingual Plane: the bytes check and NOT_TEXT agree
    (a character added to one of them only fails here)."""
    for code in (*range(0xD800), *range(0xE000, 0x10000)):
        character = chr(code)
        found = _has_control_characters(character.encode())
        assert found == (NOT_TEXT.match(character) is not None), f"U+{code:04X}"


@settings(max_examples=500)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["a", "an", "and", "of", "the", "to", "v", "vs", "via", "in", "on"]),
            st.sampled_from(["mcdonald", "q2", "3d", "iphone", "o", "x", "e", "us", "uk", "2025"]),
            st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_headline_matches_titlecase(words):
    """The cached headline case of a slug is exactly what titlecase makes of its words."""
    slug = "-".join(words)
    assert headline(slug) == titlecase(" ".join(words))


# --- what error messages quote ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Agust", "'Agust'"),
        ("it's", '"it\'s"'),
        ("a" * 40, "'" + "a" * 40 + "'"),
        ("a" * 41, "'" + "a" * 40 + "'..."),
        ("a\u202eb\x1b[2Jc", "'a\\u202eb\\x1b[2Jc'"),
        ("tab\there", "'tab\\there'"),
        ("back\\slash", "'back\\\\slash'"),
        ("\x00" * 30, "'" + "\\x00" * 10 + "'..."),
        ("한국 일본", "'한국 일본'"),
    ],
)
def test_quote_shows_a_short_printable_excerpt(text, shown):
    """quote() keeps repr's form, escapes what is not printable and cuts at 40 characters."""
    assert quote(text) == shown


@settings(max_examples=500)
@given(st.text(max_size=200))
def test_quote_is_short_printable_and_repr_when_it_fits(text):
    """Any text quotes in at most 45 printable characters; when repr fits, it is repr."""
    shown = quote(text)
    assert len(shown) <= QUOTE_LENGTH + 5
    assert shown.isprintable()
    if len(repr(text)) <= QUOTE_LENGTH + 2:
        assert shown == repr(text)


@pytest.mark.parametrize(
    "line",
    [
        b"aws_access_key_id = AKIAIOSFODNN7EXAMPLEKEYTHATISLONGERTHANFORTY",
        b"title: " + b"A" * 300,
        b"tags: ,,," + b"#" * 300,
        b"aliases: " + b"X" * 100,
        b"updated: " + b"9" * 300,
        b"colour" + b"x" * 300 + b": red",
    ],
)
def test_no_message_quotes_more_than_an_excerpt_of_a_line(site, line):
    """Whatever a line holds, no message repeats more than 40 characters of it."""
    problems = problems_of(line + b"\n" + line + b"\n\nBody.\n", site)  # as date and slug
    try:
        parse(b"2025-08-23\nslug\n" + line + b"\n\nBody.\n", site)  # as metadata
    except SeedErrors as errors:
        problems += errors.errors
    for problem in problems:
        assert not _longest_quoted(line.decode(), problem.message) > QUOTE_LENGTH


def _longest_quoted(line: str, message: str) -> int:
    """The longest run of the line's characters (from any point) that the message repeats."""
    longest = 0
    for start in range(len(line)):
        while line[start : start + longest + 1] in message and start + longest < len(line):
            longest += 1
    return longest


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from([*METADATA_KEYS, "colour"]),
    value=st.text(max_size=300),
    first=st.text(max_size=100),
)
def test_any_metadata_value_gives_an_article_or_bounded_seed_errors(site, key, value, first):
    """Any text as a metadata value (or as the date line) gives an Article or SeedErrors,
    never another exception, and no message exceeds 400 characters or repeats more
    than 40 characters of a value."""
    for data in (
        f"2025-08-23\nslug\n{key}: {value}\n\nBody.\n".encode(),
        f"{first}\n{value}\n\nBody.\n".encode(),
    ):
        try:
            parse(data, site)
        except SeedErrors as errors:
            assert errors.errors
            for error in errors.errors:
                assert len(error.message) <= 400
                assert _longest_quoted(value, error.message) <= QUOTE_LENGTH + 25


# --- bidi controls and floods -----------------------------------------------

BIDI = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]


@pytest.mark.parametrize("control", BIDI, ids=lambda control: f"U+{ord(control):04X}")
@pytest.mark.parametrize(
    ("template", "field", "line"),
    [
        ("2025-08-23\nslug\ntitle: Bank {} news\n\nBody.\n", "title", 3),
        ("2025-08-23\nslug\ntags: one, t{}wo\n\nBody.\n", "tags", 3),
        ("2025-08-23\nslug\nauthor: Kim {}Lee\n\nBody.\n", "author", 3),
        ("2025-08-23\nslug\nsummary: Sum{}mary.\n\nBody.\n", "summary", 3),
        ("2025-08-23\nslug\n\nFirst.\n\nPay {}100 now.\n", "body", 6),
    ],
)
def test_a_bidi_control_is_an_error_naming_field_code_point_and_line(
    site, control, template, field, line
):
    """An embedding, override or isolate control is reported with its field, code point,
    name and line, in every published field and in the body."""
    problems = problems_of(template.format(control).encode(), site)
    code = f"U+{ord(control):04X}"
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (line, f"{field}: bidi control {code}")
    ]
    assert unicodedata.name(control) in problems[0].message
    assert control not in str(problems[0])


def test_right_to_left_marks_stay_allowed(site):
    """RLM, LRM and ALM are what right-to-left text needs: they are published."""
    article = parse(
        "2025-08-23\nslug\ntitle: שלום\u200f world\nauthor: \u061cعلي\ntags: \u200eעברית\n\n"
        "Hebrew \u200fשלום\u200e and Arabic.\n".encode(),
        site,
    )
    assert article.title == "שלום\u200f world"
    assert article.paragraphs == ("Hebrew \u200fשלום\u200e and Arabic.",)


def test_a_flood_of_bad_characters_is_listed_briefly(site):
    """300 kB of bad bytes, control characters, bidi controls or bad lines give at most
    about a hundred problems, each short, one a count of the rest (listing every bad
    byte of a long line was once quadratic: minutes for a 2 MB line)."""
    size = 300_000
    for body in (
        b"\xff" * size,
        b"\xff\n" * (size // 2),
        b"\x00" * size,
        "\u202e".encode() * (size // 3),
        b"\x07\n" * (size // 2),
    ):
        for data in (b"2025-08-23\nslug\n\n" + body, b"2025-08-23\nslug\ntags: " + body):
            problems = problems_of(data, site)
            assert len(problems) <= 102
            assert max(len(problem.message) for problem in problems) <= 200
            assert any(" more " in p.message and "not listed" in p.message for p in problems)


def test_a_few_bad_characters_are_each_listed(site):
    """Below the cap every bad byte and character is its own problem, with its column."""
    data = b"2025-08-23\nslug\n\n" + b"a\x00" * 20 + b"\n"
    problems = problems_of(data, site)
    assert [p.message.split(" cannot")[0] for p in problems] == [
        f"control character U+0000 at column {2 * n}" for n in range(1, 21)
    ]
