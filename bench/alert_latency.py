"""Alert latency: from an event reaching secops to its alert being searchable.

    .venv/bin/python bench/alert_latency.py [--events 100] [--runs 3] [--mode both]

Two paths, each run in a namespace of its own, no refresh ever forced (the
200 ms refresh interval of the alerts index counts), a search of the alerts
index polled every 5 ms until the alert is found. Every sample starts after a
random pause of up to 250 ms, so samples fall at every phase of the refresh:

- ``deliver``: one sshd "Failed password" line handed to the pipeline's
  `deliver` (normalize → detect with the rules of rules/ → alerts through
  `Alerter` → events stored). Every fourth event comes from a new source
  address (a new alert); the others update the alert of their group.
- ``socket`` (end to end): the parts of ``secops up`` — `ReceiverService`
  (syslog TCP on a free loopback port) → spool → `start_pipeline` with
  `build_detector` → Elasticsearch. Each sample is one sudo "user NOT in
  sudoers" line of a user of its own (so one alert of its own), timed from
  `sendall` on a kept-open TCP connection until its alert is found. One warm-up
  event, not counted, first makes sure every part is running.

The baseline, in the same run, is one plain document indexed into the alerts
index until it is searchable: the floor that the refresh interval sets.
Elasticsearch: ``SECOPS_BENCH_ES_URL`` or ``SECOPS_TEST_ES_URL``, else a managed
node started for this run. Per-run figures go to stderr; the medians over runs
(p50, p99, baseline and ratios; one line per path) to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from elasticsearch import ApiError

from collectors.service import ReceiverService
from collectors.syslog_tcp import StreamReceiver
from secops.accounting import Metrics, SourceAccounting
from secops.alerts.writer import Alerter
from secops.context import Context, build_context
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.es.node import ManagedNode
from secops.pipeline.deliver import deliver
from secops.pipeline.service import start_pipeline
from secops.records import RawRecord, Source
from secops.retry import RetryPolicy
from secops.rules.detector import build_detector
from secops.settings import Settings

RULES = Path(__file__).resolve().parents[1] / "rules"
SSHD = Source("syslog-tcp", host="LabSZ", application="sshd")
POLL = 0.005  # seconds between searches
# Each sample starts after a random pause up to a little more than the 200 ms refresh
# interval: started right after the previous alert was found, every sample would
# begin just after a refresh and wait for the next one in full.
SPREAD = 0.25
REQUIREMENT = 1.0  # seconds from the collector to a searchable alert

Samples = tuple[list[float], list[float]]  # (path, baseline) in seconds


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _count(ctx: Context, query: dict) -> int:
    try:
        return int(ctx.es.count(index=ctx.names.alerts, query=query)["count"])
    except ApiError as exc:  # a busy node: shards of the new index not searchable yet
        if exc.meta.status != 503:
            raise
        return 0


def _until_found(ctx: Context, query: dict, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _count(ctx, query) == 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not searchable after {timeout}s: {query}")
        time.sleep(POLL)


def _timed(action: Callable[[], None], query: dict, ctx: Context, rng: random.Random) -> float:
    time.sleep(rng.uniform(0, SPREAD))
    start = time.perf_counter()
    action()
    _until_found(ctx, query)
    return time.perf_counter() - start


def _plain_document(ctx: Context, rng: random.Random) -> float:
    """The baseline: one plain document indexed into the alerts index → searchable."""
    marker = uuid.uuid4().hex

    def index() -> None:
        ctx.es.index(index=ctx.names.alerts, document={"alert_id": marker})

    return _timed(index, {"term": {"alert_id": marker}}, ctx, rng)


@contextmanager
def _namespace(store: dict[str, Any], **overrides: Any) -> Iterator[Context]:
    """A context on a fresh namespace and state directory; its indices dropped after."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            dev_mode=True,
            **store,
            namespace="b" + uuid.uuid4().hex[:12],
            state_dir=Path(tmp),
            **overrides,
        )
        ctx = build_context(settings)
        try:
            yield ctx
        finally:
            _drop(ctx)
            ctx.close()


def _drop(ctx: Context) -> None:
    """Drop the run's indices (templates are cluster-wide; events data streams cannot go)."""
    pattern = f"secops-{ctx.settings.namespace}-*"
    names = ctx.es.indices.get(index=pattern, expand_wildcards="all")
    if names:
        ctx.es.indices.delete(index=",".join(names))


# -- deliver → alert searchable ------------------------------------------------------


