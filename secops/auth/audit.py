"""The one door from access control to the audit trail."""

from __future__ import annotations

import logging
from typing import Any, Literal

from secops.auth.models import Identity
from secops.context import Context

log = logging.getLogger("secops.auth.audit")

Outcome = Literal["success", "failure", "denied"]


def record(
    ctx: Context,
    *,
    actor: Identity | str,
    action: str,
    target: str | None,
    outcome: Outcome,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Record one security-relevant action.

    ``actor`` is the caller's Identity, ``system:<part>`` for secops itself (the
    CLI, development start-up), or else a claimed username nobody has proved yet.
    """
    try:
        from api.security import Principal, Role
        from secops.audit.service import record as append
    except ImportError:  # a checkout without the audit trail: keep the fact in the log
        log.warning("audit %s %s %s by %s", action, target, outcome, actor)
        return
    principal: Principal | str
    if isinstance(actor, Identity):
        principal = Principal(
            id=actor.id,
            kind=actor.kind,
            name=actor.name,
            roles=frozenset(Role(r) for r in actor.roles),
            mfa_verified_at=actor.mfa_verified_at,
            address=address,
            session_id=actor.session_id,
        )
    elif actor.startswith("system:"):
        principal = actor
    else:
        principal = Principal(id=actor, kind="anonymous", name=actor, address=address)
    append(
        ctx,
        actor=principal,
        action=action,
        target=target,
        outcome=outcome,
        details=details,
        address=address,
    )
