"""What the scheduler runs: the evaluation of every control, and the signed period reports.

The report job runs at start-up and then every hour; each run signs every closed
period (of each kind of ``report_kinds``, in ``report_calendar`` and ``timezone``)
that has no signed report yet, back to the newest one signed, so periods that
closed while secops was down are caught up. With no report of a kind at all (a new
deployment), only the last closed period is signed. The report's deterministic id
makes a second run, or a second process, a no-op.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from secops.compliance.period_report import find_period_report, sign_period_report
from secops.compliance.periods import MONTHS, Period, last_closed
from secops.compliance.service import evaluate
from secops.context import Context

log = logging.getLogger(__name__)
ACTOR = "system:scheduler"
# How far back a run looks for the newest signed report of a kind, in periods.
MAX_CATCH_UP = 36


def evaluate_job(ctx: Context) -> None:
    status = evaluate(ctx, now=datetime.now(UTC))
    log.info("compliance: %s (%s)", status.status, status.counts)


def unsigned_periods(ctx: Context, *, now: datetime) -> list[Period]:
    """Closed periods owed a report, oldest first."""
    settings = ctx.settings
    ready = now - timedelta(minutes=settings.report_delay_minutes)
    owed: list[Period] = []
    for kind in dict.fromkeys(settings.report_kinds):
        period = last_closed(
            ready, calendar=settings.report_calendar, kind=kind, timezone=settings.timezone
        )
        missing: list[Period] = []
        for _ in range(MAX_CATCH_UP):
            if find_period_report(ctx, period) is not None:
                break
            missing.append(period)
            period = period.previous()
        else:
            missing = missing[:1]  # nothing signed yet: start from the last closed period
        owed.extend(reversed(missing))
    owed.sort(key=lambda p: (p.end, MONTHS[p.kind]))  # a month before the half-year it ends
    return owed


def period_reports_job(ctx: Context, *, now: datetime | None = None) -> list[str]:
    """Sign every period owed a report; returns the ids of the reports signed."""
    signed = []
    for period in unsigned_periods(ctx, now=now or datetime.now(UTC)):
        report, created = sign_period_report(ctx, period, actor=ACTOR, now=now)
        if created:
            signed.append(report.report_id)
            log.info(
                "compliance: report of %s %s signed: %s (%s)",
                period.kind,
                period.label,
                report.report_id,
                report.hash,
            )
    return signed
