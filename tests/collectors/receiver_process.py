"""secops' receiving side as a process of its own: spool, worker, store and receivers.

Settings come from the environment (``SECOPS_*``), as for ``secops up``. Prints
``ready`` once every receiver listens; SIGTERM stops it cleanly, SIGKILL does not.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from collectors.service import ReceiverService
from secops.accounting import SourceAccounting
from secops.context import build_context
from secops.pipeline.worker import Worker
from secops.settings import get_settings
from secops.spool import Spool


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    settings = get_settings()
    ctx = build_context(settings)
    accounting = SourceAccounting()
    spool = Spool(settings.spool_dir, max_bytes=settings.spool_max_bytes, accounting=accounting)
    worker = Worker(spool=spool, es=ctx.es, names=ctx.names, accounting=accounting)
    worker.start()
    receivers = ReceiverService(settings, spool)
    receivers.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    receivers.stop()
    worker.drain(300)
    worker.stop()
    spool.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
