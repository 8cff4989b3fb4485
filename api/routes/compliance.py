"""/api/v1/compliance: status per control with evidence, evaluation, signed reports.

Auditors and administrators read everything and may evaluate or sign a report;
SOC operators may read the current status. A report's document is returned
exactly as signed: verify it here (``POST /compliance/reports/verify``) or offline
with ``secops report verify``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.auth.principals import Principal, Role
from secops.compliance import reports, service
from secops.compliance.controls import builtin_controls
from secops.compliance.models import (
    ComplianceStatus,
    ControlDef,
    ControlHistory,
    PeriodReportRequest,
    Report,
    ReportRequest,
    ReportSummary,
    VerifyResult,
)
from secops.compliance.period_report import sign_period_report
from secops.compliance.periods import parse_period
from secops.definitions import REPORT_ID_PATTERN
from secops.errors import InvalidInputError, NotFoundError

router = APIRouter(prefix="/compliance", tags=["compliance"])

StatusReader = Annotated[Principal, Depends(require(Role.auditor, Role.admin, Role.soc_operator))]
Auditor = Annotated[Principal, Depends(require(Role.auditor, Role.admin))]

_NOT_FOUND = (NotFoundError, "No control or report of that id")
_INVALID = (InvalidInputError, "Invalid input; the detail says what is wrong")
_REPORT_EXAMPLE: dict[str, Any] = {
    "format": reports.FORMAT,
    "report_id": "rpt-3f9c0b7e1a2d4c5b",
    "period": {"start": "2025-03-01T00:00:00Z", "end": "2025-04-01T00:00:00Z"},
    "status": "pass",
    "controls": [],
    "key_id": "6cc47e2c0688af23",
    "public_key_pem": "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n",
    "hash": "4277…",
    "signature": "base64…",
}


@router.get(
    "/status",
    summary="The latest result of every control, with its evidence, and the worst status",
)
def get_status(ctx: Ctx, _: StatusReader) -> ComplianceStatus:
    return service.compliance_status(ctx)


@router.get(
    "/controls",
    summary="The controls evaluated: requirements, references, checks",
)
def list_controls(_: Auditor) -> list[ControlDef]:
    return builtin_controls()


@router.get(
    "/controls/{control_id}",
    summary="A control and its results over time, newest first, with their evidence",
    responses=answers(_NOT_FOUND, _INVALID),
)
def get_control(
    ctx: Ctx,
    _: Auditor,
    control_id: Annotated[str, Path(max_length=64, examples=["SEC-AUDIT-01"])],
    since: Annotated[datetime | None, Query(description="evaluated at or after")] = None,
    until: Annotated[datetime | None, Query(description="evaluated before")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_HISTORY)] = 50,
) -> ControlHistory:
    return service.control_history(
        ctx, control_id=control_id, since=since, until=until, limit=limit
    )


@router.post(
    "/evaluate",
    summary="Evaluate every control now and store the results",
)
def evaluate_now(ctx: Ctx, _: Auditor) -> ComplianceStatus:
    return service.evaluate(ctx, now=datetime.now(UTC))


@router.get("/reports", summary="Signed reports, newest first", responses=answers(_INVALID))
def list_reports(
    ctx: Ctx, _: Auditor, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ReportSummary]:
    return reports.list_reports(ctx, limit=limit)


@router.post(
    "/reports",
    status_code=201,
    summary="Sign a report of a period (evaluating first when it reaches now)",
    description="The report is stored and its generation recorded in the audit trail "
    "(`report.generate`, with its hash).",
    responses=answers(_INVALID),
)
def create_report(ctx: Ctx, caller: Auditor, body: ReportRequest) -> Report:
    now = datetime.now(UTC)
    return reports.generate_report(
        ctx,
        period_start=body.period_start,
        period_end=body.period_end or now,
        actor=caller,
        now=now,
    )


@router.post(
    "/reports/periods",
    status_code=201,
    summary="Sign the report of a closed calendar period (once: asked again, the same report)",
    description="A period is signed once: its report id is fixed by the calendar, the kind and "
    "the period, and a period already signed answers 200 with the report signed then. A period "
    "that has not closed yet (plus `report_delay_minutes`) is refused. The generation is "
    "recorded in the audit trail (`report.generate`).",
    responses={
        200: {"description": "Signed before; the stored report", "model": Report},
        **answers(_INVALID),
    },
)
def create_period_report(
    ctx: Ctx, caller: Auditor, body: PeriodReportRequest, response: Response
) -> Report:
    period = parse_period(
        body.period,
        calendar=body.calendar or ctx.settings.report_calendar,
        timezone=ctx.settings.timezone,
    )
    report, created = sign_period_report(ctx, period, actor=caller, now=datetime.now(UTC))
    if not created:
        response.status_code = 200
    return report


@router.get(
    "/reports/{report_id}",
    summary="Download a report's signed document, exactly as signed",
    response_model=dict[str, Any],
    responses=answers(_NOT_FOUND, _INVALID),
)
def download_report(
    ctx: Ctx,
    _: Auditor,
    report_id: Annotated[
        str, Path(max_length=80, pattern=REPORT_ID_PATTERN, examples=["rpt-3f9c0b7e1a2d4c5b"])
    ],
) -> JSONResponse:
    report = reports.get_report(ctx, report_id=report_id)
    return JSONResponse(
        report.document,
        headers={"Content-Disposition": f'attachment; filename="{report.report_id}.json"'},
    )


@router.post(
    "/reports/verify",
    summary="Verify a report: its hash, its signature by this deployment's key, its audit entry",
    responses=answers(_INVALID),
)
def verify_report(
    ctx: Ctx,
    _: Auditor,
    document: Annotated[
        dict[str, Any],
        Body(
            description="A report document as downloaded",
            openapi_examples={"report": {"summary": "A signed report", "value": _REPORT_EXAMPLE}},
        ),
    ],
) -> VerifyResult:
    return reports.verify_report(document, ctx=ctx)
