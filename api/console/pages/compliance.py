"""Compliance (controls, evidence, history) and the audit trail (browse, filter, verify):
auditors' pages, on the services of ``/api/v1/compliance`` and ``/api/v1/audit``
(reports: ``api.console.pages.reports``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.console.session import check_csrf, page
from api.console.web import form_time, render
from api.deps import Ctx
from secops import audit
from secops.auth.principals import Principal, Role
from secops.compliance import service
from secops.compliance.controls import builtin_controls

router = APIRouter(dependencies=[Depends(check_csrf)])

StatusReader = Annotated[Principal, Depends(page(Role.auditor, Role.admin, Role.soc_operator))]
Auditor = Annotated[Principal, Depends(page(Role.auditor, Role.admin))]


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
        since=form_time(since, field="since"),
        until=form_time(until, field="until"),
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
