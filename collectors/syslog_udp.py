"""Syslog over UDP: best-effort, one datagram is one record.

Datagrams are queued by the protocol callback and appended in batches by one
task. A datagram longer than the record cap is cut before it is queued, and the
queue is bounded in bytes as well as in datagrams. A datagram is dropped, and
counted per source, when the queue is full or the spool refuses the batch: UDP
has no way to slow a sender down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass

from collectors.framing import Frame
from collectors.records import frame_record
from collectors.stats import ReceiverStats
from secops.errors import SpoolError
from secops.records import DEFAULT_MAX_RECORD_BYTES, RawRecord, Source
from secops.spool import RecordSink

log = logging.getLogger(__name__)

MAX_BATCH = 1000
QUEUE_SIZE = 10_000
QUEUE_BYTES = 32 << 20


@dataclass(frozen=True, slots=True)
class _Datagram:
    head: bytes  # at most the record cap
    size: int  # the datagram's full length
    address: str
    received_at: float


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
        max_message_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        max_queue_bytes: int = QUEUE_BYTES,
        executor: Executor | None = None,
    ) -> None:
        self.sink = sink
        self.host = host
        self.port = port
        self.stats = stats
        self.max_message_bytes = max_message_bytes
        self.max_queue_bytes = max_queue_bytes
        self.executor = executor
        self._queue: asyncio.Queue[_Datagram] = asyncio.Queue(QUEUE_SIZE)
        self._queued_bytes = 0
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
        data = data.rstrip(b"\r\n\x00")
        size = len(data)
        head = data[: self.max_message_bytes]  # only the head is kept while queued
        if self._queued_bytes + len(head) > self.max_queue_bytes or self._queue.full():
            self.stats.dropped(Source(input=self.input, address=address))
            return
        self._queue.put_nowait(_Datagram(head, size, address, time.time()))
        self._queued_bytes += len(head)

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self._queued_bytes -= sum(len(d.head) for d in batch)
            records = [self._record(d) for d in batch]
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

    def _record(self, d: _Datagram) -> RawRecord:
        frame = Frame(d.head, truncated=d.size > len(d.head), size=d.size)
        self._seq += 1
        return frame_record(
            frame,
            source=Source(input=self.input, address=d.address),
            received_at=d.received_at,
            origin=f"{self._prefix}:{self._seq}",
        )
