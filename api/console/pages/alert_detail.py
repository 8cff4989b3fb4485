"""One alert: summary, events (fields and original record), group values, correlation,
history, comments, and triage with the version check and the step-up prompt."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.forms import invalid
from api.console.session import check_csrf, page, renew_mfa
from api.console.web import render, see_other
from api.deps import Ctx
from secops.alerts import service, triage
from secops.alerts.models import AlertChange, AlertWithEvents, HistoryEntry, Resolution, Status
from secops.auth.principals import Principal, Role
from secops.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
)

router = APIRouter(dependencies=[Depends(check_csrf)])

Reader = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin, Role.auditor))]
Writer = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin))]


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """An event as (dotted field, value) rows, in the order its fields come."""
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, inner in value.items():
            rows.extend(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        rows = []
        for i, inner in enumerate(value):
            rows.extend(flatten(inner, f"{prefix}[{i}]"))
        return rows
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return [(prefix, text)]


def original_of(event: dict[str, Any]) -> str | None:
    """The record as the source sent it (ECS ``event.original``), when it was kept."""
    original = (event.get("event") or {}).get("original")
    return original if isinstance(original, str) else None


def changes_since(alert: AlertWithEvents, seen: str) -> list[HistoryEntry]:
    """What others changed after the version the browser showed (its ``updated_at``)."""
    try:
        moment = datetime.fromisoformat(seen.replace("Z", "+00:00"))
    except ValueError:
        return alert.history[-5:]
    return [h for h in alert.history if h.at > moment]


def _page(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    alert_id: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    alert = service.get_alert_with_events(ctx, alert_id=alert_id)
    values: dict[str, Any] = {
        "conflict": None,
        "step_up": None,
        "error": None,
        **extra,
    }
    return render(
        request,
        "alert.html",
        principal=principal,
        alert=alert,
        events=[(flatten(e), original_of(e), e) for e in alert.stored_events],
        statuses=list(Status),
        resolutions=list(Resolution),
        can_triage=principal.has_any(frozenset({Role.soc_operator, Role.admin})),
        status_code=status_code,
        **values,
    )


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, ctx: Ctx, principal: Reader, alert_id: str) -> Response:
    return _page(request, ctx, principal, alert_id)


@router.post("/alerts/{alert_id}/triage")
def triage_alert(
    request: Request,
    ctx: Ctx,
    principal: Writer,
    alert_id: str,
    version: Annotated[str, Form(max_length=64)],
    seen: Annotated[str, Form(max_length=64)] = "",
    status: Annotated[str, Form(max_length=32)] = "",
    resolution: Annotated[str, Form(max_length=32)] = "",
    assignee: Annotated[str, Form(max_length=128)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Apply the change to the version shown; a concurrent change is shown, never
    overwritten; an action that needs a fresh TOTP code asks for it."""
    asked = {"status": status, "resolution": resolution, "assignee": assignee, "reason": reason}
    try:
        change = AlertChange(
            status=status or None,
            resolution=resolution or None,
            assignee=assignee if assignee else None,
            reason=reason or None,
        )
    except ValidationError as exc:
        return _page(request, ctx, principal, alert_id, status_code=422, error=invalid(exc))
    if code.strip():
        try:
            principal = renew_mfa(request, ctx, principal, code)
        except (AuthError, RateLimitedError) as exc:
            prompt = {
                "message": exc.message,
                "wrong": True,
                "asked": asked,
                "version": version,
                "seen": seen,
            }
            refused = 429 if isinstance(exc, RateLimitedError) else 401
            return _page(request, ctx, principal, alert_id, status_code=refused, step_up=prompt)
    try:
        triage.update_alert(
            ctx,
            alert_id=alert_id,
            change=change,
            version=version,
            by=principal.name,
            mfa_verified_at=principal.mfa_verified_at,
        )
    except ConflictError as exc:
        current = service.get_alert_with_events(ctx, alert_id=alert_id)
        conflict = {"message": exc.message, "changes": changes_since(current, seen)}
        return _page(request, ctx, principal, alert_id, status_code=409, conflict=conflict)
    except PermissionDeniedError as exc:
        prompt = {"message": exc.message, "asked": asked, "version": version, "seen": seen}
        return _page(request, ctx, principal, alert_id, status_code=403, step_up=prompt)
    except InvalidInputError as exc:
        return _page(request, ctx, principal, alert_id, status_code=422, error=exc.message)
    return see_other(f"/alerts/{alert_id}")


@router.post("/alerts/{alert_id}/comments")
def comment(
    request: Request,
    ctx: Ctx,
    principal: Writer,
    alert_id: str,
    text: Annotated[str, Form(min_length=1, max_length=10_000)],
) -> Response:
    triage.add_comment(ctx, alert_id=alert_id, text=text, by=principal.name)
    return see_other(f"/alerts/{alert_id}")
