"""Reports: sign a period report (a label of the Solar Hijri or Gregorian calendar) or a
report of any range, list them with their period, download the signed JSON and the HTML
and PDF renderings in Persian and English, verify an uploaded file, mail a report: the
services of ``/api/v1/compliance/reports``, for auditors and administrators."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from api.console.session import check_csrf, page
from api.console.web import form_time, render, see_other
from api.deps import Ctx
from secops.auth.principals import Principal, Role
from secops.compliance import reports
from secops.compliance.models import ReportSummary
from secops.compliance.period_report import sign_period_report
from secops.compliance.periods import CALENDARS, last_closed, parse_period
from secops.compliance.rendering import mail, service
from secops.compliance.rendering.manifest import FileVerifyResult, sniff
from secops.compliance.report_model import Calendar
from secops.errors import InvalidInputError

router = APIRouter(dependencies=[Depends(check_csrf)])

Auditor = Annotated[Principal, Depends(page(Role.auditor, Role.admin))]
MAX_UPLOAD = 32 * 1024 * 1024  # as POST /api/v1/compliance/reports/verify-file
# The id of a period report names its period (``secops.compliance.periods.Period``).
_PERIOD_ID = re.compile(r"^rpt-(solar_hijri|gregorian)-(?:year|half_year|quarter|month)-(.+)$")


@dataclass(frozen=True)
class Listed:
    """A stored report as the page lists it: with its period's label when it has one."""

    summary: ReportSummary
    calendar: str | None
    label: str | None


def _listed(summary: ReportSummary) -> Listed:
    m = _PERIOD_ID.match(summary.report_id)
    return Listed(summary, m[1] if m else None, m[2] if m else None)


def _page(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    *,
    verified: FileVerifyResult | None = None,
    mailed: mail.MailResult | None = None,
) -> Response:
    calendar: Calendar = ctx.settings.report_calendar
    suggested = last_closed(
        datetime.now(UTC), calendar=calendar, kind="month", timezone=ctx.settings.timezone
    )
    values: dict[str, Any] = {
        "reports": [_listed(r) for r in reports.list_reports(ctx, limit=50)],
        "calendars": CALENDARS,
        "calendar": calendar,
        "suggested": suggested.label,
        "verified": verified,
        "mailed": mailed,
    }
    return render(request, "reports.html", principal=principal, **values)


@router.get("/reports")
def reports_page(request: Request, ctx: Ctx, principal: Auditor) -> Response:
    return _page(request, ctx, principal)


@router.post("/reports")
def generate(
    request: Request,
    ctx: Ctx,
    principal: Auditor,
    period_start: Annotated[str, Form(max_length=40)] = "",
    period_end: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Sign a report of the range (by default the last 30 days, up to now)."""
    now = datetime.now(UTC)
    end = form_time(period_end, field="period end") or now
    start = form_time(period_start, field="period start") or end - timedelta(days=30)
    if start >= end:
        raise InvalidInputError("the period must start before it ends")
    made = reports.generate_report(
        ctx, period_start=start, period_end=min(end, now), actor=principal, now=now
    )
    return see_other(f"/reports#{made.report_id}")


@router.post("/reports/periods")
def sign_period(
    request: Request,
    ctx: Ctx,
    principal: Auditor,
    period: Annotated[str, Form(max_length=16)],
    calendar: Annotated[Calendar | Literal[""], Form()] = "",
) -> Response:
    """Sign the report of a closed calendar period (once: asked again, the same report)."""
    parsed = parse_period(
        period, calendar=calendar or ctx.settings.report_calendar, timezone=ctx.settings.timezone
    )
    report, _ = sign_period_report(ctx, parsed, actor=principal, now=datetime.now(UTC))
    return see_other(f"/reports#{report.report_id}")


@router.get("/reports/{report_id}/download")
def download(
    ctx: Ctx,
    principal: Auditor,
    report_id: str,
    format: Annotated[Literal["json", "manifest", "html", "pdf"], Query()] = "json",
    lang: Annotated[Literal["fa", "en"], Query()] = "fa",
) -> Response:
    """The signed JSON, its signed manifest, or a rendering exactly as the manifest lists it."""
    if format == "manifest":
        manifest = service.publish(ctx, report_id=report_id, actor=principal)
        return JSONResponse(
            manifest,
            headers={"Content-Disposition": f'attachment; filename="{report_id}.manifest.json"'},
        )
    if format == "json":
        report = reports.get_report(ctx, report_id=report_id)
        return JSONResponse(
            report.document,
            headers={"Content-Disposition": f'attachment; filename="{report.report_id}.json"'},
        )
    listed, data = service.rendering(
        ctx, report_id=report_id, kind=format, lang=lang, actor=principal
    )
    return Response(
        data,
        media_type=listed.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{listed.name}"',
            "X-Content-SHA256": listed.sha256,
        },
    )


@router.post("/reports/verify")
async def verify(
    request: Request,
    ctx: Ctx,
    principal: Auditor,
    document: Annotated[UploadFile, File()],
) -> Response:
    """A report's JSON, its manifest, or an HTML or PDF rendering, as downloaded."""
    raw = await document.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInputError(f"a file to verify is at most {MAX_UPLOAD} bytes")
    if sniff(raw) == "json":
        try:
            json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                "the file is not a report: neither its JSON, its manifest, HTML nor PDF"
            ) from exc
    result = service.verify_file(raw, ctx=ctx)
    return _page(request, ctx, principal, verified=result)


@router.post("/reports/{report_id}/mail")
def mail_report(request: Request, ctx: Ctx, principal: Auditor, report_id: str) -> Response:
    """Mail the report's PDFs, JSON and manifest to the configured list."""
    sent = mail.mail_report(ctx, report_id=report_id, actor=principal)
    return _page(request, ctx, principal, mailed=sent)
