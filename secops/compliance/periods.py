"""Report periods: a month, quarter, half-year or year of a calendar, in a time zone.

The parliament's calendar is the Solar Hijri one (half-years Farvardin to Shahrivar and
Mehr to Esfand); the Gregorian one is there for everyone else. A period is written
``1405`` (year), ``1405-H1`` (half-year), ``1405-Q3`` (quarter) or ``1405-07``
(month); it runs from local midnight of its first day to local midnight of the next
period's first day, in the configured IANA time zone. Where a zone skips midnight
(a daylight-saving change at 00:00), a day starts at its first instant that exists.

Pure: no store, no settings; the scheduler, the CLI and the API build on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

import jdatetime

from secops.compliance.report_model import Calendar, PeriodDoc, PeriodKind
from secops.errors import InvalidInputError

CALENDARS: tuple[Calendar, ...] = get_args(Calendar)
KINDS: tuple[PeriodKind, ...] = get_args(PeriodKind)
# How many months each kind spans; all kinds start on a month and tile the year.
MONTHS: dict[PeriodKind, int] = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
_COUNT: dict[PeriodKind, int] = {k: 12 // n for k, n in MONTHS.items()}
_LABEL = re.compile(r"^(\d{4})(?:-(?:(H[12])|(Q[1-4])|(\d{2})))?$")
# Years a label may name: Solar Hijri 1405 is Gregorian 2026, so the ranges never meet.
_YEARS: dict[Calendar, range] = {"solar_hijri": range(1300, 1700), "gregorian": range(1900, 2400)}
_DAY = timedelta(days=1)


def _month_start(calendar: Calendar, year: int, month: int) -> date:
    """The Gregorian date of the first day of ``month`` of ``year`` in ``calendar``."""
    if calendar == "gregorian":
        return date(year, month, 1)
    converted: date = jdatetime.date(year, month, 1).togregorian()
    return converted


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz`` (aware, in ``tz``)."""
    naive = datetime.combine(day, time())
    guess = naive.replace(tzinfo=tz)  # fold=0: the earlier of two midnights
    if guess.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive:
        return guess
    # Midnight does not exist that day: the day begins at the clock change. Find the
    # first second whose local date is ``day`` (zones change on whole seconds).
    lo = int((guess - _DAY).timestamp())
    hi = int((guess + _DAY).timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).date() >= day:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, tz)


def _local_date(instant: datetime, calendar: Calendar, tz: ZoneInfo) -> tuple[int, int]:
    """(year, month) of ``instant`` in ``calendar``, read in ``tz``."""
    if instant.tzinfo is None:
        raise InvalidInputError("a time without a time zone cannot be placed in a period")
    day = instant.astimezone(tz).date()
    if calendar == "gregorian":
        return day.year, day.month
    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month


@dataclass(frozen=True)
class Period:
    """The ``index``-th period of ``kind`` in ``year`` (1-based: month 1-12, quarter 1-4,
    half 1-2, year 1)."""

    calendar: Calendar
    kind: PeriodKind
    year: int
    index: int
    timezone: str

    def __post_init__(self) -> None:
        if self.calendar not in CALENDARS:
            raise InvalidInputError(f"calendar {self.calendar!r}: one of {', '.join(CALENDARS)}")
        if self.kind not in KINDS:
            raise InvalidInputError(f"period kind {self.kind!r}: one of {', '.join(KINDS)}")
        if not 1 <= self.index <= _COUNT[self.kind]:
            raise InvalidInputError(f"a year has {_COUNT[self.kind]} periods of kind {self.kind}")
        years = _YEARS[self.calendar]
        if self.year not in years:
            raise InvalidInputError(
                f"year {self.year} is outside the {self.calendar} years "
                f"{years.start}-{years.stop - 1}"
            )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_month(self) -> int:
        return (self.index - 1) * MONTHS[self.kind] + 1

    @property
    def label(self) -> str:
        suffix = {
            "year": "",
            "half_year": f"-H{self.index}",
            "quarter": f"-Q{self.index}",
            "month": f"-{self.index:02d}",
        }[self.kind]
        return f"{self.year}{suffix}"

    @property
    def start(self) -> datetime:
        return local_midnight(_month_start(self.calendar, self.year, self.first_month), self.tz)

    @property
    def end(self) -> datetime:
        return self.next().start

    @property
    def report_id(self) -> str:
        """One id per calendar, kind and period: the store refuses a second report."""
        return f"rpt-{self.calendar}-{self.kind}-{self.label}"

    def _shift(self, by: int) -> Period:
        n = _COUNT[self.kind]
        flat = self.year * n + (self.index - 1) + by
        return Period(self.calendar, self.kind, flat // n, flat % n + 1, self.timezone)

    def next(self) -> Period:
        return self._shift(1)

    def previous(self) -> Period:
        return self._shift(-1)

    def doc(self) -> PeriodDoc:
        return PeriodDoc(
            calendar=self.calendar,
            kind=self.kind,
            label=self.label,
            start=self.start,
            end=self.end,
            timezone=self.timezone,
        )


def parse_period(label: str, *, calendar: Calendar, timezone: str) -> Period:
    """``1405``, ``1405-H1``, ``1405-Q3`` or ``1405-07`` of ``calendar``."""
    m = _LABEL.match(label.strip())
    if m is None:
        raise InvalidInputError(
            f"period {label!r}: expected YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM (e.g. 1405-H1)"
        )
    year, half, quarter, month = m.groups()
    if half:
        kind, index = "half_year", int(half[1])
    elif quarter:
        kind, index = "quarter", int(quarter[1])
    elif month:
        kind, index = "month", int(month)
    else:
        kind, index = "year", 1
    other: Calendar = "gregorian" if calendar == "solar_hijri" else "solar_hijri"
    if int(year) not in _YEARS[calendar] and int(year) in _YEARS[other]:
        raise InvalidInputError(f"period {label!r} is a {other} year; ask for calendar {other}")
    return Period(calendar, kind, int(year), index, timezone)  # type: ignore[arg-type]


def period_containing(
    instant: datetime, *, calendar: Calendar, kind: PeriodKind, timezone: str
) -> Period:
    year, month = _local_date(instant, calendar, ZoneInfo(timezone))
    return Period(calendar, kind, year, (month - 1) // MONTHS[kind] + 1, timezone)


def last_closed(now: datetime, *, calendar: Calendar, kind: PeriodKind, timezone: str) -> Period:
    """The newest period of ``kind`` that ended at or before ``now``."""
    return period_containing(now, calendar=calendar, kind=kind, timezone=timezone).previous()


def closed_since(
    since: datetime, now: datetime, *, calendar: Calendar, kind: PeriodKind, timezone: str
) -> list[Period]:
    """Periods of ``kind`` that ended in (since, now], oldest first."""
    out: list[Period] = []
    period = last_closed(now, calendar=calendar, kind=kind, timezone=timezone)
    while period.end > since:
        out.append(period)
        period = period.previous()
    return out[::-1]


def week_start(day: date) -> date:
    """The Saturday that begins ``day``'s week (the week of the parliament's calendar)."""
    return day - timedelta(days=(day.weekday() - 5) % 7)
