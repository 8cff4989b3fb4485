"""Who is calling, and may they? Every route declares its policy with one of these.

``require(Role.soc_operator, ...)`` admits a caller holding any of the roles;
``step_up=True`` also needs a TOTP code verified within the last minutes;
``public()`` marks the few routes open to anyone (liveness, login). The route-policy
test enumerates the app's routes and fails on any route without a policy.

Credentials: ``Authorization: Bearer <access token>`` for people,
``Authorization: ApiKey <key>`` or ``X-API-Key: <key>`` for systems.

Roles are not a hierarchy: ``admin`` opens the administration routes (users, API
keys, rules, retention) and nothing else by itself. Alert triage needs
``soc_operator`` (or ``admin``, who may stand in); ``auditor`` reads alerts, the
audit trail and compliance but changes nothing; ``ingest`` only pushes records.
Destructive administration (users, API keys) also needs a step-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request

from api.addresses import scope_address
from secops.auth import apikeys, sessions
from secops.auth.principals import HUMAN_ROLES, Principal, Role
from secops.auth.proof import CHANGE_PASSWORD_FIRST
from secops.context import Context
from secops.errors import AuthError, PermissionDeniedError, SecopsError
from secops.store.errors import StoreRefused, StoreTransportError

POLICY_ATTR = "__secops_policy__"


@dataclass(frozen=True)
class Policy:
    roles: frozenset[Role]  # empty = public
    step_up: bool = False

    @property
    def public(self) -> bool:
        return not self.roles


def policy_of(dependency: Any) -> Policy | None:
    return getattr(dependency, POLICY_ATTR, None)


def _context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def client_address(request: Request) -> str | None:
    """The peer, or the client a trusted proxy names (see ``api.addresses``)."""
    return scope_address(request.scope)


def _identify(request: Request) -> Principal:
    ctx = _context(request)
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential:
        return sessions.authenticate(ctx, token=credential, now=datetime.now(UTC))
    if scheme.lower() == "apikey" and credential:
        return apikeys.authenticate(ctx, key=credential)
    if key := request.headers.get("x-api-key", "").strip():
        return apikeys.authenticate(ctx, key=key)
    raise AuthError("authentication required")


def known_caller(request: Request) -> Principal | None:
    """Whoever a valid, full credential on the request names; None for anyone else.

    For public routes that tell authenticated callers more than anonymous ones; a
    credential that cannot be checked (store down) counts as none.
    """
    try:
        identity = _identify(request)
    except (SecopsError, StoreRefused, StoreTransportError):
        return None
    return None if identity.enrolment_only else identity


def admit(policy: Policy, identity: Principal, request: Request) -> Principal:
    """The caller once ``policy`` admits it, kept on the request for the audit middleware."""
    principal = replace(identity, address=client_address(request))
    if not principal.has_any(policy.roles):
        raise PermissionDeniedError(
            "this action needs the role " + " or ".join(sorted(str(r) for r in policy.roles))
        )
    if policy.step_up:
        window = timedelta(seconds=_context(request).settings.step_up_window_seconds)
        verified = principal.mfa_verified_at
        if verified is None or datetime.now(UTC) - verified > window:
            raise PermissionDeniedError(
                "this action needs a recent TOTP code: POST /api/v1/auth/step-up"
            )
    request.state.principal = principal
    return principal


def require(*roles: Role, step_up: bool = False) -> Callable[[Request], Principal]:
    """A dependency admitting callers with any of ``roles`` (and fresh MFA if ``step_up``)."""
    if not roles:
        raise ValueError("require() needs at least one role; use public() for open routes")
    policy = Policy(roles=frozenset(roles), step_up=step_up)

    def dependency(request: Request) -> Principal:
        identity = _identify(request)
        if identity.enrolment_only:
            raise PermissionDeniedError(_UNFINISHED_LOGIN[identity.scope])
        return admit(policy, identity, request)

    setattr(dependency, POLICY_ATTR, policy)
    return dependency


# What a token limited to one step of logging in must do before anything else.
_UNFINISHED_LOGIN = {
    "mfa_enrollment": "complete MFA enrolment first: POST /api/v1/auth/mfa/enroll",
    "password_change": CHANGE_PASSWORD_FIRST,
}


def _login_step(scope: str, refusal: str) -> Callable[[Request], Principal]:
    """People's full sessions, and the token limited to the login step ``scope``."""
    policy = Policy(roles=frozenset(HUMAN_ROLES))

    def dependency(request: Request) -> Principal:
        identity = _identify(request)
        if identity.kind != "user":
            raise PermissionDeniedError(refusal)
        if identity.enrolment_only and identity.scope != scope:
            raise PermissionDeniedError(_UNFINISHED_LOGIN[identity.scope])
        return admit(policy, identity, request)

    setattr(dependency, POLICY_ATTR, policy)
    return dependency


def enrolment() -> Callable[[Request], Principal]:
    """For the MFA enrolment routes: also admits the token of a login whose account has
    no confirmed MFA yet."""
    return _login_step("mfa_enrollment", "only people enrol MFA")


def password_change() -> Callable[[Request], Principal]:
    """For changing one's password: also admits the token of a login whose password an
    administrator reset."""
    return _login_step("password_change", "only people have passwords")


def public() -> Callable[[Request], Principal]:
    """A dependency for routes open to anyone; credentials, if any, are not looked at."""

    def dependency(request: Request) -> Principal:
        principal = Principal(
            id="anonymous", kind="anonymous", name="anonymous", address=client_address(request)
        )
        request.state.principal = principal
        return principal

    setattr(dependency, POLICY_ATTR, Policy(roles=frozenset()))
    return dependency
