"""Service functions of the archive: the retention run, the archive's state, restores.

Retention archives each expired events backing index before it deletes it
(:mod:`secops.store.retention`); every run and every restore is in the audit trail.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from secops.archive.models import ArchiveState, RetentionRun
from secops.audit.service import record
from secops.auth.principals import Actor
from secops.context import Context
from secops.errors import SecopsError
from secops.store.archive import (
    ArchivedIndex,
    ArchiveError,
    RestoredArchive,
    list_archived,
    oldest_event,
    repository_location,
    restore_archived,
)
from secops.store.retention import RetentionResult, enforce_retention
from secops.store.state import get_state, put_state

log = logging.getLogger(__name__)

_STATE_KIND, _STATE_KEY = "retention", "last_run"


def run_retention(
    ctx: Context, *, actor: Actor = "system:scheduler", rollover_after_hours: float = 24.0
) -> RetentionResult:
    """Archive, then delete, the expired events; keep the run's outcome and audit it.

    An index whose snapshot failed is kept: the run is recorded as a failure and the
    archive control (SEC-LOG-04) fails until a later run archives it.
    """
    result = enforce_retention(
        ctx.es,
        names=ctx.names,
        retention_days=ctx.settings.retention_days,
        repository=ctx.settings.archive_repository,
        rollover_after_hours=rollover_after_hours,
    )
    run = RetentionRun(
        at=datetime.now(UTC),
        deleted_indices=result.deleted_indices,
        deleted_events=result.deleted_events,
        archived=result.archived,
        kept=result.kept,
    )
    put_state(ctx.es, ctx.names, kind=_STATE_KIND, key=_STATE_KEY, data=run.model_dump(mode="json"))
    if result.deleted_indices or result.kept:
        record(
            ctx,
            actor=actor,
            action="retention.run",
            target=ctx.settings.archive_repository,
            outcome="failure" if result.kept else "success",
            details=run.model_dump(mode="json", exclude={"at"}),
        )
    return result


def last_retention_run(ctx: Context) -> RetentionRun | None:
    data = get_state(ctx.es, ctx.names, kind=_STATE_KIND, key=_STATE_KEY)
    return RetentionRun.model_validate(data) if data is not None else None


def list_archive(ctx: Context) -> list[ArchivedIndex]:
    """The namespace's archived backing indices, oldest events first."""
    return list_archived(ctx.es, names=ctx.names, repository=ctx.settings.archive_repository)


def archive_state(ctx: Context) -> ArchiveState:
    """Where the archive is, what it holds, how long events stay live, the last run."""
    repository = ctx.settings.archive_repository
    kind: str | None = None
    location: str | None = None
    error: str | None = None
    snapshots: list[ArchivedIndex] = []
    try:
        kind, location = repository_location(ctx.es, repository)
        snapshots = list_archive(ctx) if kind is not None else []
    except ArchiveError as exc:
        error = exc.message
    return ArchiveState(
        repository=repository,
        repository_type=kind,
        location=location,
        retention_days=ctx.settings.retention_days,
        oldest_event=oldest_event(ctx.es, names=ctx.names),
        snapshots=snapshots,
        last_run=last_retention_run(ctx),
        error=error,
    )


def restore_archive(
    ctx: Context, *, actor: Actor, snapshot: str, address: str | None = None
) -> RestoredArchive:
    """Restore one archived index for a hunt or an audit; audited, refused or not."""
    try:
        restored = restore_archived(
            ctx.es, names=ctx.names, repository=ctx.settings.archive_repository, snapshot=snapshot
        )
    except SecopsError as exc:
        record(
            ctx,
            actor=actor,
            action="archive.restore",
            target=snapshot,
            outcome="failure",
            details={"error": exc.message},
            address=address,
        )
        raise
    record(
        ctx,
        actor=actor,
        action="archive.restore",
        target=snapshot,
        outcome="success",
        details={"index": restored.index, "events": restored.events},
        address=address,
    )
    return restored
