"""Walk the whole chain and say whether it is intact, and if not, where and why.

Entries are read in seq order through a point in time, so appends during the walk
do not shift the pages. Each entry must sit under its own seq, follow the one
before without a gap, match its hash, link to the previous hash, and carry a
valid signature of the trail's public key. The walk stops at the first break.

Deleting the newest entries leaves a shorter chain that is still intact; the
report's ``head_seq`` and ``head_hash`` are what an auditor keeps outside (a
signed report) to catch that, via ``expect_head``.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from secops.audit.chain import GENESIS_HASH, entry_hash, signature_valid
from secops.audit.keys import key_id, load_public_key, signing_key
from secops.audit.models import BreakReason, VerifyReport
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
) -> VerifyReport:
    """Verify the chain with ``public_key`` (PEM or key), else this deployment's own key.

    ``expect_head`` = (seq, hash) of a head recorded earlier: the chain must still
    hold that entry, unchanged, or it was truncated or rewritten.
    """
    if public_key is None:
        key = signing_key(ctx.settings).public_key()
    elif isinstance(public_key, Ed25519PublicKey):
        key = public_key
    else:
        key = load_public_key(public_key)
    kid = key_id(key)
    expected_seq, prev_hash = 1, GENESIS_HASH
    anchor_hash: str | None = None  # hash found at expect_head's seq
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
            return _report(kid, expected_seq - 1, prev_hash, seq, reason, detail)
        prev_hash = hit["_source"]["hash"]
        if expect_head is not None and expect_head[0] == expected_seq:
            anchor_hash = prev_hash
        expected_seq += 1
    head_seq = expected_seq - 1
    if expect_head is not None and anchor_hash != expect_head[1]:
        if anchor_hash is None:
            reason, detail = (
                BreakReason.missing,
                f"chain ends at seq {head_seq}, but the recorded head is seq {expect_head[0]}",
            )
        else:
            reason, detail = (
                BreakReason.altered,
                "entry differs from the recorded head: the chain was rewritten",
            )
        return _report(kid, head_seq, prev_hash, min(expect_head[0], head_seq + 1), reason, detail)
    return _report(kid, head_seq, prev_hash)


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
