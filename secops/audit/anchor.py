"""Compare the chain in Elasticsearch with the latest signed checkpoint kept outside it.

The chain must still reach the checkpoint's seq and hold the very entry it names.
A shorter chain lost its newest entries (``missing`` names them); an entry of
another hash at that seq means the chain was cut and grown again.
"""

from __future__ import annotations

import logging

from elasticsearch import NotFoundError as ESNotFoundError

from secops.audit.checkpoints import (
    CheckpointLog,
    checkpoint_path,
    latest_checkpoint,
    read_checkpoints,
)
from secops.audit.keys import signing_key
from secops.audit.models import Checkpoint, SeqRange, Truncation
from secops.context import Context

log = logging.getLogger("secops.audit")

ALERT_RULE_ID = "secops-audit-trail-truncated"


def read_log(ctx: Context) -> CheckpointLog:
    """This deployment's checkpoint file, every line checked with its own key."""
    return read_checkpoints(
        checkpoint_path(ctx.settings),
        public_key=signing_key(ctx.settings).public_key(),
        namespace=ctx.settings.namespace,
    )


def latest(ctx: Context) -> Checkpoint | None:
    """This deployment's latest trusted checkpoint."""
    return latest_checkpoint(
        checkpoint_path(ctx.settings),
        public_key=signing_key(ctx.settings).public_key(),
        namespace=ctx.settings.namespace,
    )


def _hash_at(ctx: Context, seq: int) -> str | None:
    try:
        doc = ctx.es.get(index=ctx.names.audit, id=str(seq), realtime=True)["_source"]
    except ESNotFoundError:
        return None
    return str(doc.get("hash"))


def detect(
    ctx: Context, *, head_seq: int, head_hash: str, checkpoint: Checkpoint | None
) -> Truncation | None:
    """How the chain with head (``head_seq``, ``head_hash``) fails ``checkpoint``, if it does."""
    if checkpoint is None or checkpoint.seq == 0:
        return None
    common = {
        "checkpoint_seq": checkpoint.seq,
        "checkpoint_hash": checkpoint.hash,
        "checkpoint_time": checkpoint.time,
        "chain_head_seq": head_seq,
        "chain_head_hash": head_hash,
    }
    if head_seq < checkpoint.seq:
        missing = SeqRange(first=head_seq + 1, last=checkpoint.seq)
        detail = (
            f"audit trail truncated: {missing.are_missing()}; the chain ends at seq "
            f"{head_seq} but the checkpoint of {checkpoint.time} records seq {checkpoint.seq}"
        )
        return Truncation(**common, missing=missing, detail=detail)
    found = head_hash if head_seq == checkpoint.seq else _hash_at(ctx, checkpoint.seq)
    if found == checkpoint.hash:
        return None
    detail = (
        f"audit trail rewritten: seq {checkpoint.seq} is not the entry the checkpoint of "
        f"{checkpoint.time} records"
    )
    return Truncation(**common, rewritten=True, detail=detail)


def raise_alert(ctx: Context, truncation: Truncation) -> None:
    """The critical alert ``audit trail truncated``, through the normal alert path."""
    # Imported here: the alert path itself records audit entries.
    from secops.alerts.system import SystemAlert, raise_system_alert

    log.critical("%s; appends are held until an administrator acknowledges it", truncation.detail)
    details = truncation.model_dump(mode="json")
    raise_system_alert(
        ctx,
        SystemAlert(
            rule_id=ALERT_RULE_ID,
            title="Audit trail truncated",
            description="Entries of the audit trail were deleted or replaced: the chain no "
            "longer reaches its latest signed checkpoint. Appends are held until an "
            "administrator acknowledges the truncation.",
            action="audit-trail-truncated",
            message=truncation.detail,
            key="|".join(str(part) for part in truncation.key),
            details=details,
        ),
    )
