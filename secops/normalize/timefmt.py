"""Timestamps: everything becomes an ISO-8601 UTC string with milliseconds."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime

from secops.times import iso_millis

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_DAY = 86400.0


def epoch_from_parts(
    year: int, month: int, day: int, hh: int, mm: int, ss: int, offset_s: int = 0
) -> int:
    """Epoch seconds of a wall-clock time at ``offset_s`` seconds east of UTC."""
    if not (1 <= month <= 12 and 1 <= day <= 31 and hh < 24 and mm < 60 and ss < 61):
        raise ValueError(f"invalid date {year}-{month}-{day} {hh}:{mm}:{ss}")
    return calendar.timegm((year, month, day, hh, mm, ss, 0, 0, 0)) - offset_s


def iso_from_bsd(mon: str, day: int | str, hms: str, frac: str | None, received_at: float) -> str:
    """RFC 3164 ``Mmm dd hh:mm:ss``: no year and no zone; UTC, year from ``received_at``.

    When the received year puts the event more than a day in the future (a December
    line received in January), the previous year is meant.
    """
    month, day = MONTHS[mon], int(day)
    hh, mm, ss = int(hms[0:2]), int(hms[3:5]), int(hms[6:8])
    year = time.gmtime(received_at).tm_year
    t = epoch_from_parts(year, month, day, hh, mm, ss)
    if t > received_at + _DAY:
        t = epoch_from_parts(year - 1, month, day, hh, mm, ss)
    return iso_millis(t + (float("0." + frac) if frac else 0.0))


def offset_seconds(tz: str) -> int:
    """Seconds east of UTC of ``+0200``, ``-07:00``, ``Z``."""
    if tz in ("Z", "z", "", "UTC", "GMT"):
        return 0
    if tz[0] not in "+-":
        raise ValueError(f"invalid UTC offset {tz!r}")
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    if not digits.isdigit() or len(digits) not in (2, 4):
        raise ValueError(f"invalid UTC offset {tz!r}")
    hours, minutes = int(digits[0:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset {tz!r}")
    return sign * (hours * 3600 + minutes * 60)


def iso_from_clf(text: str) -> str:
    """Common Log Format ``25/Oct/2016:14:49:33 +0200``."""
    day, mon, rest = text.split("/", 2)
    year, hh, mm, ss_tz = rest.split(":", 3)
    ss, _, tz = ss_tz.partition(" ")
    t = epoch_from_parts(int(year), MONTHS[mon], int(day), int(hh), int(mm), int(ss))
    return iso_millis(t - offset_seconds(tz))


def iso_from_iso(text: str) -> str:
    """Any ISO-8601 form ``fromisoformat`` reads; a time without zone is taken as UTC."""
    dt = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text[:11] else text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return iso_millis(dt.timestamp())
