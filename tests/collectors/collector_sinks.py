"""Receiver tests' harness: a RecordSink in memory (optionally full a given number of
times), and a receiver run on a free port around a client."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from secops.errors import SpoolFullError
from secops.records import RawRecord

WAIT = 30.0  # generous upper bound for loopback delivery; tests never measure time


class Receiver(Protocol):
    @property
    def bound_port(self) -> int: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def serve(receiver: Callable[[], Receiver], client: Callable[[int], Any]) -> None:
    """Build and start a receiver (bound to port 0), run ``client(port)`` in a thread, stop."""

    async def main() -> None:
        running = receiver()
        await running.start()
        try:
            await asyncio.to_thread(client, running.bound_port)
        finally:
            await running.stop()

    asyncio.run(main())


class MemorySink:
    """A RecordSink keeping records in a list; ``wait_for`` blocks until enough arrived."""

    def __init__(
        self, full_times: int = 0, always_full: bool = False, append_delay: float = 0.0
    ) -> None:
        self.append_delay = append_delay  # seconds each append takes, as an fsync would
        self.records: list[RawRecord] = []
        self.batches = 0
        self.refusals = 0
        self._full_times = full_times
        self._always_full = always_full
        self._cond = threading.Condition()

    def append(self, records: Sequence[RawRecord]) -> None:
        if self.append_delay:
            time.sleep(self.append_delay)
        with self._cond:
            if self._always_full or self.refusals < self._full_times:
                self.refusals += 1
                self._cond.notify_all()
                raise SpoolFullError("spool full (test)")
            self.records.extend(records)
            self.batches += 1
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float = WAIT) -> list[RawRecord]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.records) >= n, timeout)
            return list(self.records)

    def wait_refusals(self, n: int, timeout: float = WAIT) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.refusals >= n, timeout)
            return self.refusals

    def messages(self) -> list[str | None]:
        with self._cond:
            return [r.message for r in self.records]
