"""Who is calling, and may they? Every route declares its policy with one of these.

``require(Role.soc_operator, ...)`` admits a caller holding any of the roles;
``step_up=True`` also needs a TOTP code verified within the last minutes;
``public()`` marks the few routes open to anyone (liveness). The route-policy test
enumerates the app's routes and fails on any route without a policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

POLICY_ATTR = "__secops_policy__"


class Role(StrEnum):
    admin = "admin"
    soc_operator = "soc_operator"
    auditor = "auditor"
    ingest = "ingest"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a human user (session token) or a system (API key)."""

    id: str
    kind: str  # "user" | "apikey" | "anonymous"
    name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    mfa_verified_at: datetime | None = None
    address: str | None = None
    session_id: str | None = None

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class Policy:
    roles: frozenset[Role]  # empty = public
    step_up: bool = False

    @property
    def public(self) -> bool:
        return not self.roles


def policy_of(dependency: Any) -> Policy | None:
    return getattr(dependency, POLICY_ATTR, None)
