"""/api/v1/suppressions: stop known noise, and see how much each suppression stopped."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.alerts import suppressions
from secops.alerts.suppressions import Suppression, SuppressionIn, SuppressionUpdate
from secops.auth.principals import Principal, Role
from secops.errors import InvalidInputError, NotFoundError

_NOT_FOUND = (NotFoundError, "No such suppression")
_INVALID = (InvalidInputError, "Invalid input; the detail says what is wrong")

router = APIRouter(prefix="/suppressions", tags=["suppressions"])

Reader = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin, Role.auditor))]
# Suppressing hides alerts: creating or widening one needs a fresh TOTP.
WriterStepUp = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin, step_up=True))]
Writer = Annotated[Principal, Depends(require(Role.soc_operator, Role.admin))]


@router.get("", summary="Suppressions with the number of alerts each stopped")
def list_suppressions(ctx: Ctx, _: Reader, include_expired: bool = False) -> list[Suppression]:
    return suppressions.list_suppressions(ctx, include_expired=include_expired)


@router.post(
    "",
    status_code=201,
    summary="Create a suppression (needs a fresh TOTP)",
    description=(
        "Refused with 422: an `expires_at` that is not in the future (the suppression "
        "would never apply), and a suppression with neither `rule_id` nor `conditions` "
        "unless `all_alerts: true` confirms that every alert is to be silenced."
    ),
    responses=answers(_INVALID),
)
def create_suppression(body: SuppressionIn, ctx: Ctx, principal: WriterStepUp) -> Suppression:
    return suppressions.create_suppression(ctx, spec=body, author=principal.name)


@router.get("/{suppression_id}", summary="One suppression", responses=answers(_NOT_FOUND))
def get_suppression(suppression_id: str, ctx: Ctx, _: Reader) -> Suppression:
    return suppressions.get_suppression(ctx, suppression_id=suppression_id)


@router.patch(
    "/{suppression_id}",
    summary="Change reason or expiry (extending one needs a fresh TOTP)",
    responses=answers(_NOT_FOUND, _INVALID),
)
def update_suppression(
    suppression_id: str, body: SuppressionUpdate, ctx: Ctx, _: WriterStepUp
) -> Suppression:
    return suppressions.update_suppression(ctx, suppression_id=suppression_id, change=body)


@router.delete(
    "/{suppression_id}",
    status_code=204,
    summary="Delete a suppression: its alerts come through again",
    responses=answers(_NOT_FOUND),
)
def delete_suppression(suppression_id: str, ctx: Ctx, _: Writer) -> Response:
    suppressions.delete_suppression(ctx, suppression_id=suppression_id)
    return Response(status_code=204)
