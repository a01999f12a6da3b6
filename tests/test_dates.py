"""Reading publication dates the way authors write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds._dates import DateProblem, parse_date

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "text",
    [
        "23 August, 2025",
        "23 August 2025",
        "August 23, 2025",
        "2025-08-23",
        "23 Aug 2025",
        "aug 23 2025",
    ],
)
def test_accepted_forms_mean_midnight_in_the_site_zone(text):
    """Every accepted way of writing a day gives midnight of that day in the site's zone."""
    assert parse_date(text, PARIS) == datetime(2025, 8, 23, tzinfo=PARIS)


def test_iso_datetime_keeps_its_offset():
    """An ISO date-time with an offset is taken as written."""
    value = parse_date("2025-08-23T09:30:00+09:00", PARIS)
    assert value.utcoffset() == timedelta(hours=9)
    assert value == datetime(2025, 8, 23, 0, 30, tzinfo=UTC)


def test_iso_datetime_without_offset_is_in_the_site_zone():
    """A date-time without an offset is read in the site's time zone."""
    assert parse_date("2025-08-23T09:30", PARIS) == datetime(2025, 8, 23, 9, 30, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("23 Agust, 2025", "unknown month 'Agust'; did you mean 'August'?"),
        ("31 February, 2025", "impossible date '31 February, 2025': February 2025 has 28 days"),
        ("2025-13-01", "there is no month 13"),
        ("2025-02-30", "February 2025 has 28 days"),
        ("0000-01-01", "year 0 is out of range"),
        ("2025-08-23T25:00:00+00:00", "impossible time"),
        ("yesterday", "unreadable date 'yesterday'"),
        ("23/08/2025", "unreadable date"),
    ],
)
def test_bad_dates_say_what_is_wrong(text, message):
    """A date we cannot read raises a message that names the problem and the fix."""
    with pytest.raises(DateProblem, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_date(text, PARIS)


def test_month_names_do_not_follow_the_locale(german_locale):
    """English month names are read even when the process locale is German."""
    with german_locale():
        assert parse_date("23 March, 2025", PARIS).month == 3  # 'März' in German
        assert parse_date("May 1, 2025", PARIS).month == 5  # 'Mai' in German
