"""/api/v1/apikeys: keys of pushing systems (admin; changes need a step-up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.auth import apikeys
from secops.auth.models import ApiKeyCreate, ApiKeyCreated, ApiKeyRotate, ApiKeyView
from secops.auth.principals import Principal, Role
from secops.errors import ConflictError, InvalidInputError, NotFoundError

router = APIRouter(prefix="/apikeys", tags=["apikeys"])

Admin = Annotated[Principal, Depends(require(Role.admin))]
AdminStepUp = Annotated[Principal, Depends(require(Role.admin, step_up=True))]
_CHANGE_ERRORS = answers(
    (NotFoundError, "No such API key"),
    (ConflictError, "The key is revoked, or changed concurrently; retry"),
)


@router.get("", summary="Every API key (never the secrets)")
def list_keys(ctx: Ctx, _: Admin) -> list[ApiKeyView]:
    return apikeys.list_keys(ctx)


@router.post(
    "",
    status_code=201,
    summary="Create a key; the key itself is shown once",
    responses=answers(
        (InvalidInputError, "A role only people hold (admin, soc_operator, auditor)")
    ),
)
def create_key(body: ApiKeyCreate, ctx: Ctx, principal: AdminStepUp) -> ApiKeyCreated:
    return apikeys.create(
        ctx,
        name=body.name,
        roles=body.roles,
        expires_in_days=body.expires_in_days,
        actor=principal,
    )


@router.post(
    "/{key_id}/rotate",
    summary="New secret; the old one stays valid for a grace period",
    responses=_CHANGE_ERRORS,
)
def rotate_key(
    key_id: str,
    ctx: Ctx,
    principal: AdminStepUp,
    body: Annotated[ApiKeyRotate | None, Body()] = None,
) -> ApiKeyCreated:
    grace = body.grace_seconds if body else None
    return apikeys.rotate(ctx, key_id=key_id, grace_seconds=grace, actor=principal)


@router.post("/{key_id}/revoke", summary="Revoke a key at once", responses=_CHANGE_ERRORS)
def revoke_key(key_id: str, ctx: Ctx, principal: AdminStepUp) -> ApiKeyView:
    return apikeys.revoke(ctx, key_id=key_id, actor=principal)
