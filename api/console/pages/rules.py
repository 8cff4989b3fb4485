"""Rules (search, filter by run state, read the YAML with its filters and overrides,
validate a draft, disable with a reason and a fresh code, enable, hunt), suppressions,
and sources: the services of ``/api/v1/rules``, ``/api/v1/suppressions`` and
``/api/v1/sources``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.forms import invalid
from api.console.session import check_csrf, page
from api.console.web import render, see_other
from api.deps import Ctx
from secops.accounting.service import list_sources
from secops.alerts import suppressions
from secops.alerts.suppressions import SuppressionIn
from secops.auth.principals import Principal, Role
from secops.errors import InvalidInputError
from secops.rules import service
from secops.rules.models import HuntOut, RuleFilter, RunState, ValidationOut

router = APIRouter(dependencies=[Depends(check_csrf)])

Reader = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin, Role.auditor))]
Writer = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin))]
WriterStepUp = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin, step_up=True))]


def _can_change(principal: Principal) -> bool:
    return principal.has_any(frozenset({Role.soc_operator, Role.admin}))


def _unfiltered_rules(
    request: Request,
    ctx: Ctx,
    principal: Principal,
    *,
    validation: ValidationOut | None,
    draft: str,
    hunt: HuntOut | None,
    can_change: bool,
) -> Response:
    """The rules page on its first 100 rules, unfiltered, with a validation or hunt result."""
    found = service.list_rules(ctx, flt=RuleFilter(), offset=0, limit=100)
    return render(
        request,
        "rules.html",
        principal=principal,
        found=found,
        text="",
        run_state="",
        validation=validation,
        draft=draft,
        hunt=hunt,
        can_change=can_change,
    )


@router.get("/rules")
def rules_page(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    text: Annotated[str | None, Query(max_length=200)] = None,
    run_state: Annotated[RunState | Literal[""], Query()] = "",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    flt = RuleFilter(text=text or None, run_state=[run_state] if run_state else None)
    found = service.list_rules(ctx, flt=flt, offset=offset, limit=100)
    return render(
        request,
        "rules.html",
        principal=principal,
        found=found,
        text=text or "",
        run_state=run_state,
        validation=None,
        draft="",
        hunt=None,
        can_change=_can_change(principal),
    )


@router.post("/rules/validate")
def validate(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    draft: Annotated[str, Form(max_length=200_000)],
) -> Response:
    """Check a draft rule as `secops rules validate` does; nothing is stored."""
    result = service.validate_text(ctx, text=draft)
    return _unfiltered_rules(
        request,
        ctx,
        principal,
        validation=result,
        draft=draft,
        hunt=None,
        can_change=_can_change(principal),
    )


@router.post("/rules/hunt")
def hunt(
    request: Request,
    ctx: Ctx,
    principal: Writer,
    rule_id: Annotated[str, Form(max_length=200)],
    since: Annotated[str, Form(max_length=64)] = "7d",
) -> Response:
    result = service.hunt_rules(ctx, rule_ids=[rule_id], since=since)
    return _unfiltered_rules(
        request, ctx, principal, validation=None, draft="", hunt=result, can_change=True
    )


@router.get("/rules/{rule_id}")
def rule_page(request: Request, ctx: Ctx, principal: Reader, rule_id: str) -> Response:
    return render(
        request,
        "rule.html",
        principal=principal,
        rule=service.get_rule(ctx, rule_id=rule_id),
        can_change=_can_change(principal),
    )


@router.post("/rules/{rule_id}/disable")
def disable(
    request: Request,
    ctx: Ctx,
    principal: WriterStepUp,
    rule_id: str,
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    if len(reason.strip()) < 3:
        raise InvalidInputError("say why the rule is disabled (3 characters at least)")
    service.disable_rule(ctx, rule_id=rule_id, actor=principal, reason=reason.strip())
    return see_other(f"/rules/{rule_id}")


@router.post("/rules/{rule_id}/enable")
def enable(
    request: Request,
    ctx: Ctx,
    principal: Writer,
    rule_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    service.enable_rule(ctx, rule_id=rule_id, actor=principal, reason=reason.strip() or None)
    return see_other(f"/rules/{rule_id}")


@router.get("/suppressions")
def suppressions_page(request: Request, ctx: Ctx, principal: Reader) -> Response:
    return render(
        request,
        "suppressions.html",
        principal=principal,
        items=suppressions.list_suppressions(ctx, include_expired=True),
        can_change=_can_change(principal),
    )


@router.post("/suppressions")
def create_suppression(
    request: Request,
    ctx: Ctx,
    principal: WriterStepUp,
    reason: Annotated[str, Form(max_length=2000)],
    rule_id: Annotated[str, Form(max_length=200)] = "",
    field: Annotated[str, Form(max_length=200)] = "",
    value: Annotated[str, Form(max_length=500)] = "",
    expires_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """A suppression of a rule's alerts, narrowed by one field's value if given."""
    conditions = [{"field": field.strip(), "op": "equals", "value": value}] if field.strip() else []
    try:
        expiry = datetime.fromisoformat(expires_at) if expires_at else None
        if expiry is not None and expiry.tzinfo is None:
            expiry = expiry.replace(tzinfo=UTC)
        spec = SuppressionIn(
            rule_id=rule_id.strip() or None,
            conditions=conditions,
            reason=reason,
            expires_at=expiry,
        )
    except ValidationError as exc:
        raise InvalidInputError(invalid(exc)) from exc
    except ValueError as exc:
        raise InvalidInputError(f"expiry: not a date and time: {expires_at!r}") from exc
    suppressions.create_suppression(ctx, spec=spec, author=principal.name)
    return see_other("/suppressions")


@router.post("/suppressions/{suppression_id}/delete")
def delete_suppression(
    request: Request, ctx: Ctx, principal: Writer, suppression_id: str
) -> Response:
    suppressions.delete_suppression(ctx, suppression_id=suppression_id)
    return see_other("/suppressions")


@router.get("/sources")
def sources_page(request: Request, ctx: Ctx, principal: Reader) -> Response:
    return render(request, "sources.html", principal=principal, sources=list_sources(ctx))
