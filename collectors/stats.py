"""Per-source counters of the receivers: what arrived, what had to be refused.

Best-effort inputs (UDP) drop when the spool or the receive queue is full;
at-least-once inputs never drop, but count truncated records and what they
refused (connections over a limit, failed TLS handshakes, files that are not
regular files). The source accounting reads :meth:`ReceiverStats.snapshot`; the
counters are safe to bump from any thread.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from secops.records import Source


@dataclass(frozen=True, slots=True)
class SourceCounts:
    received: int = 0  # records handed to the spool
    dropped: int = 0  # records refused (best-effort inputs only)
    truncated: int = 0  # records cut at the size limit (kept, flagged)
    refused: int = 0  # connections or files refused (nothing was read from them)


class ReceiverStats:
    """Thread-safe per-source counters of all receivers of one process."""

    def __init__(self, on_dropped: Callable[[Source, int], None] | None = None) -> None:
        # on_dropped hands each drop to the source accounting, so auditors see it.
        self._on_dropped = on_dropped
        self._lock = threading.Lock()
        self._counts: dict[Source, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def received(self, source: Source, n: int = 1, *, truncated: int = 0) -> None:
        with self._lock:
            c = self._counts[source]
            c[0] += n
            c[2] += truncated

    def dropped(self, source: Source, n: int = 1) -> None:
        with self._lock:
            self._counts[source][1] += n
        if self._on_dropped is not None:
            self._on_dropped(source, n)

    def refused(self, source: Source) -> None:
        """A connection (``address``) or a file (``application``) was refused."""
        with self._lock:
            self._counts[source][3] += 1

    def snapshot(self) -> dict[Source, SourceCounts]:
        """A copy of the counters per source, for accounting and metrics."""
        with self._lock:
            return {s: SourceCounts(*c) for s, c in self._counts.items()}
