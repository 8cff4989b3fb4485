"""The console's languages: message catalogues, digits and calendars.

Every text a page shows comes from the Babel catalogue of its language
(``locale/<lang>/LC_MESSAGES/messages.po``, read at start-up): the English msgid
is the key, the Persian catalogue must translate every one (a test checks). Persian
pages are right-to-left, write numbers in Persian digits and dates in the Solar
Hijri calendar; English pages use the Gregorian calendar. Both show times in the
service's time zone (``SECOPS_TIMEZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import jdatetime
from babel.messages.pofile import read_po

Language = Literal["fa", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "fa"
LOCALE_DIR = Path(__file__).parent / "locale"

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def language_of(value: object) -> Language | None:
    """``value`` if it names a console language, else None."""
    return value if value in LANGUAGES else None


@cache
def catalogue(language: Language) -> dict[str, str]:
    """msgid → translation of one language (an empty translation falls back to the msgid)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and isinstance(m.id, str) and m.string}


@dataclass(frozen=True)
class Locale:
    """How one page speaks: its language, direction, digits and calendar."""

    language: Language
    zone: ZoneInfo

    @property
    def direction(self) -> str:
        return "rtl" if self.language == "fa" else "ltr"

    def gettext(self, message: str) -> str:
        return catalogue(self.language).get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def digits(self, text: object) -> str:
        """``text`` with Persian digits on a Persian page."""
        out = str(text)
        return out.translate(_PERSIAN_DIGITS) if self.language == "fa" else out

    def number(self, value: int | float) -> str:
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
        if self.language == "fa":
            text = text.replace(",", "\u066c").replace(".", "\u066b")  # Persian separators
        return self.digits(text)

    def when(self, value: datetime | str | float | None, *, seconds: bool = False) -> str:
        """A moment in the service's time zone: Solar Hijri in Persian, Gregorian in English."""
        instant = _instant(value)
        if instant is None:
            return "—"
        local = instant.astimezone(self.zone)
        clock = "%H:%M:%S" if seconds else "%H:%M"
        if self.language == "fa":
            solar = jdatetime.datetime.fromgregorian(datetime=local)
            return self.digits(solar.strftime(f"%Y/%m/%d {clock}"))
        return local.strftime(f"%Y-%m-%d {clock}")

    def day(self, value: datetime | str | None) -> str:
        """A short day label (for charts): month/day in the page's calendar and zone."""
        instant = _instant(value)
        if instant is None:
            return ""
        local = instant.astimezone(self.zone)
        if self.language == "fa":
            solar = jdatetime.datetime.fromgregorian(datetime=local)
            return self.digits(solar.strftime("%m/%d"))
        return local.strftime("%m-%d")


def _instant(value: datetime | str | float | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
