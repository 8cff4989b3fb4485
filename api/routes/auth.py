"""/api/v1/auth: login with password and TOTP, refresh, logout, MFA enrolment, step-up,
password change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.deps import Ctx
from api.errors import answers
from api.security import client_address, enrolment, password_change, public, require
from secops.auth import logins, mfa, sessions
from secops.auth.models import (
    AccessToken,
    CodeRequest,
    EnrolmentRequired,
    LoginRequest,
    Me,
    MfaConfirmed,
    MfaEnrollment,
    PasswordChange,
    PasswordChangeRequired,
    RefreshRequest,
    TokenPair,
)
from secops.auth.password_change import change_password as change_own_password
from secops.auth.principals import HUMAN_ROLES, Principal, Role
from secops.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitedError,
)

router = APIRouter(prefix="/auth", tags=["auth"])

_LOCKED = (RateLimitedError, "Locked after repeated failures")
_MFA_CONFIRMED = (ConflictError, "MFA is already confirmed")


@router.post(
    "/login",
    summary="Log in with password and TOTP code (or a recovery code)",
    responses=answers((AuthError, "Invalid username, password or code (always the same)"), _LOCKED),
)
def login(
    body: LoginRequest,
    request: Request,
    ctx: Ctx,
    _: Annotated[Principal, Depends(public())],
) -> TokenPair | EnrolmentRequired | PasswordChangeRequired:
    return logins.login(ctx, request=body, address=client_address(request))


@router.post(
    "/refresh",
    summary="Rotate the refresh token; new access token",
    responses=answers((AuthError, "Invalid, reused or expired refresh token")),
)
def refresh(
    body: RefreshRequest, ctx: Ctx, _: Annotated[Principal, Depends(public())]
) -> TokenPair:
    return sessions.refresh(ctx, refresh_token=body.refresh_token, now=datetime.now(UTC))


def _person(principal: Principal) -> Principal:
    if principal.kind != "user" or principal.session_id is None:
        raise PermissionDeniedError("only a person's session can do this")
    return principal


@router.post("/logout", status_code=204, summary="End the current session")
def logout(
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(*HUMAN_ROLES))],
) -> Response:
    logins.logout(ctx, identity=_person(principal), address=client_address(request))
    return Response(status_code=204)


@router.post(
    "/mfa/enroll",
    summary="New TOTP secret: provisioning URI and QR code (SVG)",
    responses=answers(_MFA_CONFIRMED),
)
def mfa_enroll(
    request: Request, ctx: Ctx, principal: Annotated[Principal, Depends(enrolment())]
) -> MfaEnrollment:
    return mfa.enroll(ctx, identity=principal, address=client_address(request))


@router.post(
    "/mfa/confirm",
    summary="Confirm the TOTP secret; recovery codes, shown once",
    responses=answers(_MFA_CONFIRMED),
)
def mfa_confirm(
    body: CodeRequest,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(enrolment())],
) -> MfaConfirmed:
    return mfa.confirm(ctx, identity=principal, code=body.code, address=client_address(request))


@router.post(
    "/step-up",
    summary="Prove a fresh TOTP code; new access token for step-up routes",
    responses=answers((RateLimitedError, "Locked after repeated wrong codes")),
)
def step_up(
    body: CodeRequest,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(*HUMAN_ROLES))],
) -> AccessToken:
    return logins.step_up(
        ctx,
        identity=_person(principal),
        code=body.code,
        address=client_address(request),
    )


@router.post(
    "/password",
    summary="Change one's own password (current password and TOTP code); new session",
    description=(
        "Every other session of the account ends. Also the one route the token of "
        "`password_change_required` (after an administrator's reset) opens."
    ),
    responses=answers(
        (AuthError, "Wrong current password or code (counted towards the lockout)"),
        (InvalidInputError, "The new password breaks a rule, which the answer names"),
        _LOCKED,
    ),
)
def change_password(
    body: PasswordChange,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(password_change())],
) -> TokenPair:
    return change_own_password(
        ctx, identity=principal, request=body, address=client_address(request)
    )


@router.get("/me", summary="The caller: name, roles, MFA time")
def me(principal: Annotated[Principal, Depends(require(*Role))]) -> Me:
    return Me(
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        roles=sorted(str(r) for r in principal.roles),
        mfa_verified_at=principal.mfa_verified_at,
        session_id=principal.session_id,
    )
