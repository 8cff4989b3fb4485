"""Administration (admin only): users, roles, MFA reset, API keys. Every change needs a
fresh TOTP code, as through the API; secrets made here are shown once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.forms import invalid
from api.console.session import check_csrf, page
from api.console.web import render, see_other
from api.deps import Ctx
from secops.auth import apikeys, users
from secops.auth.models import ApiKeyCreate, UserCreate
from secops.auth.principals import HUMAN_ROLES, Principal, Role
from secops.errors import InvalidInputError

router = APIRouter(dependencies=[Depends(check_csrf)])

Admin = Annotated[Principal, Depends(page(Role.admin))]
AdminStepUp = Annotated[Principal, Depends(page(Role.admin, step_up=True))]
USER_ACTIONS = ("disable", "enable", "reset_mfa", "reset_password")


def _admin_page(request: Request, ctx: Ctx, principal: Principal, **shown: object) -> Response:
    return render(
        request,
        "admin.html",
        principal=principal,
        users=[users.view(u) for u in users.list_users(ctx)],
        keys=apikeys.list_keys(ctx),
        human_roles=sorted(str(r) for r in HUMAN_ROLES),
        key_roles=sorted(str(r) for r in Role),
        created=shown.get("created"),
        secret=shown.get("secret"),
    )


@router.get("/admin")
def admin(request: Request, ctx: Ctx, principal: Admin) -> Response:
    return _admin_page(request, ctx, principal)


@router.post("/admin/users")
def create_user(
    request: Request,
    ctx: Ctx,
    principal: AdminStepUp,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=200)],
    roles: Annotated[list[str], Form(max_length=3)],
) -> Response:
    try:
        body = UserCreate(username=username, display_name=display_name, roles=roles)
    except ValidationError as exc:
        raise InvalidInputError(invalid(exc)) from exc
    user, password = users.create_user(
        ctx,
        username=body.username,
        display_name=body.display_name,
        roles=body.roles,
        actor=principal,
    )
    return _admin_page(request, ctx, principal, created=user.username, secret=password)


@router.post("/admin/users/{username}/roles")
def change_roles(
    request: Request,
    ctx: Ctx,
    principal: AdminStepUp,
    username: str,
    roles: Annotated[list[str], Form(max_length=3)],
) -> Response:
    wanted = [r for r in roles if r in {str(h) for h in HUMAN_ROLES}]
    if not wanted:
        raise InvalidInputError("give at least one of the roles admin, soc_operator, auditor")
    users.change_user(ctx, username=username, actor=principal, roles=wanted)  # type: ignore[arg-type]
    return see_other("/admin")


@router.post("/admin/users/{username}/{action}")
def user_action(
    request: Request, ctx: Ctx, principal: AdminStepUp, username: str, action: str
) -> Response:
    if action == "disable":
        users.disable_user(ctx, username=username, actor=principal)
    elif action == "enable":
        users.enable_user(ctx, username=username, actor=principal)
    elif action == "reset_mfa":
        users.reset_mfa(ctx, username=username, actor=principal)
    elif action == "reset_password":
        _, password = users.set_password(ctx, username=username, actor=principal)
        return _admin_page(request, ctx, principal, created=username, secret=password)
    else:
        raise InvalidInputError(f"the action is one of {', '.join(USER_ACTIONS)}")
    return see_other("/admin")


@router.post("/admin/apikeys")
def create_key(
    request: Request,
    ctx: Ctx,
    principal: AdminStepUp,
    name: Annotated[str, Form(max_length=100)],
    roles: Annotated[list[str], Form(max_length=4)],
    expires_in_days: Annotated[int | None, Form(ge=1, le=3650)] = 365,
) -> Response:
    try:
        body = ApiKeyCreate(name=name, roles=roles, expires_in_days=expires_in_days)
    except ValidationError as exc:
        raise InvalidInputError(invalid(exc)) from exc
    made = apikeys.create(
        ctx,
        name=body.name,
        roles=body.roles,
        actor=principal,
        expires_in_days=body.expires_in_days,
    )
    return _admin_page(request, ctx, principal, created=made.apikey.name, secret=made.key)


@router.post("/admin/apikeys/{key_id}/rotate")
def rotate_key(request: Request, ctx: Ctx, principal: AdminStepUp, key_id: str) -> Response:
    made = apikeys.rotate(ctx, key_id=key_id, actor=principal)
    return _admin_page(request, ctx, principal, created=made.apikey.name, secret=made.key)


@router.post("/admin/apikeys/{key_id}/revoke")
def revoke_key(request: Request, ctx: Ctx, principal: AdminStepUp, key_id: str) -> Response:
    apikeys.revoke(ctx, key_id=key_id, actor=principal)
    return see_other("/admin")