def deliver_run(store: dict[str, Any], events: int, engine: DetectionEngine, seed: int) -> Samples:
    rng = random.Random(seed)
    with _namespace(store) as ctx:
        detector, alerts = RuleDetector(engine), Alerter(ctx)
        accounting, policy, stop = SourceAccounting(), RetryPolicy(), threading.Event()

        def feed(record: RawRecord) -> None:
            deliver(
                [record],
                es=ctx.es,
                names=ctx.names,
                detector=detector,
                alerts=alerts,
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
            pipeline.append(_timed(lambda r=record: feed(r), query, ctx, rng))  # type: ignore[misc]
            baseline.append(_plain_document(ctx, rng))
        if _count(ctx, {"exists": {"field": "rule.id"}}) == 0:
            raise RuntimeError("no alert written: do the rules still match sshd failures?")
        return pipeline, baseline


# -- TCP socket → alert searchable (the parts of `secops up`) ------------------------


def _sudo_line(user: str) -> bytes:
    stamp = time.strftime("%b %e %H:%M:%S")
    return (
        f"<85>{stamp} bench-host sudo:    {user} : user NOT in sudoers ; TTY=pts/0 ; "
        f"PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/id\n"
    ).encode()


def _sudo_alert(user: str) -> dict:
    return {"term": {"user.name": user}}


@contextmanager
def _running(ctx: Context) -> Iterator[int]:
    """Pipeline and receivers started and stopped as `secops up` does; yields the TCP port."""
    stops: list[Callable[[], object]] = []
    try:
        pipeline = start_pipeline(ctx, detector=build_detector(ctx), metrics=Metrics())
        stops.append(pipeline.stop)
        receivers = ReceiverService(
            ctx.settings, pipeline.spool, on_dropped=pipeline.metrics.accounting.dropped_from
        )
        receivers.start()
        stops.append(receivers.stop)
        tcp = [r for r in receivers.receivers if isinstance(r, StreamReceiver)]
        yield tcp[0].bound_port
    finally:
        for stop in reversed(stops):
            stop()


def socket_run(store: dict[str, Any], events: int, seed: int) -> Samples:
    rng = random.Random(seed)
    loopback = "127.0.0.1"
    with (
        _namespace(store, syslog_host=loopback, syslog_tcp_port=0, syslog_udp_port=0) as ctx,
        _running(ctx) as port,
        socket.create_connection((loopback, port)) as sock,
    ):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        warm_up = "benchwarm"
        _timed(lambda: sock.sendall(_sudo_line(warm_up)), _sudo_alert(warm_up), ctx, rng)
        pipeline, baseline = [], []
        for i in range(events):
            user = f"bench{i:04d}"
            line = _sudo_line(user)
            pipeline.append(_timed(partial(sock.sendall, line), _sudo_alert(user), ctx, rng))
            baseline.append(_plain_document(ctx, rng))
        query = {"exists": {"field": "rule.id"}}
        alerts = ctx.es.count(index=ctx.names.alerts, query=query)["count"]
        if alerts != events + 1:
            raise RuntimeError(f"{alerts} alerts for {events + 1} events: one each expected")
        return pipeline, baseline


# -- running it --------------------------------------------------------------------


def _summary(samples: list[Samples]) -> dict[str, float]:
    rows = [
        {
            "p50": _percentile(path, 0.50),
            "p99": _percentile(path, 0.99),
            "base_p50": _percentile(base, 0.50),
            "base_p99": _percentile(base, 0.99),
        }
        for path, base in samples
    ]
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _line(figures: dict[str, float]) -> str:
    return (
        f"p50 {_ms(figures['p50'])}, p99 {_ms(figures['p99'])}; "
        f"baseline (plain document → searchable) p50 {_ms(figures['base_p50'])}, "
        f"p99 {_ms(figures['base_p99'])}; ratio p50 {figures['p50'] / figures['base_p50']:.2f}, "
        f"p99 {figures['p99'] / figures['base_p99']:.2f}"
    )


def _bench(store: dict[str, Any], events: int, runs: int, mode: str) -> None:
    modes: dict[str, tuple[str, Callable[[int], Samples]]] = {}
    if mode in ("deliver", "both"):
        engine = DetectionEngine(load_rules([RULES]))
        modes["deliver"] = (
            "deliver → alert searchable",
            lambda seed: deliver_run(store, events, engine, seed),
        )
    if mode in ("socket", "both"):
        modes["socket"] = (
            "TCP sendall → alert searchable (end to end)",
            lambda seed: socket_run(store, events, seed),
        )
    results: dict[str, list[Samples]] = {name: [] for name in modes}
    for run in range(runs):
        for name, (_, measure) in modes.items():
            samples = measure(run)
            results[name].append(samples)
            print(f"run {run + 1} {name}: {_line(_summary([samples]))}", file=sys.stderr)
    print(f"median of {runs} runs x {events} events:")
    for name, (label, _) in modes.items():
        figures = _summary(results[name])
        print(f"  {label} {_line(figures)}")
        if name == "socket":
            verdict = "met" if figures["p99"] <= REQUIREMENT else "NOT met"
            print(f"  requirement (alert searchable within {_ms(REQUIREMENT)}): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mode", choices=("deliver", "socket", "both"), default="both")
    args = parser.parse_args()
    url = os.environ.get("SECOPS_BENCH_ES_URL") or os.environ.get("SECOPS_TEST_ES_URL")
    # A node of one's own takes its credentials from SECOPS_ES_* of the environment.
    store: dict[str, Any] = {"es_url": url}
    tmp = Path(tempfile.mkdtemp(prefix="secops-bench-"))
    tmp.chmod(0o755)  # the node runs as an unprivileged user when we are root
    node = None
    if not url:
        base = Settings(dev_mode=True)
        node = ManagedNode(node_dir=tmp / "es", cache_dir=base.cache_dir, version=base.es_version)
        node.start()
        store = node.client_settings()
    try:
        _bench(store, args.events, args.runs, args.mode)
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
