"""/api/v1/audit: read and verify the audit trail (auditor, admin); acknowledge a
truncation (admin with a fresh TOTP)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops import audit
from secops.audit import AuditPage, Checkpoint, Truncation, VerifyReport
from secops.audit.anchor import latest
from secops.audit.held import held_count
from secops.audit.keys import key_id
from secops.auth.principals import Principal, Role
from secops.errors import ConflictError, InvalidInputError

router = APIRouter(prefix="/audit", tags=["audit"])

Reader = Annotated[Principal, Depends(require(Role.auditor, Role.admin))]
# Accepting a shortened chain gives up evidence for good: an administrator, fresh TOTP.
AdminStepUp = Annotated[Principal, Depends(require(Role.admin, step_up=True))]


class TruncationState(BaseModel):
    truncation: Truncation | None = Field(
        None, description="Why appends are held; null when the chain reaches its checkpoint"
    )
    held_entries: int = Field(description="Entries waiting in the held file")
    checkpoint: Checkpoint | None = None


class AcknowledgeBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "INC-42: entries deleted by a compromised account"}]
        },
    )

    reason: str = Field(min_length=1, max_length=2000, description="Why it is accepted")


class PublicKey(BaseModel):
    algorithm: str = "Ed25519"
    key_id: str
    pem: str


@router.get("", summary="Audit entries, newest first, filtered; follow next_cursor for more")
def list_audit(
    ctx: Ctx,
    _: Reader,
    actor: Annotated[str | None, Query(description="actor id or name")] = None,
    action: str | None = None,
    since: Annotated[datetime | None, Query(description="from this time, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> AuditPage:
    return audit.list_entries(
        ctx, actor=actor, action=action, since=since, until=until, limit=limit, cursor=cursor
    )


@router.get("/verify", summary="Walk the whole chain: intact, or the first break and why")
def verify_audit(
    ctx: Ctx,
    _: Reader,
    expect_seq: Annotated[int | None, Query(ge=1, description="seq of a recorded head")] = None,
    expect_hash: Annotated[str | None, Query(description="hash of that head")] = None,
) -> VerifyReport:
    if (expect_seq is None) != (expect_hash is None):
        raise InvalidInputError("expect_seq and expect_hash go together")
    head = (expect_seq, expect_hash) if expect_seq and expect_hash else None
    return audit.verify(ctx, expect_head=head)


@router.get(
    "/truncation",
    summary="Is the chain short of its latest signed checkpoint (appends held)?",
)
def truncation_state(ctx: Ctx, _: Reader) -> TruncationState:
    found = audit.blocked(ctx)
    return TruncationState(
        truncation=found,
        held_entries=held_count(ctx.settings),
        checkpoint=latest(ctx),
    )


@router.post(
    "/truncation/acknowledge",
    summary="Accept the truncated chain as the new base; held entries are appended "
    "(admin, fresh TOTP)",
    responses=answers((ConflictError, "The chain is not truncated")),
)
def acknowledge_truncation(
    body: AcknowledgeBody, ctx: Ctx, principal: AdminStepUp
) -> audit.Acknowledged:
    return audit.acknowledge_truncation(
        ctx, actor=principal, reason=body.reason, via="api", address=principal.address
    )


@router.get("/public-key", summary="The key that signs the trail, to verify it elsewhere")
def public_key(ctx: Ctx, _: Reader) -> PublicKey:
    key = audit.signing_key(ctx.settings).public_key()
    return PublicKey(key_id=key_id(key), pem=audit.public_key_pem(key))
