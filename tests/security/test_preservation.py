"""Preservation: events outlive the longest report period, and nothing but expired
events backing indices is ever deleted; the audit trail and compliance results stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import Elasticsearch

from secops.audit import record
from secops.compliance.service import evaluate
from secops.context import Context
from secops.errors import ConfigError, StoreError
from secops.es.node import ManagedNode
from secops.settings import MIN_RETENTION_DAYS, get_settings
from secops.store import IndexNames
from secops.store.retention import check_deletable, enforce_retention


def test_default_retention_outlives_a_year_of_reports(fresh: pytest.MonkeyPatch) -> None:
    assert get_settings().retention_days == MIN_RETENTION_DAYS >= 366


def test_a_retention_shorter_than_the_report_period_is_refused(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("SECOPS_RETENTION_DAYS", "90")
    with pytest.raises(ConfigError, match="SECOPS_RETENTION_SHORT_ACCEPTED"):
        get_settings()


def test_a_short_retention_is_taken_only_when_explicitly_accepted(
    fresh: pytest.MonkeyPatch,
) -> None:
    fresh.setenv("SECOPS_RETENTION_DAYS", "90")
    fresh.setenv("SECOPS_RETENTION_SHORT_ACCEPTED", "true")
    assert get_settings().retention_days == 90


@pytest.mark.parametrize("kept", ["audit", "compliance", "alerts", "state", "deadletter"])
def test_retention_refuses_to_delete_anything_but_events_backing_indices(kept: str) -> None:
    names = IndexNames("prod")
    with pytest.raises(StoreError, match="only backing indices of events"):
        check_deletable(names, names.index(kept))
    with pytest.raises(StoreError):  # another namespace's events are not ours to delete
        check_deletable(names, ".ds-logs-secops.linux.sshd-other-2026.01.01-000001")
    check_deletable(names, ".ds-logs-secops.linux.sshd-prod-2026.01.01-000001")


def test_audit_and_compliance_indices_survive_any_retention(
    ctx: Context, archive_repository: str
) -> None:
    es, names = ctx.es, ctx.names
    record(ctx, actor="system:test", action="test.entry", target=None, outcome="success")
    evaluate(ctx, now=datetime.now(UTC))
    ancient = (datetime.now(UTC) - timedelta(days=3000)).isoformat()
    stream = names.events_stream("linux.sshd")
    es.create(index=stream, id="e", document={"@timestamp": ancient, "message": "old"})
    kept = (names.audit, names.index("compliance"))
    es.indices.refresh(index=",".join([*kept, stream]))
    before = {index: es.count(index=index)["count"] for index in kept}
    assert all(before.values())

    result = enforce_retention(
        es, names=names, retention_days=1, repository=archive_repository, rollover_after_hours=0
    )

    assert len(result.deleted_indices) == 1
    assert result.deleted_indices[0].startswith(".ds-logs-secops.linux.sshd-")
    es.indices.refresh(index=",".join(kept))
    assert {index: es.count(index=index)["count"] for index in kept} == before


def test_the_managed_node_has_a_snapshot_repository_path(
    es: Elasticsearch, managed_node: ManagedNode | None
) -> None:
    if managed_node is None:
        pytest.skip("the suite runs against a node of its own configuration")
    nodes = es.nodes.info(metric="settings")["nodes"]
    [node] = nodes.values()
    assert node["settings"]["path"]["repo"] == [str(managed_node.snapshots_dir)]
    assert managed_node.snapshots_dir.parent == managed_node.node_dir.parent
