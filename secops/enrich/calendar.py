"""The parliament's calendar: local time, weekday, holidays and working time.

Times are read in one IANA time zone (``SECOPS_TIMEZONE``; Iran has kept no
daylight saving time since 2022, and zoneinfo knows the older rules). The week
starts on Saturday as in Iran. Holidays come from a file, one date a line,
Gregorian (``2026-03-21``) or Solar Hijri (``1405-01-01``, told apart by the year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime

from secops.errors import ConfigError
from secops.times import local_millis

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Years below this are Solar Hijri (1405 SH is 2026 CE); no Gregorian holiday is that old.
_HIJRI_BEFORE = 1700


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r} (an IANA name such as Asia/Tehran)") from exc


def parse_working_days(text: str) -> frozenset[int]:
    """``sat,sun,mon`` → weekday numbers (Monday 0)."""
    days = [d.strip().lower() for d in text.split(",") if d.strip()]
    bad = [d for d in days if d not in WEEKDAYS]
    if bad or not days:
        raise ConfigError(f"working days {text!r}: expected comma-separated {', '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(d) for d in days)


def parse_working_hours(text: str) -> tuple[time, time]:
    """``07:00-16:00`` → (start, end); the end is excluded."""
    m = _HOURS.match(text)
    if m is None:
        raise ConfigError(f"working hours {text!r}: expected HH:MM-HH:MM such as 07:00-16:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ConfigError(f"working hours {text!r}: not a time of day")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ConfigError(f"working hours {text!r}: the end must come after the start")
    return start, end


def parse_holiday(text: str) -> date:
    """One date, Gregorian or Solar Hijri; ValueError says what is wrong."""
    m = _DATE.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, Gregorian or Solar Hijri)")
    y, mo, d = (int(g) for g in m.groups())
    if y < _HIJRI_BEFORE:
        try:
            gregorian: date = jdatetime.date(y, mo, d).togregorian()
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a Solar Hijri date: {exc}") from None
        return gregorian
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a Gregorian date: {exc}") from None


def load_holidays(path: Path) -> frozenset[date]:
    """The dates of a holidays file; a bad line is a :class:`ConfigError` naming FILE:LINE."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the holidays file: {exc}", where=str(path)) from exc
    days: set[date] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        try:
            days.add(parse_holiday(content))
        except ValueError as exc:
            raise ConfigError(str(exc), where=f"{path}:{number}") from None
    return frozenset(days)


@dataclass(frozen=True)
class WorkCalendar:
    zone: ZoneInfo
    working_days: frozenset[int]
    start: time
    end: time
    holidays: frozenset[date] = frozenset()
    _cached: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Records of one second (syslog) or one burst share a timestamp: read it once.
        object.__setattr__(self, "_cached", lru_cache(maxsize=8192)(self._fields_of))

    def fields_of(self, timestamp: object) -> dict[str, object] | None:
        """The ``secops.time`` fields of an event's ``@timestamp`` (None: unreadable)."""
        if not isinstance(timestamp, str):
            return None
        found = self._cached(timestamp)
        return None if found is None else dict(found)

    def _fields_of(self, timestamp: str) -> dict[str, object] | None:
        instant = parse_instant(timestamp)
        return None if instant is None else self.describe(instant)

    @classmethod
    def parse(
        cls, *, timezone: str, working_days: str, working_hours: str, holidays: Path | None
    ) -> WorkCalendar:
        start, end = parse_working_hours(working_hours)
        return cls(
            zone=parse_timezone(timezone),
            working_days=parse_working_days(working_days),
            start=start,
            end=end,
            holidays=load_holidays(holidays) if holidays is not None else frozenset(),
        )

    def describe(self, instant: datetime) -> dict[str, object]:
        """The ``secops.time`` fields of an aware instant."""
        local = instant.astimezone(self.zone)
        day = local.date()
        holiday = day in self.holidays
        clock = local.time()
        working = (
            local.weekday() in self.working_days and not holiday and self.start <= clock < self.end
        )
        return {
            "local": local_millis(local),
            "weekday": WEEKDAYS[local.weekday()],
            "holiday": holiday,
            "working": working,
        }


def parse_instant(value: object) -> datetime | None:
    """An event's ``@timestamp`` as an aware datetime (UTC when it names no zone)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@lru_cache(maxsize=8192)
def epoch_of(timestamp: str) -> float | None:
    """An event's ``@timestamp`` in epoch seconds (None: unreadable); cached like the fields."""
    instant = parse_instant(timestamp)
    return None if instant is None else instant.timestamp()
