"""Syslog over TCP (and TLS, which shares this reader): at-least-once.

Each connection is read a chunk at a time; the chunk is framed, the complete
messages are appended to the spool, and only then is the next chunk read. While
the spool is full the append is retried and nothing more is read, so TCP flow
control holds the sender back. Records are only lost if the process stops while
holding them, which no syslog sender can tell apart from a lost connection.

Connections are counted from the moment they are accepted, before any TLS
handshake: the server listens in plain TCP and upgrades each connection itself,
so that a peer holding many half-done handshakes meets the same per-address and
total limits as one holding many sessions, and a handshake has a deadline.
Refused connections and failed handshakes are counted per source.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from collectors.backpressure import append_until_accepted
from collectors.framing import Frame, Framer
from collectors.records import frame_record
from collectors.stats import ReceiverStats
from secops.records import DEFAULT_MAX_RECORD_BYTES, RawRecord, Source
from secops.spool import RecordSink

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024


@dataclass
class StreamLimits:
    max_message_bytes: int = DEFAULT_MAX_RECORD_BYTES
    max_connections: int = 1000
    max_connections_per_peer: int = 64
    idle_timeout: float = 300.0
    handshake_timeout: float = 10.0


@dataclass
class _Connection:
    """State of one peer connection; ``seq`` numbers its messages for the origin."""

    source: Source
    origin_prefix: str
    extra: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


STOP_GRACE_SECONDS = 10.0


class StreamReceiver:
    """A TCP (or TLS, given an SSL context) syslog listener feeding a sink."""

    def __init__(
        self,
        sink: RecordSink,
        *,
        host: str,
        port: int,
        stats: ReceiverStats,
        limits: StreamLimits | None = None,
        ssl_context: ssl.SSLContext | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.sink = sink
        self.host = host
        self.port = port
        self.stats = stats
        self.limits = limits or StreamLimits()
        self.ssl_context = ssl_context
        self.executor = executor
        self.input = "syslog-tls" if ssl_context else "syslog-tcp"
        self._server: asyncio.Server | None = None
        self._active: set[asyncio.Task[None]] = set()
        self._per_peer: Counter[str] = Counter()  # open connections by address
        self._appending: set[asyncio.Task[None]] = set()  # appends a stop lets finish

    @property
    def bound_port(self) -> int:
        """The port actually bound (useful when ``port`` was 0)."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        # Plain TCP even for TLS: _handle counts the connection, then upgrades it.
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, limit=READ_CHUNK
        )
        log.info("%s listening on %s:%d", self.input, self.host, self.bound_port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._active):
            task.cancel()
        if self._active:
            await asyncio.gather(*self._active, return_exceptions=True)
        # Records already framed and on their way to the spool are stored and counted,
        # unless the spool stays full: then the sender was never acknowledged anyway.
        if self._appending:
            _, late = await asyncio.wait(set(self._appending), timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = writer.get_extra_info("peername") or ("", 0)
        address = str(peer[0])
        refusal = self._over_limit(address)
        if refusal:
            self.stats.refused(Source(input=self.input, address=address))
            log.warning("%s: refusing %s: %s", self.input, address, refusal)
            writer.close()
            return
        self._active.add(task)
        self._per_peer[address] += 1
        try:
            if self.ssl_context is not None and not await self._handshake(writer, address):
                return
            await self._serve(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError) as exc:
            log.info("%s: peer connection ended: %s", self.input, exc)
        finally:
            self._active.discard(task)
            self._per_peer[address] -= 1
            if not self._per_peer[address]:
                del self._per_peer[address]
            writer.close()

    def _over_limit(self, address: str) -> str | None:
        """Why a new connection from ``address`` is refused, or None to accept it."""
        if len(self._active) >= self.limits.max_connections:
            return f"{self.limits.max_connections} connections open"
        if self._per_peer[address] >= self.limits.max_connections_per_peer:
            return f"{self.limits.max_connections_per_peer} connections open from this address"
        return None

    async def _handshake(self, writer: asyncio.StreamWriter, address: str) -> bool:
        """Upgrade to TLS within the deadline; a failure is counted as a refusal."""
        assert self.ssl_context is not None
        try:
            await writer.start_tls(
                self.ssl_context, ssl_handshake_timeout=self.limits.handshake_timeout
            )
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError) as exc:
            self.stats.refused(Source(input=self.input, address=address))
            log.warning("%s: TLS handshake with %s failed: %s", self.input, address, exc)
            return False
        return True

    def _connection(self, writer: asyncio.StreamWriter) -> _Connection:
        peer = writer.get_extra_info("peername") or ("", 0)
        address, port = str(peer[0]), int(peer[1])
        extra: dict[str, Any] = {}
        subject = client_subject(writer.get_extra_info("peercert"))
        if subject:
            extra["tls_client_subject"] = subject
        source = Source(input=self.input, address=address)
        prefix = f"{self.input}:{address}:{port}:{time.time_ns()}"
        return _Connection(source=source, origin_prefix=prefix, extra=extra)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = self._connection(writer)
        framer = Framer(self.limits.max_message_bytes)
        while True:
            try:
                chunk = await asyncio.wait_for(
                    reader.read(READ_CHUNK), timeout=self.limits.idle_timeout
                )
            except TimeoutError:
                log.info("%s: %s idle, closing", self.input, conn.source.address)
                chunk = b""
            frames = framer.feed(chunk) if chunk else framer.flush()
            await self._deliver(conn, frames)
            if not chunk:
                return

    async def _deliver(self, conn: _Connection, frames: list[Frame]) -> None:
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
        append = asyncio.ensure_future(self._append(conn, records, truncated))
        self._appending.add(append)
        append.add_done_callback(self._appending.discard)
        # A stop cancels the connection, not an append half done: shield it.
        await asyncio.shield(append)

    async def _append(self, conn: _Connection, records: list[RawRecord], truncated: int) -> None:
        await append_until_accepted(
            self.sink, records, executor=self.executor, where=conn.source.address or ""
        )
        self.stats.received(conn.source, len(records), truncated=truncated)


_SHORT_NAMES = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
}


def client_subject(peercert: Any) -> str | None:
    """The client certificate's subject as ``CN=...,O=...`` (None without a certificate)."""
    if not peercert:
        return None
    parts = [f"{_SHORT_NAMES.get(k, k)}={v}" for rdn in peercert.get("subject", ()) for k, v in rdn]
    return ",".join(parts) or None
