"""Numbers, dates, periods and durations as a reader of each language writes them.

Persian: Persian digits and separators, Solar Hijri dates (jdatetime) in the
report's time zone. English: Latin digits, Gregorian dates. Numbers go through
Babel's English patterns first, then Persian digits replace the Latin ones, so
both languages group and round alike.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import jdatetime
from babel.dates import format_date
from babel.numbers import format_decimal

from secops.compliance.rendering.catalog import Catalogue

Lang = Literal["fa", "en"]
LANGS: tuple[Lang, ...] = ("fa", "en")

MINUS = "\u2212"
# Persian digits, the Arabic thousands and decimal separators, percent and minus signs.
_PERSIAN = str.maketrans(
    "0123456789,.%-",
    "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9\u066c\u066b\u066a" + MINUS,
)
_LABEL = re.compile(r"^(?P<year>\d{4})(?:-(?P<part>\d{2}|Q[1-4]|H[12]))?$")


def digits(text: str, lang: Lang) -> str:
    """``text`` with Persian digits and separators in Persian."""
    return text.translate(_PERSIAN) if lang == "fa" else text


def number(value: float | int | None, lang: Lang, *, places: int = 0) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return digits(format_decimal(value, format=pattern, locale="en"), lang)


def percent(ratio: float | None, lang: Lang) -> str:
    if ratio is None:
        return "—"
    text = format_decimal(ratio * 100, format="#,##0.#", locale="en")
    return digits(text + "%", lang)


def signed(value: float | None, lang: Lang, *, places: int = 0) -> str:
    """A change: ``+12``, ``-3`` (with a minus sign), ``0``."""
    if value is None:
        return "—"
    text = number(abs(value), lang, places=places)
    if value > 0:
        return "+" + text
    return (MINUS + text) if value < 0 else text


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def day(moment: date | datetime, lang: Lang, tz: str, cat: Catalogue) -> str:
    """A calendar day: 1 Mehr 1405 in Persian words and digits, or ``23 September 2026``."""
    d = local(moment, tz).date() if isinstance(moment, datetime) else moment
    if lang == "en":
        return format_date(d, format="d MMMM y", locale="en")
    j = jdatetime.date.fromgregorian(date=d)
    return digits(f"{j.day} {cat.month(j.month)} {j.year}", lang)


def short_day(d: date, lang: Lang) -> str:
    """An axis tick: ``07/01`` (Solar Hijri month/day) or ``Sep 23``."""
    if lang == "en":
        return format_date(d, format="MMM d", locale="en")
    j = jdatetime.date.fromgregorian(date=d)
    return digits(f"{j.month:02d}/{j.day:02d}", lang)


def moment_text(moment: datetime, lang: Lang, tz: str, cat: Catalogue) -> str:
    """A day and a time of day in ``tz``."""
    at = local(moment, tz)
    return day(at, lang, tz, cat) + " " + digits(at.strftime("%H:%M"), lang)


def last_day(end: datetime, tz: str) -> date:
    """The last day of [start, end): the day before the local midnight ``end``."""
    return date.fromordinal(local(end, tz).date().toordinal() - 1)


def period_name(label: str, calendar: str, lang: Lang, cat: Catalogue) -> str:
    """``1405-H1`` as a reader says it: ``First half of 1405``, or the same in Persian."""
    match = _LABEL.match(label)
    if match is None:
        return digits(label, lang)
    year, part = match["year"], match["part"]
    era = cat.era(calendar)
    if part is None:
        text = cat.gettext("Year {year}").format(year=year)
    elif part.startswith("H"):
        text = cat.gettext("First half of {year}" if part == "H1" else "Second half of {year}")
        text = text.format(year=year)
    elif part.startswith("Q"):
        text = cat.gettext("Quarter {n} of {year}").format(n=part[1], year=year)
    else:
        month = int(part)
        name = cat.month(month) if calendar == "solar_hijri" else cat.gregorian_month(month)
        text = f"{name} {year}"
    return digits(f"{text} {era}".strip(), lang)


def duration(seconds: float | None, lang: Lang, cat: Catalogue) -> str:
    """``3 h 20 min``, ``2 d 4 h``, ``45 s``."""
    if seconds is None:
        return "—"
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [(days, "d"), (hours, "h")]
    elif hours:
        parts = [(hours, "h"), (minutes, "min")]
    elif minutes:
        parts = [(minutes, "min"), (secs, "s")]
    else:
        parts = [(secs, "s")]
    text = " ".join(f"{n} {cat.gettext(unit)}" for n, unit in parts if n or unit == parts[0][1])
    return digits(text, lang)
