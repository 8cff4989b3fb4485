"""The people directory: who is behind an account, their clearance and committees.

Read from a CSV file with the header ``user,clearance,committees,aliases`` and the
optional columns ``display_name,unit,roles``; lists are ``;``-separated. Every
rejected row is reported as ``FILE:LINE: reason`` and nothing is loaded unless
every row is good.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from secops.errors import InvalidInputError

# Clearance and classification on one scale, so rules compare numbers.
CLEARANCE_RANKS: dict[str, int] = {"public": 0, "internal": 1, "confidential": 2, "secret": 3}

REQUIRED_COLUMNS = ("user", "clearance", "committees", "aliases")
OPTIONAL_COLUMNS = ("display_name", "unit", "roles")
MAX_PEOPLE = 100_000

# Account names, committees, units and roles are keywords: no spaces, no separators.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@\\-]{0,127}$")
_KEYWORD = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,63}$")


class Person(BaseModel):
    """One person of the directory; lists are sorted, keywords lower-case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user: str
    clearance: str
    committees: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    display_name: str | None = None
    unit: str | None = None
    roles: tuple[str, ...] = ()

    @property
    def clearance_rank(self) -> int:
        return CLEARANCE_RANKS[self.clearance]


class DirectoryRejectedError(InvalidInputError):
    """Rows of a people file were rejected; ``rows`` holds each as ``FILE:LINE: reason``."""

    def __init__(self, rows: list[str], *, where: str) -> None:
        self.rows = rows
        shown = rows[:200]
        more = f"\n... and {len(rows) - len(shown)} more" if len(rows) > len(shown) else ""
        super().__init__(
            f"{len(rows)} row(s) rejected, nothing loaded:\n" + "\n".join(shown) + more,
        )
        self.where = where


@dataclass(frozen=True)
class Directory:
    """People by canonical user, and every account name (user or alias) to its person.

    Account names match case-insensitively. ``generation`` names the import the
    directory came from (empty: none was ever imported).
    """

    people: tuple[Person, ...] = ()
    generation: str = ""
    _accounts: dict[str, Person] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, people: Iterable[Person], *, generation: str) -> Directory:
        people = tuple(people)
        accounts: dict[str, Person] = {}
        for person in people:
            for name in (person.user, *person.aliases):
                accounts[name.lower()] = person
        return cls(people=people, generation=generation, _accounts=accounts)

    @property
    def loaded(self) -> bool:
        return bool(self.generation)

    def lookup(self, account: str) -> Person | None:
        return self._accounts.get(account.lower())


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def parse_people(text: str, *, source: str) -> list[Person]:
    """Every person of a CSV text, or :class:`DirectoryRejectedError` naming each bad row."""
    errors: list[str] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DirectoryRejectedError([f"{source}:1: empty file, no header"], where=source) from None
    except csv.Error as exc:
        raise DirectoryRejectedError([f"{source}:1: {exc}"], where=source) from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0].removeprefix("\ufeff")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if doubled:
        problems.append(f"repeated column(s) {', '.join(doubled)}")
    if problems:
        wanted = ",".join(REQUIRED_COLUMNS) + " [," + ",".join(OPTIONAL_COLUMNS) + "]"
        reason = "; ".join(problems) + f" (the header is {wanted})"
        raise DirectoryRejectedError([f"{source}:1: {reason}"], where=source)
    people: list[Person] = []
    owner: dict[str, tuple[str, int]] = {}  # account name (lower) -> (user, line)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"{source}:{start}: {exc}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line
        try:
            person = _person(header, row)
        except ValueError as exc:
            errors.append(f"{source}:{start}: {exc}")
            continue
        clash = [
            f"{name!r} belongs to {other[0]!r} (line {other[1]})"
            for name in (person.user, *person.aliases)
            if (other := owner.get(name.lower())) is not None
        ]
        if clash:
            errors.append(f"{source}:{start}: account name taken: {'; '.join(clash)}")
            continue
        for name in (person.user, *person.aliases):
            owner[name.lower()] = (person.user, start)
        people.append(person)
        if len(people) > MAX_PEOPLE:
            errors.append(f"{source}:{start}: more than {MAX_PEOPLE} people")
            break
    if errors:
        raise DirectoryRejectedError(errors, where=source)
    return people


def _person(header: list[str], row: list[str]) -> Person:
    if len(row) != len(header):
        raise ValueError(f"{len(row)} fields where the header has {len(header)}")
    cells = {name: value.strip() for name, value in zip(header, row, strict=True)}
    user = cells["user"]
    if not _NAME.match(user):
        raise ValueError(f"user {user!r} is not an account name (letters, digits, ._@-)")
    clearance = cells["clearance"].lower()
    if clearance not in CLEARANCE_RANKS:
        raise ValueError(
            f"clearance {cells['clearance']!r} is not one of {', '.join(CLEARANCE_RANKS)}"
        )
    aliases = _split(cells["aliases"])
    for alias in aliases:
        if not _NAME.match(alias):
            raise ValueError(f"alias {alias!r} is not an account name (letters, digits, ._@-)")
    if len({a.lower() for a in (user, *aliases)}) != len(aliases) + 1:
        raise ValueError("an alias repeats the user or another alias")
    lists = {}
    for column in ("committees", "roles"):
        items = [item.lower() for item in _split(cells.get(column, ""))]
        for item in items:
            if not _KEYWORD.match(item):
                raise ValueError(f"{column[:-1]} {item!r} is not a keyword (a-z, 0-9, _.-)")
        lists[column] = tuple(sorted(set(items)))
    unit = cells.get("unit", "").lower() or None
    if unit is not None and not _KEYWORD.match(unit):
        raise ValueError(f"unit {unit!r} is not a keyword (a-z, 0-9, _.-)")
    display = cells.get("display_name", "") or None
    if display is not None and (len(display) > 200 or not display.isprintable()):
        raise ValueError("display_name is longer than 200 characters or not printable")
    return Person(
        user=user,
        clearance=clearance,
        committees=lists["committees"],
        aliases=tuple(aliases),
        display_name=display,
        unit=unit,
        roles=lists["roles"],
    )
