"""Reading the dates authors write, whatever the machine's locale.

Accepted: ``23 August, 2025``, ``23 August 2025``, ``August 23, 2025``,
``2025-08-23`` and ISO date-times (``2025-08-23T09:30:00+09:00``). Month names
come from the table below, never from ``strptime('%B')``, whose names follow
the process locale. A date without a time is midnight in the site's time zone;
fractions of a second are dropped; years outside 1900-2100 are refused (feed
readers misread them).
"""

from __future__ import annotations

import calendar
import difflib
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from feeds.models import quote

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS = {name.lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
MONTHS.update({name[:3]: number for name, number in list(MONTHS.items())})
MONTHS["sept"] = 9

FIRST_YEAR, LAST_YEAR = 1900, 2100
EXAMPLE = "write the date like '23 August, 2025' or '2025-08-23'"

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)


class DateProblem(ValueError):
    """The text is not a date we can read; the message says how to fix it."""


def parse_date(text: str, zone: ZoneInfo) -> datetime:
    """Read a date as authors write it; return an aware datetime."""
    text = text.strip()
    if _ISO_DATE.fullmatch(text):
        return _at_midnight(_iso_date(text), zone)
    if _ISO_DATETIME.fullmatch(text):
        return _iso_datetime(text, zone)
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = match.groups()
    elif match := _MONTH_DAY_YEAR.fullmatch(text):
        month, day, year = match.groups()
    else:
        raise DateProblem(f"unreadable date {quote(text)}; {EXAMPLE}")
    return _at_midnight(_calendar_date(int(year), _month_number(month), int(day), text), zone)


def _month_number(name: str) -> int:
    try:
        return MONTHS[name.lower()]
    except KeyError:
        close = difflib.get_close_matches(name.lower(), MONTHS, n=1)
        hint = f"did you mean '{close[0].title()}'? " if close else ""
        raise DateProblem(f"unknown month {quote(name)}; {hint}{EXAMPLE}") from None


def _calendar_date(year: int, month: int, day: int, text: str) -> date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateProblem(
            f"year {year} is out of range in {quote(text)}; feed readers misread dates "
            f"outside {FIRST_YEAR}-{LAST_YEAR}"
        )
    try:
        return date(year, month, day)
    except ValueError:
        days = calendar.monthrange(year, month)[1]
        raise DateProblem(
            f"impossible date {quote(text)}: {MONTH_NAMES[month - 1]} {year} has {days} days"
        ) from None


def _iso_date(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise DateProblem(f"impossible date {quote(text)}: there is no month {month}")
    return _calendar_date(year, month, day, text)


def _iso_datetime(text: str, zone: ZoneInfo) -> datetime:
    _iso_date(text[:10])  # the same messages for an impossible date part
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise DateProblem(
            f"impossible time in {quote(text)}; write it like '2025-08-23T09:30:00+09:00'"
        ) from None
    value = value.replace(microsecond=0)  # RSS cannot carry less than a second
    return value if value.tzinfo else _in_zone(value, zone)


def _at_midnight(day: date, zone: ZoneInfo) -> datetime:
    return _in_zone(datetime.combine(day, time()), zone)


def _in_zone(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone``; one that the clocks skip (a daylight-saving gap)
    becomes the valid time of the same instant, as every later conversion would make it."""
    return local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
