"""Restoring an archived snapshot: an administrator with a fresh TOTP, this namespace's
event indices only, whatever the snapshot's name claims; every attempt is audited."""

from __future__ import annotations

from auth.support import principal
from elasticsearch import Elasticsearch
from es_node import NodeAccess
from fastapi.testclient import TestClient

from secops.audit import list_entries
from secops.context import Context


def test_a_restore_needs_a_fresh_totp(ctx: Context, client: TestClient) -> None:
    stale = principal(ctx, "adam", "admin", mfa_age=600)
    answer = client.post(
        f"/api/v1/archive/secops-{ctx.settings.namespace}-x/restore", headers=stale
    )
    assert answer.status_code == 403
    assert "TOTP" in answer.json()["detail"] or "step" in answer.json()["detail"].lower()


def test_a_snapshot_named_like_ours_holding_another_index_is_not_restored(
    ctx: Context,
    client: TestClient,
    es: Elasticsearch,
    es_node: NodeAccess,
    archive_repository: str,
) -> None:
    ns = ctx.settings.namespace
    victim = f"secops-{ns}-victim"
    ctx.es.index(index=victim, id="1", document={"secret": "not an event"}, refresh=True)
    forged = f"secops-{ns}-forged"
    es.snapshot.create(
        repository=archive_repository,
        snapshot=forged,
        indices=victim,
        include_global_state=False,
        wait_for_completion=True,
        metadata={"managed_by": "secops", "namespace": ns, "index": victim, "events": 1},
    )
    try:
        admin = principal(ctx, "adam", "admin")
        answer = client.post(f"/api/v1/archive/{forged}/restore", headers=admin)
        assert answer.status_code == 404, answer.text
        assert "no archived snapshot" in answer.json()["detail"]
        restored = ctx.es.indices.get(index=f"secops-{ns}-restored-*", allow_no_indices=True)
        assert dict(restored) == {}
        ctx.es.indices.refresh(index=ctx.names.audit)
        [entry] = list_entries(ctx, action="archive.restore").entries
        assert entry.outcome == "failure"
        assert entry.target == forged
    finally:
        admin_es = es_node.admin_client()
        if admin_es is not None:  # secops' own role may not delete snapshots
            with admin_es:
                admin_es.snapshot.delete(repository=archive_repository, snapshot=forged)


def test_snapshot_names_outside_the_pattern_are_refused_before_the_store(
    ctx: Context, client: TestClient
) -> None:
    admin = principal(ctx, "adam", "admin")
    for bad in ("secops-*", "secops-a,.security", "_all", "secops--x", "secops-" + "a" * 300):
        answer = client.post(f"/api/v1/archive/{bad}/restore", headers=admin)
        assert answer.status_code in (404, 422), (bad, answer.status_code)
        assert answer.json()["detail"], bad
