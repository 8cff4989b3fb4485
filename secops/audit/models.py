"""What the audit trail holds and what its verification says."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditActor(BaseModel):
    """Who acted: a user, an API key, or a part of secops itself (``system``)."""

    id: str
    kind: str
    name: str
    roles: list[str] = Field(default_factory=list)
    address: str | None = None


class AuditEntry(BaseModel):
    """One entry of the chain, as stored (``hash`` covers every other field but ``signature``)."""

    model_config = ConfigDict(populate_by_name=True)

    seq: int = Field(ge=1)
    timestamp: datetime = Field(alias="@timestamp")
    actor: AuditActor
    action: str
    target: str | None
    outcome: str
    details: dict[str, Any] = Field(default_factory=dict)
    key_id: str
    prev_hash: str
    hash: str
    signature: str


class AuditPage(BaseModel):
    """Entries newest first; pass ``next_cursor`` back to get the older ones."""

    entries: list[AuditEntry]
    next_cursor: str | None = None


class BreakReason(StrEnum):
    altered = "altered"  # content does not match its hash
    broken_link = "broken_link"  # prev_hash is not the hash of the entry before
    bad_signature = "bad_signature"  # the hash was not signed by the trail's key
    missing = "missing"  # a seq is absent: an entry was deleted
    reordered = "reordered"  # an entry is stored under another seq than its own
    duplicate = "duplicate"  # two entries claim one seq
    malformed = "malformed"  # a document lacks the fields of an entry


class VerifyReport(BaseModel):
    intact: bool
    entries_checked: int
    key_id: str
    head_seq: int | None = Field(
        None, description="Last verified seq; anchor it to catch truncation"
    )
    head_hash: str | None = None
    first_broken_seq: int | None = None
    reason: BreakReason | None = None
    detail: str | None = None
