"""Syslog over TCP (and TLS, which shares this reader): at-least-once.

Each connection is read eagerly into a bounded buffer (:mod:`collectors.stream_buffer`);
what has arrived is framed, the complete messages are appended to the spool, and
the next batch is taken when that append returned. While the spool is full the
append is retried, the buffer fills, reading pauses and TCP flow control holds the
sender back. Records are only lost if the process stops while holding them, which
no syslog sender can tell apart from a lost connection (RELP can: see
:mod:`collectors.relp`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from collectors.backpressure import append_until_accepted
from collectors.framing import Frame, Framer
from collectors.records import frame_record
from collectors.stream_buffer import BufferedStream
from collectors.stream_server import Connection, StreamLimits, StreamServer, client_subject
from secops.records import RawRecord

__all__ = ["StreamLimits", "StreamReceiver", "client_subject"]

log = logging.getLogger(__name__)


class StreamReceiver(StreamServer):
    """A TCP (or TLS, given an SSL context) syslog listener feeding a sink."""

    input_plain = "syslog-tcp"
    input_tls = "syslog-tls"

    async def serve(self, stream: BufferedStream, conn: Connection) -> None:
        framer = Framer(self.limits.max_message_bytes)
        while True:
            try:
                chunk = await asyncio.wait_for(stream.read(), timeout=self.limits.idle_timeout)
            except TimeoutError:
                log.info("%s: %s idle, closing", self.input, conn.source.address)
                chunk = b""
            frames = framer.feed(chunk) if chunk else framer.flush()
            await self._deliver(conn, frames)
            if not chunk:
                return

    async def _deliver(self, conn: Connection, frames: list[Frame]) -> None:
        if not frames:
            return
        now = time.time()
        records: list[RawRecord] = []
        for frame in frames:
            records.append(
                frame_record(
                    frame,
                    source=conn.source,
                    received_at=now,
                    origin=f"{conn.origin_prefix}:{conn.seq}",
                    extra=conn.extra,
                )
            )
            conn.seq += 1
        truncated = sum(1 for f in frames if f.truncated)
        # A stop cancels the connection, not an append half done: shield it.
        await self.shielded(asyncio.ensure_future(self._append(conn, records, truncated)))

    async def _append(self, conn: Connection, records: list[RawRecord], truncated: int) -> None:
        await append_until_accepted(
            self.sink, records, executor=self.executor, where=conn.source.address or ""
        )
        self.stats.received(conn.source, len(records), truncated=truncated)
