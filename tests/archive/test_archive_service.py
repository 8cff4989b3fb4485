"""The retention run of the scheduler: audited, its outcome kept, the archive control
failing while an expired index could not be archived; restores audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secops.archive.service import (
    archive_state,
    last_retention_run,
    restore_archive,
    run_retention,
)
from secops.audit import list_entries
from secops.compliance.period_report import sign_period_report
from secops.compliance.periods import last_closed
from secops.compliance.service import evaluate
from secops.context import Context
from secops.detect.loader import BUILTIN_RULES
from secops.errors import NotFoundError
from secops.hunt.service import hunt
from secops.normalize import normalize
from secops.records import RawRecord, Source


def _seed_old(ctx: Context, days_ago: int, n: int) -> None:
    """``n`` deletions of secret documents in the document management system, long ago."""
    start = datetime.now(UTC) - timedelta(days=days_ago)
    for i in range(n):
        ts = (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        line = (
            f"app=dms ts={ts} user=archivist role=records clearance=secret doc_id=DOC-{i} "
            "classification=secret committee=defence action=delete result=success "
            "client=10.1.2.9"
        )
        rec = RawRecord(
            source=Source(input="cli"), received_at=start.timestamp(), message=line, origin=f"{i}"
        )
        event = normalize(rec)
        ctx.es.create(
            index=ctx.names.events_stream(event["event"]["dataset"]),
            id=rec.record_id(),
            document=event,
        )
    ctx.es.indices.refresh(index=ctx.names.events_pattern)


def _audit(ctx: Context, action: str) -> list:
    ctx.es.indices.refresh(index=ctx.names.audit)
    return list_entries(ctx, limit=50, action=action).entries


def _archive_control(ctx: Context) -> tuple[str, str]:
    """The status and summary of the control SEC-LOG-04, evaluated as the scheduler does."""
    results = evaluate(ctx, now=datetime.now(UTC)).results
    [result] = [r for r in results if r.control_id == "SEC-LOG-04"]
    return result.status, result.summary


def test_a_failed_archive_fails_the_control_and_is_audited_until_it_succeeds(
    ctx: Context, archive_repository: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_old(ctx, 500, 2)
    readonly = f"ro-{ctx.names.namespace}"
    ctx.es.snapshot.create_repository(
        name=readonly,
        repository={"type": "fs", "settings": {"location": readonly, "readonly": True}},
    )
    monkeypatch.setattr(ctx.settings, "archive_repository", readonly)

    failed = run_retention(ctx, rollover_after_hours=0)

    assert failed.deleted_indices == []
    assert len(failed.kept) == 1
    run = last_retention_run(ctx)
    assert run is not None
    assert run.kept == failed.kept
    status, summary = _archive_control(ctx)
    assert status == "fail"
    assert "kept undeleted" in summary
    [entry] = _audit(ctx, "retention.run")
    assert entry.outcome == "failure"

    monkeypatch.setattr(ctx.settings, "archive_repository", archive_repository)
    done = run_retention(ctx, rollover_after_hours=0)

    assert done.kept == {}
    assert len(done.deleted_indices) == 1
    assert _archive_control(ctx)[0] == "pass"
    assert [e.outcome for e in _audit(ctx, "retention.run")] == ["success", "failure"]
    state = archive_state(ctx)
    assert state.repository == archive_repository
    assert state.repository_type == "fs"
    assert state.retention_days == ctx.settings.retention_days
    assert [s.events for s in state.snapshots] == [2]
    assert state.oldest_event is None  # every live event was archived


def test_a_restored_archive_is_hunted_and_the_restore_audited(
    ctx: Context, archive_repository: str
) -> None:
    _seed_old(ctx, 450, 3)
    run_retention(ctx, rollover_after_hours=0)
    [snap] = archive_state(ctx).snapshots
    rules = BUILTIN_RULES
    before = hunt(ctx, paths=[rules], since="500d")
    assert before.events == 0  # expired events are no longer live

    restored = restore_archive(ctx, actor="system:test", snapshot=snap.snapshot)

    after = hunt(ctx, paths=[rules], since="500d")
    assert after.events == 3
    assert after.alerts_created >= 1
    [entry] = _audit(ctx, "archive.restore")
    assert entry.outcome == "success"
    assert entry.details["index"] == restored.index
    with pytest.raises(NotFoundError):
        restore_archive(ctx, actor="system:test", snapshot="secops-nope-nothing")
    assert [e.outcome for e in _audit(ctx, "archive.restore")] == ["failure", "success"]


def test_the_state_of_a_namespace_that_never_stored_an_event(
    ctx: Context, archive_repository: str
) -> None:
    state = archive_state(ctx)
    assert state.oldest_event is None
    assert state.snapshots == []
    assert state.last_run is None
    assert state.error is None
    assert _archive_control(ctx)[0] in ("pass", "warn")


def test_the_period_report_states_what_is_archived_where(
    ctx: Context, archive_repository: str
) -> None:
    _seed_old(ctx, 450, 2)
    run_retention(ctx, rollover_after_hours=0)
    [snap] = archive_state(ctx).snapshots
    period = last_closed(
        datetime.now(UTC), calendar="solar_hijri", kind="month", timezone=ctx.settings.timezone
    )

    report, _ = sign_period_report(ctx, period, actor="system:test")

    preservation = report.document["preservation"]
    assert preservation["retention_days"] == ctx.settings.retention_days
    assert preservation["snapshot_repository"].startswith(f"{archive_repository} (fs")
    [archived] = preservation["archives"]
    assert archived["name"] == snap.snapshot
    assert archived["repository"] == archive_repository
    assert preservation["extra"]["last_retention_run"]["deleted_indices"] == 1
