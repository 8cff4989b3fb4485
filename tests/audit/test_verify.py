"""Verification catches what an attacker with write access to Elasticsearch can do."""

from __future__ import annotations

from pydantic import SecretStr

from secops.audit import BreakReason, public_key_pem, record, signing_key, verify
from secops.audit.chain import GENESIS_HASH, seal
from secops.audit.keys import derive_private_key
from secops.context import Context, build_context


def _chain(ctx: Context, n: int) -> None:
    for i in range(n):
        record(
            ctx,
            actor=f"user{i % 3}",
            action="alert.ack",
            target=f"alert:{i}",
            outcome="success",
            details={"comment": f"c{i}", "n": i, "x": 0.1 * i},
        )


def _source(ctx: Context, seq: int) -> dict:
    return dict(ctx.es.get(index=ctx.names.audit, id=str(seq))["_source"])


def _overwrite(ctx: Context, seq: int, doc: dict, *, doc_id: str | None = None) -> None:
    ctx.es.index(index=ctx.names.audit, id=doc_id or str(seq), document=doc, refresh=True)


def test_an_untouched_chain_verifies(ctx: Context) -> None:
    assert verify(ctx).intact  # empty chain
    _chain(ctx, 25)
    report = verify(ctx)
    assert report.intact
    assert report.entries_checked == report.head_seq == 25
    assert report.head_hash == _source(ctx, 25)["hash"]
    assert report.reason is None


def test_verification_pages_through_long_chains(ctx: Context, monkeypatch) -> None:
    monkeypatch.setattr("secops.audit.verification._PAGE", 7)
    _chain(ctx, 30)
    assert verify(ctx).entries_checked == 30


def test_altered_details_are_detected_at_that_seq(ctx: Context) -> None:
    _chain(ctx, 10)
    doc = _source(ctx, 6)
    doc["details"]["comment"] = "nothing to see"
    _overwrite(ctx, 6, doc)
    report = verify(ctx)
    assert not report.intact
    assert (report.first_broken_seq, report.reason) == (6, BreakReason.altered)
    assert report.head_seq == 5


def test_altered_entry_with_recomputed_hash_fails_its_signature(ctx: Context) -> None:
    _chain(ctx, 5)
    doc = _source(ctx, 3)
    doc["outcome"] = "failure"
    attacker = derive_private_key("attacker")
    _overwrite(ctx, 3, seal(doc, attacker))
    report = verify(ctx)
    assert (report.first_broken_seq, report.reason) == (3, BreakReason.bad_signature)


def test_deleted_entry_is_a_gap(ctx: Context) -> None:
    _chain(ctx, 8)
    ctx.es.delete(index=ctx.names.audit, id="4", refresh=True)
    report = verify(ctx)
    assert (report.first_broken_seq, report.reason) == (4, BreakReason.missing)


def test_deleted_first_entry_is_a_gap(ctx: Context) -> None:
    _chain(ctx, 3)
    ctx.es.delete(index=ctx.names.audit, id="1", refresh=True)
    report = verify(ctx)
    assert (report.first_broken_seq, report.reason) == (1, BreakReason.missing)


def test_swapped_entries_are_reordered(ctx: Context) -> None:
    _chain(ctx, 5)
    two, three = _source(ctx, 2), _source(ctx, 3)
    _overwrite(ctx, 2, three)
    _overwrite(ctx, 3, two)
    report = verify(ctx)
    assert (report.first_broken_seq, report.reason) == (2, BreakReason.reordered)


def test_inserted_copy_is_a_duplicate(ctx: Context) -> None:
    _chain(ctx, 4)
    _overwrite(ctx, 2, _source(ctx, 2), doc_id="extra")
    report = verify(ctx)
    assert (report.first_broken_seq, report.reason) == (2, BreakReason.duplicate)


def test_rewritten_chain_fails_its_link(ctx: Context) -> None:
    # seq 2 replaced by an entry chained to a forged predecessor, validly hashed.
    _chain(ctx, 4)
    doc = _source(ctx, 2)
    doc["prev_hash"] = GENESIS_HASH
    _overwrite(ctx, 2, seal(doc, signing_key(ctx.settings)))  # even with the real key
    report = verify(ctx)
    assert (report.first_broken_seq, report.reason) == (2, BreakReason.broken_link)


def test_chain_resigned_with_another_key_fails_with_the_real_public_key(ctx: Context) -> None:
    _chain(ctx, 6)
    real_pem = public_key_pem(signing_key(ctx.settings).public_key())
    attacker = derive_private_key("attacker")
    prev = GENESIS_HASH
    for seq in range(1, 7):
        doc = _source(ctx, seq)
        doc["actor"]["name"] = "someone else"
        doc["prev_hash"] = prev
        forged = seal(doc, attacker)
        _overwrite(ctx, seq, forged)
        prev = forged["hash"]
    report = verify(ctx, public_key=real_pem)
    assert (report.first_broken_seq, report.reason) == (1, BreakReason.bad_signature)
    # The forged chain is self-consistent: only the signatures give it away, its
    # own and those of the checkpoints, which the real key signed.
    assert verify(ctx, public_key=attacker.public_key(), use_checkpoint=False).intact
    forged = verify(ctx, public_key=attacker.public_key())
    assert (forged.reason, forged.first_broken_seq) == (BreakReason.checkpoint_invalid, None)
    assert len(forged.checkpoint_problems) == 6


def test_an_auditor_verifies_with_only_the_public_key(ctx: Context) -> None:
    _chain(ctx, 5)
    pem = public_key_pem(signing_key(ctx.settings).public_key())
    # The auditor's own instance holds a different secret: no private key of the trail.
    auditor_settings = ctx.settings.model_copy(
        update={"audit_signing_key": SecretStr("auditor's unrelated secret")}
    )
    auditor = build_context(auditor_settings, apply_templates=False)
    try:
        assert verify(auditor, public_key=pem).intact
        report = verify(auditor)  # its own key did not sign this trail
        assert (report.first_broken_seq, report.reason) == (1, BreakReason.bad_signature)
    finally:
        auditor.close()


def test_truncation_is_caught_by_a_recorded_head(ctx: Context) -> None:
    _chain(ctx, 6)
    anchor = verify(ctx)
    assert anchor.head_seq is not None
    assert anchor.head_hash is not None
    head = (anchor.head_seq, anchor.head_hash)
    assert verify(ctx, expect_head=head).intact
    ctx.es.delete(index=ctx.names.audit, id="6", refresh=True)
    assert verify(ctx, use_checkpoint=False).intact  # a shorter chain is still a chain
    report = verify(ctx, expect_head=head, use_checkpoint=False)
    assert (report.intact, report.reason, report.first_broken_seq) == (
        False,
        BreakReason.missing,
        6,
    )
