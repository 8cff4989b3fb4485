"""RELP receiver (plain and TLS): acknowledged delivery, as rsyslog's ``omrelp`` expects.

A ``syslog`` command is answered ``200 OK`` only after the spool has fsynced its
record, so the sender knows what was delivered and sends again what was not
(after a lost connection, a kill, a restart). Frames are taken as they arrive: a
sender may have many unanswered (its window); the ones that arrived together are
appended in one batch, then answered in order. While the spool is full nothing
is answered and nothing more is read, so the sender's window fills and it waits.

Errors answer ``500`` with a reason and the session goes on: a command before
``open``, a second ``open``, an ``open`` without ``relp_version`` or without the
``syslog`` command, an unknown command, a transaction number out of sequence.
A byte stream that is not RELP ends the session with ``serverclose``.

Since a sender sends again what it had no answer for, a record's origin is its
source (input and address) and its text: a repeated record is the same record,
so the store keeps it once. (RFC 5424 timestamps make two different records
with equal text from one address very unlikely.)
"""

from __future__ import annotations

import asyncio
import logging
import time

from collectors.backpressure import append_until_accepted
from collectors.framing import Frame, strip_line_end
from collectors.records import frame_record
from collectors.relp_frames import MAX_TXNR, RelpFrame, RelpParser, encode
from collectors.stream_buffer import BufferedStream
from collectors.stream_server import Connection, StreamServer
from secops.records import RawRecord

log = logging.getLogger(__name__)

SOFTWARE = b"secops"
OK = b"200 OK"


class RelpReceiver(StreamServer):
    """A RELP listener (TLS given an SSL context) feeding a sink."""

    input_plain = "relp"
    input_tls = "relp-tls"

    async def serve(self, stream: BufferedStream, conn: Connection) -> None:
        session = _Session(self, stream, conn)
        try:
            await self._serve(session, stream, conn)
        finally:
            # What a sender's own log can be checked against (transactions are contiguous).
            log.info(
                "%s: session of %s ended: %d records stored, last transaction %d",
                self.input,
                conn.source.address,
                session.stored,
                session.next_txnr - 1,
            )

    async def _serve(self, session: _Session, stream: BufferedStream, conn: Connection) -> None:
        parser = RelpParser(self.limits.max_message_bytes)
        while not session.closed:
            try:
                data = await asyncio.wait_for(stream.read(), timeout=self.limits.idle_timeout)
            except TimeoutError:
                log.info("%s: %s idle, closing", self.input, conn.source.address)
                data = b""
            if not data:
                if parser.pending:
                    log.info("%s: %s hung up inside a frame", self.input, conn.source.address)
                return
            # What came before a broken frame is still stored and answered.
            await session.handle(parser.feed(data))
            if parser.error is not None:
                log.warning("%s: %s: %s", self.input, conn.source.address, parser.error)
                self.stats.refused(conn.source)
                stream.write(encode(0, "serverclose"))
                return
            await stream.drain()

    def _connection(self, stream: BufferedStream) -> Connection:
        conn = super()._connection(stream)
        # Not the connection: a record sent again on a new one is the same record.
        conn.origin_prefix = f"{conn.source.input}:{conn.source.address}"
        return conn

    async def append(self, conn: Connection, records: list[RawRecord], truncated: int) -> None:
        await append_until_accepted(
            self.sink, records, executor=self.executor, where=conn.source.address or ""
        )
        self.stats.received(conn.source, len(records), truncated=truncated)


class _Session:
    """The RELP state of one connection: open or not, the next transaction number."""

    def __init__(self, receiver: RelpReceiver, stream: BufferedStream, conn: Connection) -> None:
        self.receiver = receiver
        self.stream = stream
        self.conn = conn
        self.opened = False
        self.closed = False
        self.next_txnr = 1
        self.stored = 0  # records spooled and answered

    async def handle(self, frames: list[RelpFrame]) -> None:
        """Answer ``frames`` in order; consecutive ``syslog`` ones are spooled together."""
        batch: list[RelpFrame] = []
        for frame in frames:
            if self.closed:
                return
            error = self._sequence_error(frame)
            if error is None and frame.command == "syslog":
                if self.opened:
                    batch.append(frame)
                    continue
                error = b"500 session not open"
            await self._store(batch)
            batch = []
            answer = error or self._command(frame)
            if answer.startswith(b"500"):
                log.warning(
                    "%s: %s: %s %d answered %s",
                    self.conn.source.input,
                    self.conn.source.address,
                    frame.command,
                    frame.txnr,
                    answer.decode(errors="replace"),
                )
            self.stream.write(encode(frame.txnr, "rsp", answer))
        await self._store(batch)

    def _sequence_error(self, frame: RelpFrame) -> bytes | None:
        expected = self.next_txnr
        if frame.txnr != expected:
            return b"500 transaction number %d out of sequence, expected %d" % (
                frame.txnr,
                expected,
            )
        self.next_txnr = 1 if expected == MAX_TXNR else expected + 1
        return None

    def _command(self, frame: RelpFrame) -> bytes:
        """The answer to a command other than ``syslog`` (changing the session's state)."""
        if frame.command == "open":
            return self._open(frame.data)
        if frame.command == "close":
            self.closed = True
            return b""
        if frame.command == "rsp":
            return b"500 a client does not answer"
        return b"500 unknown command " + frame.command.encode()[:32]

    def _open(self, offers: bytes) -> bytes:
        if self.opened:
            return b"500 session already open"
        params = {k: v for k, _, v in (line.partition(b"=") for line in offers.splitlines())}
        if params.get(b"relp_version") is None:
            return b"500 relp_version missing in open"
        if b"syslog" not in params.get(b"commands", b"").split(b","):
            return b"500 the syslog command is required"
        self.opened = True
        return OK + b"\nrelp_version=0\nrelp_software=" + SOFTWARE + b"\ncommands=syslog"

    async def _store(self, batch: list[RelpFrame]) -> None:
        """Spool the records of ``batch``, then answer each (only then)."""
        if not batch:
            return
        now = time.time()
        conn = self.conn
        records = [
            frame_record(
                Frame(strip_line_end(f.data), truncated=f.truncated, size=f.size),
                source=conn.source,
                received_at=now,
                origin=conn.origin_prefix,
                extra=conn.extra,
            )
            for f in batch
        ]
        truncated = sum(1 for f in batch if f.truncated)
        receiver = self.receiver
        # A stop cancels the connection, not an append half done: shield it.
        await receiver.shielded(asyncio.ensure_future(receiver.append(conn, records, truncated)))
        self.stored += len(batch)
        self.stream.write(b"".join(encode(f.txnr, "rsp", OK) for f in batch))
