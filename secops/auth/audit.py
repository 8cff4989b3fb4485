"""The one door from access control to the audit trail."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from secops.audit.service import record as append
from secops.auth.principals import Actor, Principal
from secops.context import Context

Outcome = Literal["success", "failure", "denied"]


def record(
    ctx: Context,
    *,
    actor: Actor,
    action: str,
    target: str | None,
    outcome: Outcome,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Record one security-relevant action.

    ``actor`` is the caller, ``system:<part>`` for secops itself (the CLI,
    development start-up), or else a claimed username nobody has proved yet.
    """
    who: Actor
    if isinstance(actor, Principal):
        who = replace(actor, address=address)
    elif actor.startswith("system:"):
        who = actor
    else:
        who = Principal(id=actor, kind="anonymous", name=actor, address=address)
    append(
        ctx,
        actor=who,
        action=action,
        target=target,
        outcome=outcome,
        details=details,
        address=address,
    )
