"""Templates and indices are applied once and re-applied as a no-op."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from secops.settings import Settings
from secops.store import IndexNames, bootstrap


def test_bootstrap_creates_templates_and_indices_idempotently(
    es: Elasticsearch, settings: Settings
) -> None:
    ns = settings.namespace
    first = bootstrap(es, namespace=ns, retention_days=settings.retention_days)
    names = IndexNames(ns)
    assert set(first.indices_created) >= {names.alerts, names.audit, names.state, names.deadletter}
    assert set(first.applied) | set(first.unchanged) >= {"secops-events", "secops-alerts"}

    second = bootstrap(es, namespace=ns, retention_days=settings.retention_days)
    assert second.applied == []
    assert second.indices_created == []
    assert "secops-events" in second.unchanged

    # A new namespace costs no template update, only its own indices.
    other = bootstrap(es, namespace=ns + "b", retention_days=settings.retention_days)
    assert other.applied == []
    assert IndexNames(ns + "b").alerts in other.indices_created
    es.indices.delete(index=",".join(other.indices_created))

    # A changed retention re-applies the events template with the new retention. It holds
    # no lifecycle: the cluster would delete without a snapshot; secops archives first.
    try:
        third = bootstrap(es, namespace=ns, retention_days=7)
        assert "secops-events" in third.applied
        tpl = es.indices.get_index_template(name="secops-events")["index_templates"][0]
        assert tpl["index_template"]["_meta"]["retention_days"] == 7
        assert "lifecycle" not in tpl["index_template"]["template"]
    finally:
        bootstrap(es, namespace=ns, retention_days=settings.retention_days)


def test_event_written_to_data_stream_is_searchable_with_ecs_types(
    es: Elasticsearch, settings: Settings
) -> None:
    ns = settings.namespace
    bootstrap(es, namespace=ns, retention_days=settings.retention_days)
    stream = IndexNames(ns).events_stream("linux.sshd")
    doc = {
        "@timestamp": "2026-11-26T10:00:00.000Z",
        "event": {"dataset": "linux.sshd", "outcome": "failure", "original": "raw line"},
        "source": {"ip": "2001:db8::7"},
        "user": {"name": "root"},
        "message": "Failed password for root",
    }
    es.create(index=stream, id="evt-1", document=doc, refresh="wait_for")
    # The same id again is refused: a replay cannot duplicate an event.
    dup = es.options(ignore_status=409).create(index=stream, id="evt-1", document=doc)
    assert dup.meta.status == 409

    hits = es.search(
        index=IndexNames(ns).events_pattern,
        query={"term": {"source.ip": "2001:db8::/32"}},
    )["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["evt-1"]
    mapping = es.indices.get_mapping(index=stream)
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert props["source"]["properties"]["ip"]["type"] == "ip"
    assert props["message"]["type"] == "text"
