"""``python -m secops.pipeline [--drain]``: run the worker alone on the configured spool.

Without ``--drain`` it runs until SIGINT/SIGTERM; with it, it exits once the spool
is delivered (exit code 1 if that takes longer than ``--timeout`` seconds).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from secops.accounting import process_metrics
from secops.context import build_context
from secops.pipeline.worker import Worker
from secops.settings import get_settings
from secops.spool import Spool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m secops.pipeline", description=__doc__)
    parser.add_argument("--drain", action="store_true", help="exit once the spool is delivered")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    ctx = build_context(settings)
    metrics = process_metrics()
    acc = metrics.accounting
    spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes, accounting=acc)
    worker = Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=acc, metrics=metrics)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    worker.start()
    try:
        if args.drain:
            ok = worker.drain(args.timeout)
            return 0 if ok else 1
        done.wait()
        return 0
    finally:
        worker.stop()
        spool.close()
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
