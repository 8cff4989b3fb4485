"""Appending to the chain: ids, links, signatures, actors, concurrency."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import ConflictError

from secops.audit import list_entries, record, signing_key, verify
from secops.audit.chain import GENESIS_HASH, entry_hash, signature_valid
from secops.auth.principals import Principal, Role
from secops.context import Context, build_context
from secops.errors import InvalidInputError


def _source(ctx: Context, seq: int) -> dict:
    return dict(ctx.es.get(index=ctx.names.audit, id=str(seq))["_source"])


def test_entries_are_stored_under_their_seq_linked_and_signed(ctx: Context) -> None:
    alice = Principal(id="u1", kind="user", name="alice", roles=frozenset({Role.admin}))
    first = record(
        ctx,
        actor=alice,
        action="user.create",
        target="user:bob",
        outcome="success",
        details={"roles": ["auditor"]},
        address="10.0.0.5",
    )
    second = record(ctx, actor="scheduler", action="retention.run", target=None, outcome="success")

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    stored = _source(ctx, 1)
    assert stored["hash"] == entry_hash(stored) == first.hash
    assert signature_valid(
        signing_key(ctx.settings).public_key(), stored["hash"], stored["signature"]
    )
    assert stored["actor"] == {
        "id": "u1",
        "kind": "user",
        "name": "alice",
        "roles": ["admin"],
        "address": "10.0.0.5",
    }
    assert _source(ctx, 2)["actor"]["kind"] == "system"


def test_an_entry_cannot_be_overwritten_through_create(ctx: Context) -> None:
    entry = record(ctx, actor="cli", action="x", target=None, outcome="success")
    with pytest.raises(ConflictError):
        ctx.es.create(index=ctx.names.audit, id=str(entry.seq), document=_source(ctx, entry.seq))


def test_a_second_process_continues_the_chain_of_the_first(ctx: Context) -> None:
    record(ctx, actor="a", action="one", target=None, outcome="success")
    # Another worker: its own client, hence its own cached head.
    other = build_context(ctx.settings, apply_templates=False)
    try:
        b = record(other, actor="b", action="two", target=None, outcome="success")
        c = record(ctx, actor="a", action="three", target=None, outcome="success")  # stale head
    finally:
        other.close()
    assert (b.seq, c.seq) == (2, 3)
    assert c.prev_hash == b.hash
    assert verify(ctx).intact


def test_concurrent_writers_make_one_linear_chain(ctx: Context) -> None:
    # Four threads on each of two clients: in-process and cross-process contention.
    other = build_context(ctx.settings, apply_templates=False)
    errors: list[BaseException] = []

    def work(c: Context, n: int) -> None:
        try:
            for i in range(15):
                record(c, actor=f"t{n}", action="act", target=str(i), outcome="success")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ctx if n % 2 else other, n)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    report = verify(ctx)
    assert report.intact, report
    assert report.head_seq == report.entries_checked == 120
    seen = {(e.actor.id, e.target) for e in _all(ctx)}
    assert len(seen) == 120  # every action recorded exactly once


def _all(ctx: Context) -> list:
    ctx.es.indices.refresh(index=ctx.names.audit)
    out, cursor = [], None
    while True:
        page = list_entries(ctx, limit=50, cursor=cursor)
        out.extend(page.entries)
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def test_record_is_fast_enough_for_every_request(ctx: Context) -> None:
    record(ctx, actor="warm", action="up", target=None, outcome="success")
    t0 = time.perf_counter()
    for i in range(50):
        record(ctx, actor="api", action="call", target=str(i), outcome="success")
    per_call = (time.perf_counter() - t0) / 50
    assert per_call < 0.05, f"{per_call * 1000:.1f} ms per entry"


def test_details_must_be_json(ctx: Context) -> None:
    with pytest.raises(InvalidInputError):
        record(
            ctx,
            actor="x",
            action="y",
            target=None,
            outcome="success",
            details={"bad": float("nan")},
        )


def test_list_filters_by_actor_action_and_time_and_pages_newest_first(ctx: Context) -> None:
    for i in range(5):
        record(
            ctx,
            actor="alice" if i % 2 else "bob",
            action=f"a{i % 3}",
            target=None,
            outcome="success",
        )
    ctx.es.indices.refresh(index=ctx.names.audit)

    assert [e.seq for e in list_entries(ctx, actor="alice").entries] == [4, 2]
    assert [e.seq for e in list_entries(ctx, action="a0").entries] == [4, 1]
    page = list_entries(ctx, limit=2)
    assert [e.seq for e in page.entries] == [5, 4]
    rest = list_entries(ctx, limit=2, cursor=page.next_cursor)
    assert [e.seq for e in rest.entries] == [3, 2]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert list_entries(ctx, since=future).entries == []
    assert len(list_entries(ctx, until=future).entries) == 5
    with pytest.raises(InvalidInputError):
        list_entries(ctx, cursor="abc")
