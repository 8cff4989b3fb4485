"""The scheduler signs each closed period once, catches up on those missed while down, and
never signs a period twice; any period can be asked for and an open one is refused."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from secops.audit import list_entries
from secops.compliance.period_report import sign_period_report
from secops.compliance.periods import Period, parse_period
from secops.compliance.reports import get_report, list_reports, verify_report
from secops.compliance.scheduled import period_reports_job, unsigned_periods
from secops.context import Context, build_context
from secops.errors import InvalidInputError
from secops.settings import Settings
from secops.store.state import put_state

TEHRAN = "Asia/Tehran"


def sh(label: str) -> Period:
    return parse_period(label, calendar="solar_hijri", timezone=TEHRAN)


def test_first_run_signs_the_last_closed_month_and_half_year_only(ctx: Context) -> None:
    now = sh("1405-08").start + timedelta(hours=2)
    signed = period_reports_job(ctx, now=now)
    assert signed == [
        "rpt-solar_hijri-half_year-1405-H1",
        "rpt-solar_hijri-month-1405-07",
    ]
    assert unsigned_periods(ctx, now=now) == []
    assert period_reports_job(ctx, now=now) == []  # a second run signs nothing


def test_restart_after_downtime_catches_up_every_missed_period(ctx: Context) -> None:
    before = sh("1405-05").start + timedelta(hours=1)
    assert period_reports_job(ctx, now=before) == [
        "rpt-solar_hijri-half_year-1404-H2",
        "rpt-solar_hijri-month-1405-04",
    ]
    # Down from Mordad to the middle of Aban: Mordad, Shahrivar (with 1405-H1), Mehr owed.
    after = sh("1405-08").start + timedelta(days=12)
    owed = [p.label for p in unsigned_periods(ctx, now=after)]
    assert owed == ["1405-05", "1405-06", "1405-H1", "1405-07"]  # in order of closing
    signed = period_reports_job(ctx, now=after)
    assert len(signed) == 4
    ids = [r.report_id for r in list_reports(ctx, limit=50)]
    assert sorted(ids) == sorted(set(ids))  # no period twice
    ctx.es.indices.refresh(index=ctx.names.audit)
    entries = list_entries(ctx, action="report.generate", limit=50).entries
    assert len(entries) == 6


def test_a_period_asked_again_returns_the_report_signed_before(ctx: Context) -> None:
    h1 = sh("1404-H2")
    now = h1.end + timedelta(days=3)
    first, created = sign_period_report(ctx, h1, actor="system:test", now=now)
    again, created_again = sign_period_report(ctx, h1, actor="system:test", now=now)
    assert created
    assert not created_again
    assert again.hash == first.hash
    assert verify_report(first.document, ctx=ctx).intact
    assert first.document["format"] == "secops.compliance-report/2"
    assert first.document["period"]["label"] == "1404-H2"
    assert first.document["period"]["start"] == "2025-09-23T00:00:00+03:30"


def test_an_open_period_is_not_signed(ctx: Context) -> None:
    h2 = sh("1405-H2")
    with pytest.raises(InvalidInputError, match="closes at"):
        sign_period_report(ctx, h2, now=h2.end - timedelta(days=1))
    # the delay after the close counts too (30 minutes by default)
    with pytest.raises(InvalidInputError):
        sign_period_report(ctx, h2, now=h2.end + timedelta(minutes=5))


def test_the_report_job_runs_at_start_up_hourly_and_late_once(settings: Settings) -> None:
    from types import SimpleNamespace

    from secops.scheduler import build_scheduler

    started = datetime.now(UTC)
    scheduler = build_scheduler(SimpleNamespace(settings=settings))  # type: ignore[arg-type]
    job = scheduler.get_job("compliance_report")
    assert job is not None
    assert job.coalesce is True
    assert job.misfire_grace_time == 3600
    assert job.max_instances == 1
    assert job.trigger.interval == timedelta(hours=1)
    assert started - timedelta(seconds=5) <= job.next_run_time <= datetime.now(UTC)

    quiet = settings.model_copy(update={"report_kinds": []})
    scheduler = build_scheduler(SimpleNamespace(settings=quiet))  # type: ignore[arg-type]
    assert scheduler.get_job("compliance_report") is None


def test_a_report_stored_before_a_crash_gets_its_audit_entry_on_the_next_run(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secops.compliance import period_report

    def crash(*_: object, **__: object) -> None:
        raise SystemExit("killed between the store and the audit trail")

    month = sh("1405-02")
    now = month.end + timedelta(days=1)
    monkeypatch.setattr(period_report, "_record", crash)
    with pytest.raises(SystemExit):
        sign_period_report(ctx, month, now=now)
    monkeypatch.undo()
    stored = period_report.find_period_report(ctx, month)
    assert stored is not None
    assert verify_report(stored.document, ctx=ctx).reason == "not_in_audit_trail"
    # Within the grace its signer might still be recording it: nothing is recorded yet.
    assert sign_period_report(ctx, month, now=now)[1] is False
    assert verify_report(stored.document, ctx=ctx).reason == "not_in_audit_trail"
    # The process died eleven minutes ago.
    stored_at = time.time() - period_report.RECORDING_GRACE.total_seconds() - 60
    put_state(
        ctx.es, ctx.names, kind="report_storing", key=stored.report_id, data={"at": stored_at}
    )

    again, created = sign_period_report(ctx, month, now=now)
    assert not created
    assert again.hash == stored.hash
    result = verify_report(again.document, ctx=ctx)
    assert result.intact, result
    entry = list_entries(ctx, action="report.generate").entries[0]
    assert entry.details["recorded_after_restart"] is True
    sign_period_report(ctx, month, now=now)
    ctx.es.indices.refresh(index=ctx.names.audit)
    assert len(list_entries(ctx, action="report.generate").entries) == 1


def test_two_processes_catching_up_at_once_sign_and_record_each_period_once(
    settings: Settings,
) -> None:
    """Two scheduler processes start together after a downtime: each owed period gets one
    report and one audit entry, whichever process signs it."""
    contexts = [build_context(settings) for _ in range(2)]
    now = sh("1405-08").start + timedelta(days=2)
    barrier = threading.Barrier(2)
    signed: list[list[str]] = [[], []]

    def run(i: int) -> None:
        barrier.wait()
        signed[i] = period_reports_job(contexts[i], now=now)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        ctx = contexts[0]
        both = signed[0] + signed[1]
        assert sorted(both) == sorted(set(both))  # no process signed what the other did
        ids = [r.report_id for r in list_reports(ctx, limit=50)]
        assert sorted(ids) == sorted(both)
        ctx.es.indices.refresh(index=ctx.names.audit)
        entries = list_entries(ctx, action="report.generate", limit=50).entries
        assert sorted(e.target for e in entries) == sorted(both)
        for report in list_reports(ctx, limit=50):
            assert verify_report(
                get_report(ctx, report_id=report.report_id).document, ctx=ctx
            ).intact
    finally:
        for c in contexts:
            c.close()


def test_a_process_finding_a_report_being_recorded_does_not_record_it_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process B finds the report that process A has just stored and is recording: only A's
    entry goes into the audit trail."""
    from secops.compliance import period_report

    first, second = build_context(settings), build_context(settings)
    month = sh("1405-03")
    now = month.end + timedelta(days=1)
    record = period_report._record
    seen: list[bool] = []
    arrived = threading.Event()

    def other_process_arrives_first(ctx: Context, *args: object, **kw: object) -> None:
        if ctx is first and not arrived.is_set():
            # A stored the report; B asks for the period before A records it.
            arrived.set()
            seen.append(sign_period_report(second, month, now=now)[1])
        record(ctx, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(period_report, "_record", other_process_arrives_first)
    try:
        report, created = sign_period_report(first, month, now=now)
        assert (created, seen) == (True, [False])
        first.es.indices.refresh(index=first.names.audit)
        entries = list_entries(first, action="report.generate").entries
        assert [(e.target, "recorded_after_restart" in e.details) for e in entries] == [
            (report.report_id, False)
        ]
        assert verify_report(report.document, ctx=first).intact
    finally:
        first.close()
        second.close()
