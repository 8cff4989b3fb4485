"""Elasticsearch stopped in the middle of an ingest and started again: nothing acknowledged is lost.

Runs its own node (never the shared one): stopping it is the point of the test.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from es_node import NodeAccess, cache_dir

from pipeline.crash_helper import SRC, line
from pipeline.delivery_check import assert_exactly_once, stored_line_numbers
from secops.accounting import SourceAccounting
from secops.context import build_context
from secops.es.node import ManagedNode, free_port
from secops.pipeline import Worker, WorkerConfig
from secops.records import RawRecord
from secops.retry import RetryPolicy
from secops.settings import Settings
from secops.spool import Spool

LINES = 30_000

pytestmark = pytest.mark.integration


@pytest.fixture
def own_node() -> Iterator[ManagedNode]:
    base = Path(tempfile.mkdtemp(prefix="secops-outage-es-"))
    base.chmod(0o755)  # the node runs as an unprivileged user when we are root
    version = Settings(dev_mode=True).es_version
    node = ManagedNode(
        node_dir=base / "node",
        cache_dir=cache_dir(),
        version=version,
        port=free_port(),
        heap="512m",
    )
    try:
        node.start()
        yield node
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_store_outage_in_the_middle_loses_nothing(own_node: ManagedNode, tmp_path: Path) -> None:
    access = NodeAccess.of_managed(own_node)
    settings = Settings(
        dev_mode=True, namespace="outage", state_dir=tmp_path, **access.settings_fields()
    )
    ctx = build_context(settings)
    acc = SourceAccounting()
    spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes, accounting=acc)
    config = WorkerConfig(batch_size=2000, retry=RetryPolicy(base=0.05, cap=1.0))
    worker = Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=acc, config=config)
    worker.start()
    acked = 0
    half_fed = threading.Event()

    def feed() -> None:
        nonlocal acked
        for start in range(0, LINES, 100):
            spool.append(
                [
                    RawRecord(source=SRC, received_at=time.time(), message=line(i))
                    for i in range(start, start + 100)
                ]
            )
            acked = start + 100
            if acked == LINES // 2:
                half_fed.set()
                time.sleep(0.5)  # let the worker get going on the second half

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        assert half_fed.wait(60)
        own_node.stop()  # in the middle: the feeder keeps appending, the worker retries
        delivered_while_down = worker.delivered
        feeder.join(60)
        assert acked == LINES  # the spool took everything while the store was down
        time.sleep(1.0)
        assert worker.delivered == delivered_while_down  # nothing committed without the store
        assert not spool.caught_up()
        own_node.start()
        assert worker.drain(120)
    finally:
        feeder.join(60)
        worker.stop()
        spool.close()
    seen = stored_line_numbers(ctx.es, ctx.names.events_pattern)
    assert_exactly_once(seen, acked=LINES, fed=LINES)
    ctx.close()
