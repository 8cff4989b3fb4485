"""One stream connection read eagerly into a bounded buffer.

The kernel discards what a connection had not yet handed to the process when the
peer resets it, and asyncio's ``StreamReader`` raises a reset before returning the
bytes it holds. A sender that hangs up right after its last byte would lose its
tail either way while the receiver waits for an fsync. So a connection is read as
fast as bytes arrive, into a buffer of at most ``limit`` bytes; once the buffer is
full, reading pauses (TCP flow control holds the sender back) until the consumer
takes bytes out. After the peer has gone, the consumer still gets every byte read.
"""

from __future__ import annotations

import asyncio
from typing import cast

DEFAULT_LIMIT = 256 * 1024


class BufferedStream(asyncio.Protocol):
    """An asyncio protocol whose ``read`` hands out what the connection delivered."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.transport: asyncio.Transport | None = None
        self.error: BaseException | None = None  # why the connection ended, if not cleanly
        self._buf = bytearray()
        self._ended = False
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._writable: asyncio.Event | None = None  # set while the peer takes our writes

    # -- asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) >= self.limit and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._ended = True
        self._wake()
        return False  # the sender is done: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        self.error = self.error or exc
        self._wake()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.Event()
        self._writable.clear()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()

    # -- consumer ---------------------------------------------------------------

    def use_transport(self, transport: asyncio.Transport) -> None:
        """After a TLS upgrade: read and write through the TLS transport."""
        self.transport = transport

    async def read(self) -> bytes:
        """Everything buffered (waiting for bytes if none); ``b""`` once the peer is gone."""
        while not self._buf and not self._ended:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        data = bytes(self._buf)
        self._buf.clear()
        if self._paused and not self._ended and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    @property
    def ended(self) -> bool:
        return self._ended

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    async def drain(self) -> None:
        """Wait while the peer does not read what we wrote (or until it is gone)."""
        while self._writable is not None and not self._writable.is_set() and not self._ended:
            waiter = asyncio.ensure_future(self._writable.wait())
            ended = asyncio.get_running_loop().create_future()
            self._waiter = ended
            try:
                await asyncio.wait({waiter, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                self._waiter = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
