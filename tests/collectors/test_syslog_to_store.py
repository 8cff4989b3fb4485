"""Syslog over TCP to Elasticsearch: receiver → real spool → real worker → real store.

Every line of the loghub OpenSSH and Linux samples (2,000 each) must be in the
store exactly once, parsed or tagged unparsed. One file is sent with LF framing,
the other with octet counting, each over its own connection.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan
from polling import wait_until

from collectors.service import ReceiverService
from collectors.syslog_tcp import StreamReceiver
from secops.accounting import SourceAccounting
from secops.context import Context, build_context
from secops.pipeline.worker import Worker
from secops.settings import Settings
from secops.spool import Spool

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "loghub"
DRAIN_TIMEOUT = 300.0


def sample_lines(name: str) -> list[str]:
    return (SAMPLES / name).read_text().splitlines()


@pytest.fixture
def pipeline(settings: Settings) -> Iterator[tuple[Context, Worker, ReceiverService]]:
    settings = settings.model_copy(
        update={"syslog_udp_port": 0, "syslog_tcp_port": 0, "tail_globs": []}
    )
    ctx = build_context(settings)
    accounting = SourceAccounting()
    spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes, accounting=accounting)
    worker = Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=accounting)
    worker.start()
    receivers = ReceiverService(settings, spool)
    receivers.start()
    try:
        yield ctx, worker, receivers
    finally:
        receivers.stop()
        worker.stop()
        spool.close()
        ctx.close()


def tcp_port(receivers: ReceiverService) -> int:
    tcp = [r for r in receivers.receivers if isinstance(r, StreamReceiver)]
    return tcp[0].bound_port


def send(port: int, payload: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(payload)


def stored_originals(es: Elasticsearch, pattern: str) -> Counter[str]:
    es.indices.refresh(index=pattern)
    hits = scan(es, index=pattern, query={"query": {"match_all": {}}}, _source=["event"])
    return Counter(h["_source"]["event"]["original"] for h in hits)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared loghub samples not present")
def test_every_sample_line_is_stored_exactly_once(
    pipeline: tuple[Context, Worker, ReceiverService],
) -> None:
    ctx, worker, receivers = pipeline
    openssh, linux = sample_lines("OpenSSH_2k.log"), sample_lines("Linux_2k.log")
    assert (len(openssh), len(linux)) == (2000, 2000)
    port = tcp_port(receivers)
    send(port, "\n".join(openssh).encode())  # LF framing, last line ended by EOF
    send(port, b"".join(b"%d %s" % (len(m), m) for m in (line.encode() for line in linux)))

    wanted = Counter(openssh) + Counter(linux)
    # Wait until the receivers handed every record to the spool, then until it is delivered.
    wait_until(
        lambda: sum(c.received for c in receivers.stats.snapshot().values()) >= 4000,
        timeout=DRAIN_TIMEOUT,
        interval=0.1,
        what="4000 records received",
    )
    assert worker.drain(DRAIN_TIMEOUT)

    stored = stored_originals(ctx.es, ctx.names.events_pattern)
    assert sum(stored.values()) == 4000
    assert stored == wanted
    count = ctx.es.count(index=ctx.names.events_pattern)["count"]
    assert count == 4000
    parsed = ctx.es.count(
        index=ctx.names.events_pattern,
        query={"bool": {"must_not": {"term": {"tags": "unparsed"}}}},
    )["count"]
    assert parsed > 0  # the sshd lines at least are understood
