"""Syslog over UDP: best-effort, one datagram is one record.

Datagrams are queued by the protocol callback and appended in batches by one
task. A datagram is dropped, and counted per source, when the queue is full or
the spool refuses the batch: UDP has no way to slow a sender down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor

from collectors.framing import Frame
from collectors.records import frame_record
from collectors.stats import ReceiverStats
from secops.errors import SpoolError
from secops.records import RawRecord, Source
from secops.spool import RecordSink

log = logging.getLogger(__name__)

MAX_BATCH = 1000
QUEUE_SIZE = 10_000


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, receiver: UdpReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.receiver.accept(data, str(addr[0]))

    def error_received(self, exc: Exception) -> None:
        log.warning("syslog-udp socket error: %s", exc)


class UdpReceiver:
    """A UDP syslog listener feeding a sink; drops are counted in ``stats``."""

    input = "syslog-udp"

    def __init__(
        self,
        sink: RecordSink,
        *,
        host: str,
        port: int,
        stats: ReceiverStats,
        max_message_bytes: int = 64 * 1024,
        executor: Executor | None = None,
    ) -> None:
        self.sink = sink
        self.host = host
        self.port = port
        self.stats = stats
        self.max_message_bytes = max_message_bytes
        self.executor = executor
        self._queue: asyncio.Queue[tuple[bytes, str, float]] = asyncio.Queue(QUEUE_SIZE)
        self._transport: asyncio.DatagramTransport | None = None
        self._writer: asyncio.Task[None] | None = None
        self._prefix = f"{self.input}:{time.time_ns()}"
        self._seq = 0

    @property
    def bound_port(self) -> int:
        assert self._transport is not None
        return int(self._transport.get_extra_info("sockname")[1])

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(self.host, self.port)
        )
        self._transport = transport
        self._writer = asyncio.create_task(self._write_loop())
        log.info("syslog-udp listening on %s:%d", self.host, self.bound_port)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._writer is not None:
            # Deliver what was already received before stopping.
            await self._queue.join()
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None

    def accept(self, data: bytes, address: str) -> None:
        if not data.strip(b"\r\n\x00 "):
            return  # an empty datagram carries no message
        try:
            self._queue.put_nowait((data, address, time.time()))
        except asyncio.QueueFull:
            self.stats.dropped(Source(input=self.input, address=address))

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            records = [self._record(*item) for item in batch]
            try:
                await loop.run_in_executor(self.executor, self.sink.append, records)
            except SpoolError as exc:
                log.warning("syslog-udp: spool refused %d datagrams: %s", len(records), exc)
                for r in records:
                    self.stats.dropped(r.source)
            else:
                for r in records:
                    self.stats.received(r.source, truncated=int("truncated" in r.extra))
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _record(self, data: bytes, address: str, received_at: float) -> RawRecord:
        data = data.rstrip(b"\r\n\x00")
        limit = self.max_message_bytes
        frame = Frame(data[:limit], truncated=len(data) > limit, size=len(data))
        self._seq += 1
        return frame_record(
            frame,
            source=Source(input=self.input, address=address),
            received_at=received_at,
            origin=f"{self._prefix}:{self._seq}",
        )
