"""What the archive holds and where, as the API, the CLI and the periodic report show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from secops.store.archive import ArchivedIndex, RestoredArchive


class RetentionRun(BaseModel):
    """The last retention run: what it archived and deleted, and what it had to keep."""

    at: datetime
    deleted_indices: list[str] = Field(default_factory=list)
    deleted_events: int = 0
    archived: list[str] = Field(default_factory=list)  # snapshots taken or found
    kept: dict[str, str] = Field(
        default_factory=dict, description="Expired index -> why it was not deleted"
    )


class ArchiveState(BaseModel):
    """Retention and archive state of a namespace (the report's indicator).

    ``snapshots`` lists every archived backing index with the time range of its
    events (``oldest``..``newest``), so a period's reader sees which snapshot holds
    which part of it; ``oldest_event`` is the oldest event still searchable live.
    """

    repository: str
    repository_type: str | None = Field(None, description="fs, s3, ...; None if unregistered")
    location: str | None = Field(
        None, description="The repository's location (relative: path.repo)"
    )
    retention_days: int
    oldest_event: datetime | None
    snapshots: list[ArchivedIndex]
    last_run: RetentionRun | None
    error: str | None = Field(None, description="Why the archive could not be read, if so")

    def covering(self, start: datetime, end: datetime) -> list[ArchivedIndex]:
        """The snapshots holding events of the period [start, end)."""
        return [
            s
            for s in self.snapshots
            if s.oldest is not None
            and s.newest is not None
            and s.oldest < end
            and s.newest >= start
        ]


__all__ = ["ArchiveState", "ArchivedIndex", "RestoredArchive", "RetentionRun"]
