"""The scheduled jobs and their intervals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from secops.archive.service import run_retention
from secops.compliance.rendering.scheduled import renderings_job
from secops.compliance.scheduled import evaluate_job, period_reports_job
from secops.context import Context

log = logging.getLogger(__name__)


def retention_job(ctx: Context) -> None:
    result = run_retention(ctx)
    if result.deleted_indices:
        log.info(
            "retention: deleted %d events in %d backing indices",
            result.deleted_events,
            len(result.deleted_indices),
        )


def _guarded(name: str, job: Callable[[Context], object], ctx: Context) -> Callable[[], None]:
    def run() -> None:
        try:
            job(ctx)
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next interval", name)

    return run


def build_scheduler(ctx: Context) -> BackgroundScheduler:
    """A scheduler with every job registered; the caller starts and shuts it down."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _guarded("retention", retention_job, ctx),
        "interval",
        hours=1,
        id="retention",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        _guarded("compliance", evaluate_job, ctx),
        "interval",
        minutes=ctx.settings.compliance_interval_minutes,
        id="compliance",
        max_instances=1,
        coalesce=True,
    )
    if ctx.settings.report_kinds:
        # Hourly, and once at start-up to catch up on periods that closed while down;
        # a run that was missed (the process was busy or asleep) runs late, once.
        scheduler.add_job(
            _guarded("compliance_report", period_reports_job, ctx),
            "interval",
            hours=1,
            next_run_time=datetime.now(UTC),
            id="compliance_report",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    scheduler.add_job(
        _guarded("report_renderings", renderings_job, ctx),
        "interval",
        minutes=15,
        next_run_time=datetime.now(UTC),  # catch up at start-up
        id="report_renderings",
        max_instances=1,
        coalesce=True,
    )
    return scheduler
