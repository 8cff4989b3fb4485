"""What crosses the API boundary about the people directory."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from secops.enrich.directory import Person


class DirectoryInfo(BaseModel):
    """The current directory: which import it came from, when, by whom."""

    generation: str
    count: int
    sha256: str
    source: str
    loaded_at: datetime
    loaded_by: str


class PeopleView(BaseModel):
    directory: DirectoryInfo | None  # None: no directory was ever imported
    people: list[Person]


class ImportReport(BaseModel):
    directory: DirectoryInfo
    previous_generation: str | None
    previous_count: int
