"""Ingest throughput: end to end (syslog over TCP → spool → worker → searchable) next to a raw
``elasticsearch.helpers.bulk`` of the same documents pre-normalised, in the same run.

    .venv/bin/python bench/ingest.py [--lines 100000] [--runs 3]

Elasticsearch: ``SECOPS_BENCH_ES_URL`` (or ``SECOPS_TEST_ES_URL``), else a managed node
started in a temporary directory for this run. Every run writes to a namespace of its own.
Prints medians of the runs and the ratio end-to-end / raw bulk (goal ≥ 0.5).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, Elasticsearch, helpers

from collectors.service import ReceiverService
from secops.context import build_context
from secops.es.node import ManagedNode
from secops.pipeline.normalizing import normalize_batch
from secops.pipeline.service import start_pipeline
from secops.records import RawRecord, Source
from secops.settings import Settings
from secops.store.events import event_doc

SAMPLE = (
    Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "loghub" / "OpenSSH_2k.log"
)


def syslog_lines(n: int) -> list[bytes]:
    base = [ln for ln in SAMPLE.read_bytes().splitlines() if ln.strip()]
    return [b"<38>" + base[i % len(base)] + b" #%d" % i for i in range(n)]


def settings_for(store: dict[str, Any], state: Path) -> Settings:
    return Settings(
        dev_mode=True, namespace="b" + uuid.uuid4().hex[:10], state_dir=state, **store,
        syslog_udp_port=0, syslog_tcp_port=0,
    )  # fmt: skip


def wait_visible(es: Elasticsearch, pattern: str, n: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if es.count(index=pattern, allow_no_indices=True)["count"] >= n:
                return
        except ApiError:  # shards of a new data stream still starting
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{n} documents not visible in {pattern}")


def raw_bulk(store: dict[str, Any], lines: list[bytes], state: Path) -> float:
    s = settings_for(store, state)
    ctx = build_context(s)
    src = Source("syslog-tcp", address="127.0.0.1")
    records = [
        RawRecord(source=src, received_at=time.time(), message=ln.decode(), origin=f"bench:{i}")
        for i, ln in enumerate(lines)
    ]
    docs = [
        event_doc(ctx.names, r[0].record_id(), ev, "2026-01-01T00:00:00Z")
        for r, ev in normalize_batch(records)
    ]
    actions = [
        {"_op_type": "create", "_index": d.index, "_id": d.id, "_source": d.source} for d in docs
    ]
    t0 = time.perf_counter()
    helpers.bulk(ctx.es.options(request_timeout=120), actions, chunk_size=5000)
    wait_visible(ctx.es, ctx.names.events_pattern, len(lines))
    elapsed = time.perf_counter() - t0
    ctx.close()
    return len(lines) / elapsed


def end_to_end(store: dict[str, Any], lines: list[bytes], state: Path) -> float:
    s = settings_for(store, state)
    ctx = build_context(s)
    pipeline = start_pipeline(ctx)
    receivers = ReceiverService(s, pipeline.spool)
    receivers.start()
    try:
        port = next(
            r.bound_port
            for r in receivers.receivers
            if hasattr(r, "bound_port") and "Stream" in type(r).__name__
        )
        payload = b"".join(ln + b"\n" for ln in lines)
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(payload)
        wait_visible(ctx.es, ctx.names.events_pattern, len(lines))
        elapsed = time.perf_counter() - t0
    finally:
        receivers.stop()
        pipeline.stop()
        ctx.close()
    return len(lines) / elapsed


def normalize_only(lines: list[bytes]) -> float:
    src = Source("syslog-tcp", address="127.0.0.1")
    records = [RawRecord(source=src, received_at=time.time(), message=ln.decode()) for ln in lines]
    t0 = time.perf_counter()
    normalize_batch(records)
    return len(records) / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--lines", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    url = os.environ.get("SECOPS_BENCH_ES_URL") or os.environ.get("SECOPS_TEST_ES_URL")
    # A node of one's own takes its credentials from SECOPS_ES_* of the environment.
    store: dict[str, Any] = {"es_url": url}
    tmp = Path(tempfile.mkdtemp(prefix="secops-bench-"))
    tmp.chmod(0o755)
    node = None
    if not url:
        base = Settings(dev_mode=True)
        node = ManagedNode(node_dir=tmp / "es", cache_dir=base.cache_dir, version=base.es_version)
        node.start()
        store = node.client_settings()
    lines = syslog_lines(a.lines)
    raw, e2e, norm = [], [], []
    try:
        for run in range(a.runs):
            norm.append(normalize_only(lines))
            raw.append(raw_bulk(store, lines, tmp / f"raw{run}"))
            e2e.append(end_to_end(store, lines, tmp / f"e2e{run}"))
            figures = f"raw bulk {raw[-1]:,.0f}/s  end to end {e2e[-1]:,.0f}/s"
            print(f"run {run + 1}: {figures}  normalize {norm[-1]:,.0f}/s")
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    r, e, n = statistics.median(raw), statistics.median(e2e), statistics.median(norm)
    print(f"lines per run: {a.lines:,}  runs: {a.runs}  (medians)")
    print(f"normalize alone (1 core):            {n:>10,.0f} events/s")
    print(f"raw helpers.bulk, pre-normalised:    {r:>10,.0f} events/s")
    print(f"end to end (TCP → spool → searchable): {e:>8,.0f} events/s")
    print(f"ratio end to end / raw bulk:         {e / r:>10.2f}  (goal ≥ 0.5)")


if __name__ == "__main__":
    main()
