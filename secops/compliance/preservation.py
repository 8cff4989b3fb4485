"""The report's preservation section: how long events are kept and what is archived where.

This is the one place the period report asks about retention and archives: the
archive's own state (``secops.archive``: the snapshot repository, each archived
backing index with the time range of its events, the last retention run).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from secops.archive.service import archive_state
from secops.compliance.report_model import ArchiveEntry, Preservation
from secops.context import Context
from secops.times import iso_seconds


def preservation_section(ctx: Context, *, now: datetime) -> Preservation:
    """Retention and archive state at ``now`` (the report's signing)."""
    state = archive_state(ctx)
    where = " ".join(p for p in (state.repository_type, state.location) if p)
    extra: dict[str, Any] = {
        "oldest_live_event": iso_seconds(state.oldest_event) if state.oldest_event else None,
        "state_at": iso_seconds(now),
    }
    if state.error is None:
        # Unregistered, nothing can be archived, so retention keeps expired events.
        extra["repository_registered"] = state.repository_type is not None
    if state.last_run is not None:
        extra["last_retention_run"] = {
            "at": iso_seconds(state.last_run.at),
            "archived": len(state.last_run.archived),
            "deleted_indices": len(state.last_run.deleted_indices),
            "kept_unarchived": sorted(state.last_run.kept),
        }
    if state.error:
        extra["archive_error"] = state.error
    return Preservation(
        retention_days=state.retention_days,
        # secops' retention job deletes, after a snapshot; the events template carries
        # no data stream lifecycle, so the cluster itself never deletes events.
        lifecycle_managed_by_cluster=False,
        snapshot_repository=f"{state.repository} ({where})" if where else state.repository,
        archives=[
            ArchiveEntry(
                name=s.snapshot,
                repository=s.repository,
                start=s.oldest,
                end=s.newest,
                location=where or None,
            )
            for s in state.snapshots
        ],
        extra=extra,
    )
