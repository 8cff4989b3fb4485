"""A pipeline process for the crash tests: feeds numbered lines through the spool and the worker.

``feed``: worker running, appends batches of lines and prints ``acked N`` after each
append returned (N = lines acknowledged so far), until killed or all are fed.
``drain``: worker running, no new lines; prints ``drained`` once the spool is delivered.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from secops.accounting import SourceAccounting
from secops.context import build_context
from secops.pipeline import Worker
from secops.records import RawRecord, Source
from secops.settings import Settings
from secops.spool import Spool

SRC = Source("syslog-tcp", host="crash", application="app")


def line(i: int) -> str:
    return f"<14>Jan 10 10:00:00 crash app[1]: line {i:07d}"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["feed", "drain"])
    p.add_argument("--state-dir", type=Path, required=True)
    p.add_argument("--es-url", required=True)
    p.add_argument("--namespace", required=True)
    p.add_argument("--lines", type=int, default=0)
    p.add_argument("--batch", type=int, default=200)
    a = p.parse_args()
    settings = Settings(
        dev_mode=True, namespace=a.namespace, es_url=a.es_url, state_dir=a.state_dir
    )
    ctx = build_context(settings)
    acc = SourceAccounting()
    spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes, accounting=acc)
    worker = Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=acc)
    worker.start()
    if a.mode == "feed":
        for start in range(0, a.lines, a.batch):
            n = min(a.batch, a.lines - start)
            spool.append(
                [
                    RawRecord(source=SRC, received_at=time.time(), message=line(i))
                    for i in range(start, start + n)
                ]
            )
            print(f"acked {start + n}", flush=True)
    ok = worker.drain(300)
    worker.stop()
    print("drained" if ok else "not drained", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
