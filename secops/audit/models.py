"""What the audit trail holds and what its verification says."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

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
    truncated = "truncated"  # the chain ends before the latest signed checkpoint
    checkpoint_invalid = "checkpoint_invalid"  # a checkpoint line does not verify


class SeqRange(BaseModel):
    """Seqs ``first`` to ``last``, both included."""

    first: int = Field(ge=1)
    last: int = Field(ge=1)

    @property
    def seqs(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    def are_missing(self) -> str:
        """``seq 4 is missing`` or ``seqs 4 to 5 are missing``."""
        if self.first == self.last:
            return f"seq {self.first} is missing"
        return f"seqs {self.first} to {self.last} are missing"


class Acknowledgement(BaseModel):
    """What a ``base`` line records: the checkpoint given up, what was lost, who accepted it."""

    model_config = ConfigDict(extra="forbid")

    by: str
    reason: str
    previous_seq: int
    previous_hash: str
    missing: SeqRange | None = None


class Checkpoint(BaseModel):
    """One signed line of the checkpoint file: ``head`` after an append, ``base`` after an
    acknowledged truncation (see ``secops.audit.checkpoints``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["secops.audit-checkpoint/1"] = "secops.audit-checkpoint/1"
    kind: Literal["head", "base"]
    namespace: str
    seq: int = Field(ge=0, description="0: the empty chain")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    time: str
    key_id: str
    acknowledged: Acknowledgement | None = None
    signature: str
    line: int | None = Field(None, description="Line number in the file (not signed)")


class CheckpointProblem(BaseModel):
    """A checkpoint line that is not trusted, and why."""

    line: int
    reason: Literal["malformed", "bad_signature", "other_namespace"]
    detail: str


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
    missing_seqs: SeqRange | None = Field(
        None, description="The seqs absent from the chain, when entries were deleted"
    )
    checkpoint: Checkpoint | None = Field(
        None, description="The latest signed checkpoint the chain was compared with"
    )
    checkpoint_problems: list[CheckpointProblem] = Field(
        default_factory=list, description="Checkpoint lines that do not verify (not trusted)"
    )


class Truncation(BaseModel):
    """The chain no longer reaches the latest signed checkpoint."""

    checkpoint_seq: int
    checkpoint_hash: str
    checkpoint_time: str
    chain_head_seq: int
    chain_head_hash: str
    missing: SeqRange | None = Field(None, description="Deleted seqs, when the chain is shorter")
    rewritten: bool = Field(False, description="The checkpoint's seq holds another entry")
    detail: str

    @property
    def key(self) -> tuple[int, str, int, str]:
        return (
            self.checkpoint_seq,
            self.checkpoint_hash,
            self.chain_head_seq,
            self.chain_head_hash,
        )


class HeldEntry(BaseModel):
    """An action recorded while appends are blocked: kept in the local held file, appended
    to the chain after an administrator acknowledges the truncation."""

    held: bool = True
    hold_id: str
    queued_at: str
    action: str
    target: str | None
    outcome: str
    reason: str


class Acknowledged(BaseModel):
    """What an acknowledgement did: the truncation accepted, its entry, the entries released."""

    truncation: Truncation
    entry: AuditEntry
    held_appended: int
