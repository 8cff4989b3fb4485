"""The overview: open alerts by severity, alerts over time, confidentiality alerts,
silent sources, compliance at a glance, ATT&CK tactics of recent alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.console import charts
from api.console.session import page
from api.console.web import locale_of, render
from api.deps import Ctx
from secops.accounting.service import list_sources
from secops.alerts import query
from secops.alerts.models import AlertFilter, Status
from secops.auth.principals import Principal, Role
from secops.compliance import service as compliance
from secops.definitions import SEVERITIES

router = APIRouter()

Reader = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin, Role.auditor))]
OPEN = [Status.new, Status.acknowledged, Status.in_progress]
SILENT_AFTER_SECONDS = 3600.0
DAYS = 14


@router.get("/")
def overview(request: Request, ctx: Ctx, principal: Reader) -> Response:
    loc = locale_of(request, principal)
    now = datetime.now(UTC)
    open_stats = query.alert_stats(ctx, flt=AlertFilter(status=OPEN), interval="1d")
    recent = query.alert_stats(
        ctx, flt=AlertFilter(since=now - timedelta(days=DAYS)), interval="1d"
    )
    counts = {b.key: b.count for b in open_stats.by_severity}
    severities = list(reversed(SEVERITIES))
    # Charts read in the page's direction: the first bar is on the right in Persian.
    ordered = charts.bars if loc.direction == "ltr" else charts.bars_rtl
    by_severity = ordered(
        [(loc.gettext(str(s)), counts.get(str(s), 0), f"sev-{s}") for s in severities]
    )
    over_time = ordered([(loc.day(b.key), b.count, "bar") for b in recent.over_time[-DAYS:]])
    tactics = ordered([(b.key, b.count, "bar") for b in recent.by_tactic[:10]])
    confidential = query.search_alerts(
        ctx, flt=AlertFilter(status=OPEN, confidential=True), sort="last_seen", size=10
    )
    silent = list_sources(ctx, silent_after=SILENT_AFTER_SECONDS)[:10]
    status = compliance.compliance_status(ctx)
    return render(
        request,
        "overview.html",
        principal=principal,
        open_total=open_stats.total,
        overdue=open_stats.overdue,
        by_severity=by_severity,
        over_time=over_time,
        tactics=tactics,
        confidential=confidential,
        silent=silent,
        compliance=status,
        days=DAYS,
    )
