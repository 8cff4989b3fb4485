"""Alert latency: from a record handed to the pipeline to its alert being searchable.

    .venv/bin/python bench/alert_latency.py [--events 100] [--runs 3]

Each sample hands one sshd "Failed password" line to the pipeline (`deliver`:
normalize → detect with the rules of rules/ → alerts through `write_alerts` →
events stored) and polls a search of the alerts index until an alert holding
that event id is found; no refresh is forced, so the 200 ms refresh interval
counts. Every fourth event comes from a new source address (a new alert); the
others update the alert of their group. The baseline, in the same run, is one
plain document indexed into the same index until it is searchable: the floor
that the refresh interval sets. Elasticsearch: ``SECOPS_BENCH_ES_URL`` or
``SECOPS_TEST_ES_URL``, else a managed node started for this run. Prints medians over runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from secops.accounting import SourceAccounting
from secops.alerts.detector import AlertingDetector
from secops.context import Context, build_context
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.es.node import ManagedNode
from secops.pipeline.deliver import deliver
from secops.records import RawRecord, Source
from secops.settings import Settings
from secops.store.bulk import RetryPolicy

RULES = Path(__file__).resolve().parents[1] / "rules"
SSHD = Source("syslog-tcp", host="LabSZ", application="sshd")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _until_found(ctx: Context, query: dict, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while ctx.es.count(index=ctx.names.alerts, query=query)["count"] == 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not searchable after {timeout}s: {query}")
        time.sleep(0.005)


def _timed(action: Callable[[], None], query: dict, ctx: Context) -> float:
    start = time.perf_counter()
    action()
    _until_found(ctx, query)
    return time.perf_counter() - start


def _drop(ctx: Context) -> None:
    """Drop the run's indices (templates are cluster-wide; events data streams cannot go)."""
    pattern = f"secops-{ctx.settings.namespace}-*"
    names = ctx.es.indices.get(index=pattern, expand_wildcards="all")
    if names:
        ctx.es.indices.delete(index=",".join(names))


def one_run(es_url: str, events: int, engine: DetectionEngine) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            dev_mode=True,
            es_url=es_url,
            namespace="b" + uuid.uuid4().hex[:12],
            state_dir=Path(tmp),
        )
        ctx = build_context(settings)
        try:
            detector = AlertingDetector(ctx, engine)
            accounting, policy, stop = SourceAccounting(), RetryPolicy(), threading.Event()

            def feed(record: RawRecord) -> None:
                deliver(
                    [record],
                    es=ctx.es,
                    names=ctx.names,
                    detector=detector,
                    accounting=accounting,
                    policy=policy,
                    stop=stop,
                )

            pipeline, baseline = [], []
            for i in range(events):
                source = f"203.0.113.{i // 4 % 250}"
                line = (
                    f"<38>Jan 10 10:00:{i % 60:02d} LabSZ sshd[{1000 + i}]: Failed password "
                    f"for root from {source} port {40000 + i} ssh2"
                )
                record = RawRecord(source=SSHD, received_at=time.time(), message=line)
                query = {"term": {"event_ids": record.record_id()}}
                pipeline.append(_timed(lambda r=record: feed(r), query, ctx))  # type: ignore[misc]
                marker = uuid.uuid4().hex

                def plain(m: str = marker) -> None:
                    ctx.es.index(index=ctx.names.alerts, document={"alert_id": m})

                baseline.append(_timed(plain, {"term": {"alert_id": marker}}, ctx))
            if detector.alerts_written == 0:
                raise RuntimeError("no alert written: do the rules still match sshd failures?")
            return pipeline, baseline
        finally:
            _drop(ctx)
            ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    es_url = os.environ.get("SECOPS_BENCH_ES_URL") or os.environ.get("SECOPS_TEST_ES_URL")
    tmp = Path(tempfile.mkdtemp(prefix="secops-bench-"))
    tmp.chmod(0o755)  # the node runs as an unprivileged user when we are root
    node = None
    if not es_url:
        base = Settings(dev_mode=True)
        node = ManagedNode(node_dir=tmp / "es", cache_dir=base.cache_dir, version=base.es_version)
        es_url = node.start().url
    try:
        _bench(es_url, args.events, args.runs)
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(es_url: str, events: int, runs: int) -> None:
    engine = DetectionEngine(load_rules([RULES]))
    results = []
    for run in range(runs):
        pipeline, baseline = one_run(es_url, events, engine)
        row = {
            "p50": _percentile(pipeline, 0.50),
            "p99": _percentile(pipeline, 0.99),
            "base_p50": _percentile(baseline, 0.50),
            "base_p99": _percentile(baseline, 0.99),
        }
        results.append(row)
        print(
            f"run {run + 1}: pipeline p50 {row['p50'] * 1000:.0f} ms, p99 {row['p99'] * 1000:.0f}"
            f" ms; plain doc p50 {row['base_p50'] * 1000:.0f} ms, p99 "
            f"{row['base_p99'] * 1000:.0f} ms"
        )
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(
        f"median of {runs} runs x {events} events: event → alert searchable "
        f"p50 {med['p50'] * 1000:.0f} ms, p99 {med['p99'] * 1000:.0f} ms; "
        f"baseline (plain document → searchable) p50 {med['base_p50'] * 1000:.0f} ms; "
        f"ratio p50 {med['p50'] / med['base_p50']:.2f}"
    )


if __name__ == "__main__":
    main()
