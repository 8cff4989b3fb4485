"""/api/v1/alerts: find, read, triage, comment on and export alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops import audit
from secops.alerts import export as alert_export
from secops.alerts import query, service, triage
from secops.alerts.models import (
    Alert,
    AlertChange,
    AlertFilter,
    AlertKind,
    AlertPage,
    AlertStats,
    AlertWithEvents,
    BulkChange,
    BulkResult,
    CommentIn,
    Status,
)
from secops.auth.principals import Principal, Role
from secops.definitions import Severity
from secops.errors import ConflictError, InvalidInputError, NotFoundError

router = APIRouter(prefix="/alerts", tags=["alerts"])

Reader = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin, Role.auditor))]
Writer = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin))]
Exporter = Annotated[
    Principal, Depends(require(Role.soc_operator, Role.admin, Role.auditor, step_up=True))
]


_NO_ALERT = (NotFoundError, "No such alert")
_CHANGED = (ConflictError, "The alert changed since the version sent (reload and retry)")
_INVALID = (InvalidInputError, "Invalid input or transition; the detail names what is allowed")


def alert_filter(
    status: Annotated[list[Status] | None, Query()] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    rule_id: Annotated[list[str] | None, Query()] = None,
    host: str | None = None,
    user: str | None = None,
    source: Annotated[str | None, Query(description="Address or CIDR block")] = None,
    assignee: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[AlertKind] | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="last_seen at or after")] = None,
    until: Annotated[datetime | None, Query(description="first_seen before")] = None,
    q: Annotated[str | None, Query(max_length=500, description="Text in title/summary")] = None,
    overdue: bool | None = None,
    confidential: bool | None = None,
) -> AlertFilter:
    try:
        return AlertFilter(
            status=status,
            severity=severity,
            rule_id=rule_id,
            host=host,
            user=user,
            source=source,
            assignee=assignee,
            tag=tag,
            kind=kind,
            since=since,
            until=until,
            q=q,
            overdue=overdue,
            confidential=confidential,
        )
    except ValidationError as exc:
        raise InvalidInputError("; ".join(e["msg"] for e in exc.errors())) from exc


Filter = Annotated[AlertFilter, Depends(alert_filter)]


@router.get(
    "",
    summary="Alerts matching a filter, one page at a time",
    description=(
        "By default (`sort=priority`, `order=desc`) what matters comes first: open alerts "
        "(new, acknowledged, in progress) before resolved ones, each by severity (critical "
        "first), then by latest activity (`last_seen`, newest first). Any other `sort` "
        "orders by that field alone; `order=asc` reverses the order."
    ),
)
def list_alerts(
    ctx: Ctx,
    _: Reader,
    flt: Filter,
    sort: Annotated[
        query.SortField,
        Query(description="priority: open first, then severity, then newest activity"),
    ] = query.DEFAULT_SORT,
    order: query.SortOrder = "desc",
    size: Annotated[int, Query(ge=1, le=query.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> AlertPage:
    return query.search_alerts(ctx, flt=flt, sort=sort, order=order, size=size, cursor=cursor)


@router.get("/stats", summary="Counts by status, severity, rule and time")
def stats(
    ctx: Ctx,
    _: Reader,
    flt: Filter,
    interval: Annotated[str, Query(pattern=r"^[1-9][0-9]{0,3}[mhd]$")] = "1h",
) -> AlertStats:
    return query.alert_stats(ctx, flt=flt, interval=interval)


@router.get(
    "/export",
    summary="Export alerts as CSV or NDJSON, streamed (needs a fresh TOTP)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "text/csv": {"example": "id,created_at,...\n"},
                "application/x-ndjson": {"example": '{"id": "…", "severity": "high"}\n'},
            }
        },
    },
)
def export_alerts(
    ctx: Ctx,
    principal: Exporter,
    flt: Filter,
    format: alert_export.ExportFormat = "csv",
    limit: Annotated[int, Query(ge=1, le=1_000_000)] = 100_000,
) -> StreamingResponse:
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    # A bulk export is a read the audit middleware does not see: record it here.
    audit.record(
        ctx,
        actor=principal,
        action="alert.export",
        target=None,
        outcome="success",
        details={"format": format, "limit": limit, "filter": flt.model_dump(mode="json")},
    )
    body = alert_export.export(ctx, fmt=format, flt=flt, limit=limit)
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="alerts.{format}"'},
    )


@router.post(
    "/bulk",
    summary="Apply one change to alerts given by id or by filter; a result per alert",
    responses=answers(_INVALID),
)
def bulk(body: BulkChange, ctx: Ctx, principal: Writer) -> BulkResult:
    return triage.bulk_update(
        ctx, request=body, by=principal.name, mfa_verified_at=principal.mfa_verified_at
    )


@router.get(
    "/{alert_id}",
    summary="One alert with its events; its version in the ETag header",
    responses=answers(_NO_ALERT),
)
def get_alert(alert_id: str, ctx: Ctx, _: Reader, response: Response) -> AlertWithEvents:
    alert = service.get_alert_with_events(ctx, alert_id=alert_id)
    response.headers["ETag"] = f'"{alert.version}"'
    return alert


@router.patch(
    "/{alert_id}",
    summary="Triage: status, resolution, assignee, tags (send the version seen as If-Match)",
    responses=answers(_NO_ALERT, _CHANGED, _INVALID),
)
def patch_alert(
    alert_id: str,
    body: AlertChange,
    ctx: Ctx,
    principal: Writer,
    response: Response,
    if_match: Annotated[str | None, Header(description='ETag of the alert, e.g. "12:1"')] = None,
) -> Alert:
    alert = triage.update_alert(
        ctx,
        alert_id=alert_id,
        change=body,
        version=if_match,
        by=principal.name,
        mfa_verified_at=principal.mfa_verified_at,
    )
    response.headers["ETag"] = f'"{alert.version}"'
    return alert


@router.post(
    "/{alert_id}/comments",
    status_code=201,
    summary="Add a comment (kept forever, in the alert's history too)",
    responses=answers(_NO_ALERT),
)
def comment(
    alert_id: str, body: CommentIn, ctx: Ctx, principal: Writer, response: Response
) -> Alert:
    alert = triage.add_comment(ctx, alert_id=alert_id, text=body.text, by=principal.name)
    response.headers["ETag"] = f'"{alert.version}"'
    return alert
