"""What the rules drop and what they see: the Sigma filters (the rules each is compiled
into, the events it dropped) and the ATT&CK coverage of the active rules per logsource
with the blind spots, over a chosen window: ``/api/v1/rules/filters`` and
``/api/v1/rules/coverage``, with their roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.console.session import check_csrf, page
from api.console.web import render
from api.deps import Ctx
from secops.auth.principals import Principal, Role
from secops.rules import coverage, service

router = APIRouter(dependencies=[Depends(check_csrf)])

Reader = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin, Role.auditor))]
WINDOWS = ("1h", "12h", "1d", "7d", "30d")


@router.get("/rules/filters")
def filters_page(request: Request, ctx: Ctx, principal: Reader) -> Response:
    return render(request, "filters.html", principal=principal, found=service.list_filters(ctx))


@router.get("/rules/coverage")
def coverage_page(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    window: Annotated[str, Query(max_length=16)] = coverage.DEFAULT_WINDOW,
) -> Response:
    """A window other than the listed ones may be typed in the address (``2w``, ``90m``)."""
    found = coverage.coverage(ctx, window=window)
    windows = WINDOWS if window in WINDOWS else (*WINDOWS, window)
    return render(
        request, "coverage.html", principal=principal, found=found, windows=windows, window=window
    )
