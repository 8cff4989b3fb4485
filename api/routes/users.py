"""/api/v1/users: accounts of people (admin; changes need a step-up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.auth import users
from secops.auth.models import UserCreate, UserCreated, UserUpdate, UserView
from secops.auth.principals import Principal, Role
from secops.errors import ConflictError, NotFoundError

router = APIRouter(prefix="/users", tags=["users"])

Admin = Annotated[Principal, Depends(require(Role.admin))]
AdminStepUp = Annotated[Principal, Depends(require(Role.admin, step_up=True))]
_NO_ACCOUNT = (NotFoundError, "No such account")
_CHANGE_ERRORS = answers(_NO_ACCOUNT, (ConflictError, "The account changed concurrently; retry"))
_ADMIN_CHANGE_ERRORS = answers(
    _NO_ACCOUNT,
    (ConflictError, "It would leave no enabled admin, or a concurrent change; the answer says"),
)


@router.get("", summary="Every account")
def list_users(ctx: Ctx, _: Admin) -> list[UserView]:
    return [users.view(u) for u in users.list_users(ctx)]


@router.post(
    "",
    status_code=201,
    summary="Create an account; its initial password, shown once",
    responses=answers((ConflictError, "An account of that name exists")),
)
def create_user(body: UserCreate, ctx: Ctx, principal: AdminStepUp) -> UserCreated:
    user, password = users.create_user(
        ctx,
        username=body.username,
        display_name=body.display_name,
        roles=body.roles,
        actor=principal,
    )
    return UserCreated(user=users.view(user), initial_password=password)


@router.patch(
    "/{username}",
    summary="Change an account's roles or display name",
    description="Removing a role ends the account's sessions. The last enabled admin keeps admin.",
    responses=_ADMIN_CHANGE_ERRORS,
)
def change_user(username: str, body: UserUpdate, ctx: Ctx, principal: AdminStepUp) -> UserView:
    return users.view(
        users.change_user(
            ctx,
            username=username,
            roles=body.roles,
            display_name=body.display_name,
            actor=principal,
        )
    )


@router.post(
    "/{username}/enable",
    summary="Enable a disabled account",
    responses=_CHANGE_ERRORS,
)
def enable_user(username: str, ctx: Ctx, principal: AdminStepUp) -> UserView:
    return users.view(users.enable_user(ctx, username=username, actor=principal))


@router.post(
    "/{username}/disable",
    summary="Disable an account and end its sessions",
    description="The last enabled admin cannot be disabled.",
    responses=_ADMIN_CHANGE_ERRORS,
)
def disable_user(username: str, ctx: Ctx, principal: AdminStepUp) -> UserView:
    return users.view(users.disable_user(ctx, username=username, actor=principal))


@router.post(
    "/{username}/reset-mfa",
    summary="Forget the authenticator; enrol again at login",
    responses=_CHANGE_ERRORS,
)
def reset_mfa(username: str, ctx: Ctx, principal: AdminStepUp) -> UserView:
    return users.view(users.reset_mfa(ctx, username=username, actor=principal))
