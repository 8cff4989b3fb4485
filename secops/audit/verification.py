"""Walk the whole chain and say whether it is intact, and if not, where and why.

Entries are read in seq order through a point in time, so appends during the walk
do not shift the pages. Each entry must sit under its own seq, follow the one
before without a gap, match its hash, link to the previous hash, and carry a
valid signature of the trail's public key. The walk stops at the first break.

Deleting the newest entries leaves a shorter chain that is still a chain: the
latest signed checkpoint of the state directory (see ``checkpoints``) says how
far it must reach, so a truncation is named with the seqs it removed. A head an
auditor kept elsewhere (a signed report) can be checked too, via ``expect_head``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from secops.audit.chain import GENESIS_HASH, entry_hash, signature_valid
from secops.audit.checkpoints import checkpoint_path, read_checkpoints
from secops.audit.keys import key_id, load_public_key, signing_key
from secops.audit.models import BreakReason, Checkpoint, SeqRange, VerifyReport
from secops.context import Context

_PAGE = 1000


def _hits(ctx: Context) -> Iterator[dict[str, Any]]:
    ctx.es.indices.refresh(index=ctx.names.audit)
    pit = ctx.es.open_point_in_time(index=ctx.names.audit, keep_alive="2m")["id"]
    try:
        after: list[Any] | None = None
        while True:
            kwargs: dict[str, Any] = {"search_after": after} if after else {}
            resp = ctx.es.search(
                pit={"id": pit, "keep_alive": "2m"},
                sort=[{"seq": {"order": "asc", "missing": "_last"}}, {"_shard_doc": "asc"}],
                size=_PAGE,
                track_total_hits=False,
                **kwargs,
            )
            hits = resp["hits"]["hits"]
            if not hits:
                return
            yield from hits
            pit = resp.get("pit_id", pit)
            after = hits[-1]["sort"]
    finally:
        ctx.es.close_point_in_time(id=pit)


def _check(
    hit: dict[str, Any], expected_seq: int, prev_hash: str, key: Ed25519PublicKey, kid: str
) -> tuple[BreakReason, int, str] | None:
    """Why this entry breaks the chain (reason, seq, detail), or None if it holds."""
    src = hit["_source"]
    seq = src.get("seq")
    if not isinstance(seq, int) or not all(
        isinstance(src.get(f), str) for f in ("hash", "prev_hash", "signature")
    ):
        return BreakReason.malformed, expected_seq, f"document {hit['_id']} is not an entry"
    if seq < expected_seq:
        return BreakReason.duplicate, seq, f"a second entry claims seq {seq} (id {hit['_id']})"
    if seq > expected_seq:
        return BreakReason.missing, expected_seq, f"seq {expected_seq} is absent, next is {seq}"
    if hit["_id"] != str(seq):
        return BreakReason.reordered, seq, f"entry of seq {seq} is stored under id {hit['_id']}"
    if entry_hash(src) != src["hash"]:
        return BreakReason.altered, seq, "content does not match its hash"
    if src["prev_hash"] != prev_hash:
        return BreakReason.broken_link, seq, "prev_hash is not the hash of the entry before"
    if not signature_valid(key, src["hash"], src["signature"]):
        signer = src.get("key_id")
        why = f"signed by key {signer}, not {kid}" if signer != kid else "signature is invalid"
        return BreakReason.bad_signature, seq, why
    return None


def verify(
    ctx: Context,
    *,
    public_key: Ed25519PublicKey | str | bytes | None = None,
    expect_head: tuple[int, str] | None = None,
    use_checkpoint: bool = True,
) -> VerifyReport:
    """Verify the chain with ``public_key`` (PEM or key), else this deployment's own key.

    ``expect_head`` = (seq, hash) of a head recorded earlier: the chain must still
    hold that entry, unchanged, or it was truncated or rewritten. The latest signed
    checkpoint of the state directory is such a head too (``use_checkpoint``).
    """
    if public_key is None:
        key = signing_key(ctx.settings).public_key()
    elif isinstance(public_key, Ed25519PublicKey):
        key = public_key
    else:
        key = load_public_key(public_key)
    log = (
        read_checkpoints(
            checkpoint_path(ctx.settings), public_key=key, namespace=ctx.settings.namespace
        )
        if use_checkpoint
        else None
    )
    report = _walk(ctx, key, expect_head, log.latest if log else None)
    if log is not None:
        report.checkpoint = log.latest
        report.checkpoint_problems = log.problems
        if report.intact and log.problems:
            lines = ", ".join(f"line {p.line} ({p.reason})" for p in log.problems[:5])
            report.intact, report.reason = False, BreakReason.checkpoint_invalid
            report.detail = (
                f"{len(log.problems)} checkpoint lines do not verify and are not trusted: {lines}"
            )
    return report


def _walk(
    ctx: Context,
    key: Ed25519PublicKey,
    expect_head: tuple[int, str] | None,
    checkpoint: Checkpoint | None,
) -> VerifyReport:
    kid = key_id(key)
    expected_seq, prev_hash = 1, GENESIS_HASH
    anchors = {s: h for s, h in [expect_head or (0, ""), _anchor_of(checkpoint)] if s}
    found_at: dict[int, str] = {}  # hash found at each anchored seq
    # Hits come sorted by seq, so entries claiming one seq are neighbours.
    for claimed, group in groupby(_hits(ctx), key=lambda h: h["_source"].get("seq")):
        hits = list(group)
        hit = hits[0]
        if len(hits) > 1 and isinstance(claimed, int):
            ids = ", ".join(sorted(h["_id"] for h in hits))
            detail = f"{len(hits)} entries claim seq {claimed} (ids {ids})"
            return _report(kid, expected_seq - 1, prev_hash, claimed, BreakReason.duplicate, detail)
        broken = _check(hit, expected_seq, prev_hash, key, kid)
        if broken is not None:
            reason, seq, detail = broken
            report = _report(kid, expected_seq - 1, prev_hash, seq, reason, detail)
            if reason is BreakReason.missing and isinstance(claimed, int):
                report.missing_seqs = SeqRange(first=expected_seq, last=claimed - 1)
            return report
        prev_hash = hit["_source"]["hash"]
        if expected_seq in anchors:
            found_at[expected_seq] = prev_hash
        expected_seq += 1
    head_seq = expected_seq - 1
    if expect_head is not None and found_at.get(expect_head[0]) != expect_head[1]:
        if expect_head[0] not in found_at:
            reason, detail = (
                BreakReason.missing,
                f"chain ends at seq {head_seq}, but the recorded head is seq {expect_head[0]}",
            )
        else:
            reason, detail = (
                BreakReason.altered,
                "entry differs from the recorded head: the chain was rewritten",
            )
        report = _report(
            kid, head_seq, prev_hash, min(expect_head[0], head_seq + 1), reason, detail
        )
        if reason is BreakReason.missing:
            report.missing_seqs = SeqRange(first=head_seq + 1, last=expect_head[0])
        return report
    if checkpoint is not None and checkpoint.seq > head_seq:
        missing = SeqRange(first=head_seq + 1, last=checkpoint.seq)
        detail = (
            f"{missing.are_missing()}: the chain ends at seq {head_seq} but the "
            f"checkpoint of {checkpoint.time} records seq {checkpoint.seq}"
        )
        report = _report(kid, head_seq, prev_hash, missing.first, BreakReason.truncated, detail)
        report.missing_seqs = missing
        return report
    if checkpoint is not None and checkpoint.seq and found_at[checkpoint.seq] != checkpoint.hash:
        detail = (
            f"the chain was rewritten: seq {checkpoint.seq} is not the entry the checkpoint of "
            f"{checkpoint.time} records"
        )
        return _report(kid, head_seq, prev_hash, checkpoint.seq, BreakReason.altered, detail)
    return _report(kid, head_seq, prev_hash)


def _anchor_of(checkpoint: Checkpoint | None) -> tuple[int, str]:
    return (checkpoint.seq, checkpoint.hash) if checkpoint is not None else (0, "")


def _report(
    kid: str,
    head_seq: int,
    head_hash: str,
    broken_seq: int | None = None,
    reason: BreakReason | None = None,
    detail: str | None = None,
) -> VerifyReport:
    """``head_*`` is the last entry that verified."""
    return VerifyReport(
        intact=reason is None,
        entries_checked=head_seq,
        key_id=kid,
        head_seq=head_seq or None,
        head_hash=head_hash if head_seq else None,
        first_broken_seq=broken_seq,
        reason=reason,
        detail=detail,
    )
