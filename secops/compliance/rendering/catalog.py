"""Message catalogues of the renderings: gettext ``.po`` files read with Babel.

Message ids are the English text; ``locale/fa/LC_MESSAGES/report.po`` holds the
Persian. English needs no file: an id is its own text. A Persian id without a
translation is a defect that ``tests/compliance/rendering/test_catalog.py``
catches, so it never reaches a printed report.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from babel.messages.pofile import read_po

_SOLAR_HIJRI_MONTHS = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)  # fmt: skip
_GREGORIAN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@cache
def _messages(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    path = resources.files("secops.compliance.rendering") / "locale" / lang / "LC_MESSAGES"
    with (path / "report.po").open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


class Catalogue:
    """The texts of one language; ``missing`` collects ids that had no translation."""

    def __init__(self, lang: Literal["fa", "en"]) -> None:
        self.lang = lang
        self._messages = _messages(lang)
        self.missing: set[str] = set()

    def gettext(self, message: str) -> str:
        if self.lang == "en":
            return message
        text = self._messages.get(message)
        if text is None:
            self.missing.add(message)
            return message
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def month(self, month: int) -> str:
        """A Solar Hijri month's name."""
        return self.gettext(_SOLAR_HIJRI_MONTHS[month - 1])

    def gregorian_month(self, month: int) -> str:
        return self.gettext(_GREGORIAN_MONTHS[month - 1])

    def era(self, calendar: str) -> str:
        """What follows a year where the reader would not assume its calendar."""
        if (calendar == "solar_hijri") == (self.lang == "fa"):
            return ""
        return self.gettext("(Solar Hijri)" if calendar == "solar_hijri" else "(Gregorian)")
