"""Accepting stream connections (TCP, TLS) for the syslog and RELP receivers.

Connections are counted from the moment they are accepted, before any TLS
handshake: the server listens in plain TCP and upgrades each connection itself,
so that a peer holding many half-done handshakes meets the same per-address and
total limits as one holding many sessions, and a handshake has a deadline.
Refused connections and failed handshakes are counted per source.

Each connection is a :class:`BufferedStream`, read eagerly into a bounded buffer,
so a sender that hangs up after its last byte loses nothing.
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

from collectors.stats import ReceiverStats
from collectors.stream_buffer import BufferedStream
from secops.records import DEFAULT_MAX_RECORD_BYTES, Source
from secops.spool import RecordSink

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0


@dataclass
class StreamLimits:
    max_message_bytes: int = DEFAULT_MAX_RECORD_BYTES
    max_connections: int = 1000
    max_connections_per_peer: int = 64
    idle_timeout: float = 300.0
    handshake_timeout: float = 10.0


@dataclass
class Connection:
    """State of one peer connection; ``seq`` numbers its messages for the origin."""

    source: Source
    origin_prefix: str
    extra: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


class StreamServer:
    """A TCP listener (TLS given an SSL context); subclasses serve each connection."""

    input_plain = "stream-tcp"
    input_tls = "stream-tls"

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
        self.input = self.input_tls if ssl_context else self.input_plain
        self._server: asyncio.Server | None = None
        self._active: set[asyncio.Task[None]] = set()
        self._starting: set[asyncio.Task[None]] = set()  # handlers until they end
        self._per_peer: Counter[str] = Counter()  # open connections by address
        self._appending: set[asyncio.Future[None]] = set()  # appends a stop lets finish

    @property
    def bound_port(self) -> int:
        """The port actually bound (useful when ``port`` was 0)."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Plain TCP even for TLS: _handle counts the connection, then upgrades it.
        self._server = await loop.create_server(self._protocol, self.host, self.port)
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
            for append in late:
                append.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def _protocol(self) -> BufferedStream:
        return _Accepted(self)

    def shielded(self, work: asyncio.Future[None]) -> asyncio.Future[None]:
        """Let ``work`` (an append under way) finish even if its connection is cancelled."""
        self._appending.add(work)
        work.add_done_callback(self._appending.discard)
        return asyncio.shield(work)

    async def _handle(self, stream: BufferedStream) -> None:
        task = asyncio.current_task()
        assert task is not None
        assert stream.transport is not None
        peer = stream.transport.get_extra_info("peername") or ("", 0)
        address = str(peer[0])
        refusal = self._over_limit(address)
        if refusal:
            self.stats.refused(Source(input=self.input, address=address))
            log.warning("%s: refusing %s: %s", self.input, address, refusal)
            stream.close()
            return
        self._active.add(task)
        self._per_peer[address] += 1
        try:
            if self.ssl_context is not None and not await self._handshake(stream, address):
                return
            await self.serve(stream, self._connection(stream))
        except (ConnectionError, ssl.SSLError) as exc:
            log.info("%s: peer connection ended: %s", self.input, exc)
        finally:
            self._active.discard(task)
            self._per_peer[address] -= 1
            if not self._per_peer[address]:
                del self._per_peer[address]
            stream.close()
        if stream.error is not None:
            log.info("%s: %s ended the connection: %s", self.input, address, stream.error)

    async def serve(self, stream: BufferedStream, conn: Connection) -> None:
        raise NotImplementedError

    def _over_limit(self, address: str) -> str | None:
        """Why a new connection from ``address`` is refused, or None to accept it."""
        if len(self._active) >= self.limits.max_connections:
            return f"{self.limits.max_connections} connections open"
        if self._per_peer[address] >= self.limits.max_connections_per_peer:
            return f"{self.limits.max_connections_per_peer} connections open from this address"
        return None

    async def _handshake(self, stream: BufferedStream, address: str) -> bool:
        """Upgrade to TLS within the deadline; a failure is counted as a refusal."""
        assert self.ssl_context is not None
        assert stream.transport is not None
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(
                stream.transport,
                stream,
                self.ssl_context,
                server_side=True,
                ssl_handshake_timeout=self.limits.handshake_timeout,
            )
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError) as exc:
            self.stats.refused(Source(input=self.input, address=address))
            log.warning("%s: TLS handshake with %s failed: %s", self.input, address, exc)
            return False
        if tls is None:  # the peer went away during the handshake
            return False
        stream.use_transport(tls)
        return True

    def _connection(self, stream: BufferedStream) -> Connection:
        assert stream.transport is not None
        peer = stream.transport.get_extra_info("peername") or ("", 0)
        address, port = str(peer[0]), int(peer[1])
        extra: dict[str, Any] = {}
        subject = client_subject(stream.transport.get_extra_info("peercert"))
        if subject:
            extra["tls_client_subject"] = subject
        source = Source(input=self.input, address=address)
        prefix = f"{self.input}:{address}:{port}:{time.time_ns()}"
        return Connection(source=source, origin_prefix=prefix, extra=extra)


class _Accepted(BufferedStream):
    """A connection the server just accepted: its handler starts at once."""

    def __init__(self, server: StreamServer) -> None:
        super().__init__()
        self._server = server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self._server.ssl_context is not None:
            # Nothing is read before the TLS layer takes over the connection.
            assert self.transport is not None
            self.transport.pause_reading()
        task = asyncio.get_running_loop().create_task(self._server._handle(self))
        self._server._starting.add(task)
        task.add_done_callback(self._server._starting.discard)


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
