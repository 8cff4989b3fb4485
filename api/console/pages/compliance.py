"""Compliance (controls, evidence, history), reports (generate, download, verify an
upload) and the audit trail (browse, filter, verify): auditors' pages, on the services
of ``/api/v1/compliance`` and ``/api/v1/audit``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from api.console.session import check_csrf, page
from api.console.web import render, see_other
from api.deps import Ctx
from secops import audit
from secops.auth.principals import Principal, Role
from secops.compliance import reports, service
from secops.compliance.controls import builtin_controls
from secops.errors import InvalidInputError

router = APIRouter(dependencies=[Depends(check_csrf)])

StatusReader = Annotated[Principal, Depends(page(Role.auditor, Role.admin, Role.soc_operator))]
Auditor = Annotated[Principal, Depends(page(Role.auditor, Role.admin))]
MAX_UPLOAD = 5 << 20


def _time(value: str | None, *, field: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(f"{field}: not a date and time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("/compliance")
def compliance(request: Request, ctx: Ctx, principal: StatusReader) -> Response:
    status = service.compliance_status(ctx)
    return render(
        request,
        "compliance.html",
        principal=principal,
        status=status,
        controls={c.id: c for c in builtin_controls()},
    )


@router.get("/compliance/controls/{control_id}")
def control(request: Request, ctx: Ctx, principal: StatusReader, control_id: str) -> Response:
    history = service.control_history(ctx, control_id=control_id, limit=50)
    return render(request, "control.html", principal=principal, history=history)


@router.get("/reports")
def reports_page(request: Request, ctx: Ctx, principal: Auditor) -> Response:
    return render(
        request,
        "reports.html",
        principal=principal,
        reports=reports.list_reports(ctx, limit=50),
        verified=None,
    )


@router.post("/reports")
def generate(
    request: Request,
    ctx: Ctx,
    principal: Auditor,
    period_start: Annotated[str, Form(max_length=40)] = "",
    period_end: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Sign a report of the period (by default the last 30 days, up to now)."""
    now = datetime.now(UTC)
    end = _time(period_end, field="period end") or now
    start = _time(period_start, field="period start") or end - timedelta(days=30)
    if start >= end:
        raise InvalidInputError("the period must start before it ends")
    made = reports.generate_report(
        ctx, period_start=start, period_end=min(end, now), actor=principal, now=now
    )
    return see_other(f"/reports#{made.report_id}")


@router.get("/reports/{report_id}/download")
def download(
    ctx: Ctx, _: Auditor, report_id: str, format: Annotated[str, Query(max_length=8)] = "json"
) -> Response:
    """The signed document, exactly as signed (HTML and PDF: ``/api/v1/compliance``)."""
    if format != "json":
        raise InvalidInputError("the console downloads the signed JSON; see the reports API")
    report = reports.get_report(ctx, report_id=report_id)
    return JSONResponse(
        report.document,
        headers={"Content-Disposition": f'attachment; filename="{report.report_id}.json"'},
    )


@router.post("/reports/verify")
async def verify(
    request: Request,
    ctx: Ctx,
    principal: Auditor,
    document: Annotated[UploadFile, File()],
) -> Response:
    raw = await document.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        raise InvalidInputError(f"a report is at most {MAX_UPLOAD} bytes")
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError("the file is not a JSON report") from exc
    result = reports.verify_report(parsed, ctx=ctx)
    return render(
        request,
        "reports.html",
        principal=principal,
        reports=reports.list_reports(ctx, limit=50),
        verified=result,
    )


@router.get("/audit")
def audit_page(
    request: Request,
    ctx: Ctx,
    principal: Auditor,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    found = audit.list_entries(
        ctx,
        actor=actor or None,
        action=action or None,
        since=_time(since, field="since"),
        until=_time(until, field="until"),
        limit=50,
        cursor=cursor,
    )
    return render(
        request,
        "audit.html",
        principal=principal,
        page=found,
        filters={
            "actor": actor or "",
            "action": action or "",
            "since": since or "",
            "until": until or "",
        },
        verified=None,
    )


@router.post("/audit/verify")
def audit_verify(request: Request, ctx: Ctx, principal: Auditor) -> Response:
    """Walk the whole chain (a read, but a costly one: asked for with a button)."""
    result = audit.verify(ctx)
    found = audit.list_entries(ctx, limit=50)
    return render(
        request,
        "audit.html",
        principal=principal,
        page=found,
        filters={"actor": "", "action": "", "since": "", "until": ""},
        verified=result,
    )
