"""Who acts: the roles, the authenticated caller (``Principal``) and the actor of an action.

A ``Principal`` is what a credential names (a person's session, a system's API key)
or an anonymous caller; the API adds the caller's address once a policy admitted it.
Service functions that record who did something take an ``Actor``: a principal, or
``system:<part>`` for secops acting on its own (the CLI, the scheduler, development
start-up); the audit door also takes a claimed username nobody has proved yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    """Roles are not a hierarchy: each opens its own set of routes."""

    admin = "admin"
    soc_operator = "soc_operator"
    auditor = "auditor"
    ingest = "ingest"

    def __repr__(self) -> str:
        # Validation errors list the allowed values as a caller would write them.
        return repr(self.value)


HumanRole = Literal[Role.admin, Role.soc_operator, Role.auditor]
AnyRole = Literal[Role.admin, Role.soc_operator, Role.auditor, Role.ingest]
HUMAN_ROLES: frozenset[Role] = frozenset({Role.admin, Role.soc_operator, Role.auditor})
# API keys are for systems: pushing records (and, once there is one, a read-only role for
# integrations). Roles whose actions change state or answer for them (admin,
# soc_operator, auditor) need a person who logs in with MFA, never a key.
APIKEY_ROLES: frozenset[Role] = frozenset({Role.ingest})

# What a credential opens: everything its roles allow, or one step of logging in.
Scope = Literal["full", "mfa_enrollment", "password_change"]
PrincipalKind = Literal["user", "apikey", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person (session token), a system (API key), or anonymous."""

    id: str
    kind: PrincipalKind
    name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    mfa_verified_at: datetime | None = None
    session_id: str | None = None
    scope: Scope = "full"
    address: str | None = None

    def __post_init__(self) -> None:
        # Stored documents hold roles as strings; an unknown one is refused here.
        object.__setattr__(self, "roles", frozenset(Role(r) for r in self.roles))

    @property
    def enrolment_only(self) -> bool:
        """A credential limited to one step of logging in (MFA enrolment or a required
        password change), which opens no other route."""
        return self.scope != "full"

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


# The actor of a recorded action: a principal, or "system:<part>" (see the module text).
Actor = Principal | str


def actor_name(actor: Actor) -> str:
    """The name written in records (``created_by``, history entries)."""
    return actor if isinstance(actor, str) else actor.name
