"""What the scheduler runs: the evaluation of every control, and the monthly signed report."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from secops.compliance.reports import generate_report
from secops.compliance.service import evaluate
from secops.context import Context

log = logging.getLogger(__name__)
ACTOR = "system:scheduler"


def evaluate_job(ctx: Context) -> None:
    status = evaluate(ctx, now=datetime.now(UTC))
    log.info("compliance: %s (%s)", status.status, status.counts)


def previous_month(now: datetime) -> tuple[datetime, datetime]:
    """[first instant of last month, first instant of this month), in UTC."""
    this_month = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if this_month.month == 1:
        return this_month.replace(year=this_month.year - 1, month=12), this_month
    return this_month.replace(month=this_month.month - 1), this_month


def monthly_report_job(ctx: Context) -> None:
    start, end = previous_month(datetime.now(UTC))
    report = generate_report(ctx, period_start=start, period_end=end, actor=ACTOR)
    month = start.strftime("%Y-%m")
    log.info("compliance: report of %s: %s signed (%s)", month, report.report_id, report.hash)
