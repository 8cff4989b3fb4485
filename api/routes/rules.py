"""/api/v1/rules: the loaded rules and their load errors, enable/disable, validate, hunt.

Disabling takes effect in the running pipeline within a few seconds, wherever it
runs (``secops.rules``). ``POST /rules/hunt`` runs inside the request, so it is
bounded: a range of more events than ``HUNT_MAX_EVENTS`` is refused with 422 and
the ``secops rules hunt`` command does long hunts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.auth.principals import Principal, Role
from secops.definitions import Severity
from secops.errors import InvalidInputError, NotFoundError
from secops.rules import coverage, service
from secops.rules.models import (
    CoverageOut,
    DisableIn,
    EnableIn,
    FilterPage,
    HuntIn,
    HuntOut,
    RuleDetail,
    RuleFilter,
    RuleKind,
    RulePage,
    RuleView,
    RunState,
    ValidationOut,
)

router = APIRouter(prefix="/rules", tags=["rules"])

Reader = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin, Role.auditor))]
Writer = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin))]
# Disabling a rule blinds detection: it needs a fresh TOTP.
WriterStepUp = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin, step_up=True))]

_NOT_FOUND = (NotFoundError, "No rule of that id is loaded")
_INVALID = (InvalidInputError, "Invalid input; the detail says what is wrong")

_RULE_EXAMPLE = """title: Secret document deleted
id: 6a1f0c55-3f5e-4b7b-9b8e-0c2b9d1e4a10
status: experimental
logsource:
    product: parliament
    service: dms
detection:
    selection:
        event.action: delete
        file.classification: secret
    condition: selection
level: high
"""


def rule_filter(
    level: Annotated[list[Severity] | None, Query()] = None,
    tag: Annotated[list[str] | None, Query(description="Any of these tags")] = None,
    enabled: bool | None = None,
    run_state: Annotated[
        list[RunState] | None,
        Query(description="Rules in any of these states (active, disabled, unsupported_logsource)"),
    ] = None,
    kind: RuleKind | None = None,
    text: Annotated[
        str | None, Query(max_length=200, description="Text in id, title, description, path")
    ] = None,
) -> RuleFilter:
    return RuleFilter(
        level=level, tag=tag, enabled=enabled, run_state=run_state, kind=kind, text=text
    )


@router.get(
    "",
    summary="Loaded rules (ours and the configured directories), one page, and load errors",
)
def list_rules(
    ctx: Ctx,
    _: Reader,
    flt: Annotated[RuleFilter, Depends(rule_filter)],
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 100,
) -> RulePage:
    return service.list_rules(ctx, flt=flt, offset=offset, limit=limit)


@router.post(
    "/validate",
    summary="Validate a Sigma rule (YAML body): errors with line numbers; nothing is stored",
    responses=answers(_INVALID),
)
def validate_rule(
    ctx: Ctx,
    _: Writer,
    text: Annotated[
        str, Body(media_type="application/yaml", examples=[_RULE_EXAMPLE], max_length=1 << 20)
    ],
) -> ValidationOut:
    return service.validate_text(ctx, text=text)


@router.post(
    "/hunt",
    summary="Run rules over stored events now (bounded); matches become hunt alerts",
    responses=answers(_NOT_FOUND, _INVALID),
)
def hunt_rules(body: HuntIn, ctx: Ctx, _: Writer) -> HuntOut:
    return service.hunt_rules(ctx, rule_ids=body.rule_ids, since=body.since, until=body.until)


@router.get(
    "/filters",
    summary="Sigma filters loaded from the rule directories, the rules they apply to, "
    "and the events each dropped",
)
def list_filters(ctx: Ctx, _: Reader) -> FilterPage:
    return service.list_filters(ctx)


@router.get(
    "/coverage",
    summary="ATT&CK tactics and techniques the active rules cover, per logsource; blind spots",
    description=(
        "Blind spots: logsources with active rules but no event in the window, and "
        "datasets (`event.dataset`) none of whose events an active rule covers. "
        "Counted by one aggregation over the events of the window."
    ),
    responses=answers((InvalidInputError, "The window is not a duration such as 1d or 12h")),
)
def rules_coverage(
    ctx: Ctx,
    _: Reader,
    window: Annotated[
        str,
        Query(max_length=16, description="How far back events count: 1d, 12h, 90m, 2w"),
    ] = coverage.DEFAULT_WINDOW,
) -> CoverageOut:
    return coverage.coverage(ctx, window=window)


@router.get(
    "/{rule_id:path}",
    summary="One rule with its state and its YAML text",
    responses=answers(_NOT_FOUND),
)
def get_rule(rule_id: str, ctx: Ctx, _: Reader) -> RuleDetail:
    return service.get_rule(ctx, rule_id=rule_id)


@router.post(
    "/{rule_id:path}/disable",
    summary="Disable a rule (needs a fresh TOTP and a reason); the pipeline follows in seconds",
    responses=answers(_NOT_FOUND, _INVALID),
)
def disable_rule(rule_id: str, body: DisableIn, ctx: Ctx, principal: WriterStepUp) -> RuleView:
    return service.disable_rule(ctx, rule_id=rule_id, actor=principal, reason=body.reason)


@router.post(
    "/{rule_id:path}/enable",
    summary="Enable a rule again; the pipeline follows in seconds",
    responses=answers(_NOT_FOUND, _INVALID),
)
def enable_rule(
    rule_id: str, ctx: Ctx, principal: Writer, body: EnableIn | None = None
) -> RuleView:
    reason = body.reason if body is not None else None
    return service.enable_rule(ctx, rule_id=rule_id, actor=principal, reason=reason)
