"""The events retention the cluster holds in its template, as compliance reads it."""

from __future__ import annotations

from secops.context import Context
from secops.store.bootstrap import applied_retention


def test_applied_retention_reads_the_events_template(ctx: Context) -> None:
    applied = applied_retention(ctx.es, namespace=ctx.settings.namespace)
    assert applied.template == "secops-events"
    assert applied.days == ctx.settings.retention_days


def test_a_per_namespace_template_of_older_deployments_wins(ctx: Context) -> None:
    name = f"secops-{ctx.settings.namespace}-events"
    ctx.es.indices.put_index_template(
        name=name,
        index_patterns=[f"unused-{ctx.settings.namespace}-*"],
        priority=1,
        _meta={"retention_days": 400},
    )
    try:
        applied = applied_retention(ctx.es, namespace=ctx.settings.namespace)
    finally:
        ctx.es.indices.delete_index_template(name=name)
    assert (applied.template, applied.days) == (name, 400)
