"""Hand records to the spool from the event loop, waiting while it is full.

At-least-once receivers call :func:`append_until_accepted`: the blocking
``append`` runs in a worker thread, and a full spool (or a failing one) is
retried with growing pauses. The caller reads no more input meanwhile, so the
sender is slowed by TCP flow control instead of losing records.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import Executor

from secops.errors import SpoolError, SpoolFullError
from secops.records import RawRecord
from secops.spool import RecordSink

log = logging.getLogger(__name__)

INITIAL_BACKOFF = 0.05
MAX_BACKOFF = 2.0


async def append_until_accepted(
    sink: RecordSink,
    records: Sequence[RawRecord],
    *,
    executor: Executor | None = None,
    where: str = "",
) -> None:
    """Append ``records`` durably; retry until the sink accepts them (or cancellation)."""
    if not records:
        return
    loop = asyncio.get_running_loop()
    delay = INITIAL_BACKOFF
    while True:
        try:
            await loop.run_in_executor(executor, sink.append, records)
            return
        except SpoolFullError:
            log.debug("spool full, %s waits %.2fs", where, delay)
        except SpoolError as exc:
            log.warning("spool refused %d records from %s: %s", len(records), where, exc)
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)
