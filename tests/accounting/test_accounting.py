"""Source accounting: counters per source, Prometheus text at /metrics, who went silent."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from secops.accounting import Metrics, SourceAccounting, process_metrics
from secops.accounting.service import list_sources, load_sources, save_sources
from secops.context import build_context
from secops.records import RawRecord, Source
from secops.settings import Settings

WEB = Source("syslog-udp", host="web1", application="nginx")
VPN = Source("syslog-tls", host="vpn", application="openvpn")


def recs(source: Source, n: int) -> list[RawRecord]:
    return [RawRecord(source=source, received_at=0.0, message="m") for _ in range(n)]


def test_counts_per_source_from_many_threads() -> None:
    acc = SourceAccounting()

    def work() -> None:
        for _ in range(200):
            acc.received(recs(WEB, 3) + recs(VPN, 1))
            acc.add({("syslog-udp", "web1", "nginx"): {"indexed": 3, "parsed": 3}})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acc.dropped(recs(VPN, 2))
    snap = acc.snapshot()
    web, vpn = snap[("syslog-udp", "web1", "nginx")], snap[("syslog-tls", "vpn", "openvpn")]
    assert (web.received, web.indexed, web.parsed) == (2400, 2400, 2400)
    assert (vpn.received, vpn.dropped) == (800, 2)
    assert web.first_seen is not None
    assert web.last_seen is not None
    assert web.first_seen <= web.last_seen


def test_prometheus_text_has_a_line_per_source_and_outcome() -> None:
    metrics = Metrics()
    metrics.accounting.received(recs(WEB, 5))
    metrics.gauge("secops_spool_used_bytes", "bytes", lambda: 1234.0)
    text = metrics.render().decode()
    assert (
        'secops_source_records_total{application="nginx",host="web1",input="syslog-udp",'
        'outcome="received"} 5.0' in text
    )
    assert "secops_spool_used_bytes 1234.0" in text
    assert "python_gc" not in text  # our own registry, not the library's global one


def test_metrics_route_open_to_loopback_only(settings: Settings) -> None:
    ctx = build_context(settings)
    process_metrics().accounting.received(recs(VPN, 1))
    app = create_app(settings, context=ctx)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        resp = local.get("/metrics")
        assert resp.status_code == 200
        assert 'host="vpn"' in resp.text
        assert resp.headers["content-type"].startswith("text/plain")
    with TestClient(app, client=("192.0.2.7", 40000)) as remote:
        assert remote.get("/metrics").status_code == 401
    ctx.close()


def test_saved_totals_seed_the_next_run_and_silent_sources_are_listed(settings: Settings) -> None:
    ctx = build_context(settings)
    acc = SourceAccounting()
    acc.add(
        {("syslog-udp", "web1", "nginx"): {"received": 10, "indexed": 9, "dropped": 1}},
        seen_at=1000.0,
    )
    acc.add({("syslog-tls", "vpn", "openvpn"): {"received": 4}}, seen_at=1500.0)
    assert save_sources(ctx.es, ctx.names, acc) == 2
    ctx.es.indices.refresh(index=ctx.names.state)

    sources = list_sources(ctx, now=2000.0)
    assert [(s.host, s.silent_for_seconds) for s in sources] == [("web1", 1000.0), ("vpn", 500.0)]
    assert sources[0].dropped == 1

    next_run = SourceAccounting()
    assert load_sources(ctx.es, ctx.names, next_run) == 2
    next_run.received(recs(WEB, 5))
    assert next_run.snapshot()[("syslog-udp", "web1", "nginx")].received == 15
    ctx.close()


@pytest.fixture(autouse=True)
def _fresh_process_metrics() -> None:
    process_metrics.cache_clear()
