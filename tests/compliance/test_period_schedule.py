"""The scheduler signs each closed period once, catches up on those missed while down, and
never signs a period twice; any period can be asked for and an open one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secops.audit import list_entries
from secops.compliance.period_report import sign_period_report
from secops.compliance.periods import Period, parse_period
from secops.compliance.reports import list_reports, verify_report
from secops.compliance.scheduled import period_reports_job, unsigned_periods
from secops.context import Context
from secops.errors import InvalidInputError
from secops.settings import Settings

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
