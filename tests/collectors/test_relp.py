"""RELP over loopback with a raw-socket client: answers only after the spool took the
records, session open/close, a window of unanswered frames, the protocol's 500s."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from collector_sinks import MemorySink, serve
from pki_files import client_context

from collectors.relp import RelpReceiver
from collectors.relp_frames import RelpParser, encode
from collectors.stats import ReceiverStats
from collectors.stream_server import StreamLimits
from collectors.syslog_tls import server_context
from secops.records import Source

OPEN = b"relp_version=0\nrelp_software=test,1\ncommands=syslog"


class Client:
    """A RELP client over a connected socket: send frames, read the answers."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(30)
        self.parser = RelpParser(1 << 20)
        self.answers: list[tuple[int, str, bytes]] = []

    def send(self, txnr: int, command: str, data: bytes = b"") -> None:
        self.sock.sendall(encode(txnr, command, data))

    def answers_until(self, n: int) -> list[tuple[int, str, bytes]]:
        while len(self.answers) < n:
            data = self.sock.recv(65536)
            if not data:
                break
            self.answers += [(f.txnr, f.command, f.data) for f in self.parser.feed(data)]
        return self.answers


def run_relp(
    sink: MemorySink,
    client: Callable[[int], Any],
    *,
    stats: ReceiverStats | None = None,
    ssl_context: ssl.SSLContext | None = None,
    limits: StreamLimits | None = None,
) -> None:
    serve(
        lambda: RelpReceiver(
            sink,
            host="127.0.0.1",
            port=0,
            stats=stats or ReceiverStats(),
            ssl_context=ssl_context,
            limits=limits,
        ),
        client,
    )


def session(port: int) -> Client:
    return Client(socket.create_connection(("127.0.0.1", port)))


def test_a_window_of_records_is_stored_then_answered_in_order_and_closed() -> None:
    sink, stats = MemorySink(), ReceiverStats()
    msgs = [b"<13>1 2026-01-10T10:00:00.000001Z h app - - - record %d" % i for i in range(200)]

    def client(port: int) -> None:
        c = session(port)
        c.send(1, "open", OPEN)
        for i, m in enumerate(msgs):  # 200 frames in flight before any answer is read
            c.send(i + 2, "syslog", m)
        c.send(202, "close")
        answers = c.answers_until(202)
        assert c.sock.recv(1) == b""  # the server closes after answering close
        c.sock.close()
        opened = answers[0]
        assert opened[:2] == (1, "rsp")
        assert opened[2].startswith(b"200 OK\n")
        assert b"commands=syslog" in opened[2]
        assert answers[1:201] == [(i + 2, "rsp", b"200 OK") for i in range(200)]
        assert answers[201] == (202, "rsp", b"")

    run_relp(sink, client, stats=stats)
    assert sink.messages() == [m.decode() for m in msgs]
    assert stats.snapshot()[Source(input="relp", address="127.0.0.1")].received == 200


def test_nothing_is_answered_while_the_spool_refuses() -> None:
    sink = MemorySink(full_times=3)

    def client(port: int) -> None:
        c = session(port)
        c.send(1, "open", OPEN)
        c.answers_until(1)
        c.send(2, "syslog", b"<13>held back")
        assert sink.wait_refusals(3) == 3
        assert c.answers_until(2)[1] == (2, "rsp", b"200 OK")
        # The answer came after the spool took the record, never before.
        assert sink.messages() == ["<13>held back"]
        c.sock.close()

    run_relp(sink, client)


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        ([(1, "syslog", b"<13>too early")], b"500 session not open"),
        ([(1, "open", b"commands=syslog")], b"500 relp_version missing in open"),
        ([(1, "open", b"relp_version=0\ncommands=other")], b"500 the syslog command is required"),
        ([(1, "open", OPEN), (2, "open", OPEN)], b"500 session already open"),
        ([(1, "open", OPEN), (2, "starttls")], b"500 unknown command starttls"),
        ([(1, "open", OPEN), (5, "syslog", b"<13>x")], b"500 transaction number 5 out of sequence"),
    ],
)
def test_protocol_errors_are_answered_500_and_nothing_is_stored(
    frames: list[tuple[int, str, bytes] | tuple[int, str]], reason: bytes
) -> None:
    sink = MemorySink()

    def client(port: int) -> None:
        c = session(port)
        for f in frames:
            c.send(*f)
        last = c.answers_until(len(frames))[-1]
        assert last[0] == frames[-1][0]
        assert last[2].startswith(reason)
        c.sock.close()

    run_relp(sink, client)
    assert sink.records == []


def test_bytes_that_are_not_relp_end_the_session_with_serverclose() -> None:
    sink, stats = MemorySink(), ReceiverStats()

    def client(port: int) -> None:
        c = session(port)
        c.send(1, "open", OPEN)
        c.send(2, "syslog", b"<13>before")
        c.sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
        answers = c.answers_until(3)
        assert answers[1] == (2, "rsp", b"200 OK")
        assert answers[2] == (0, "serverclose", b"")
        assert c.sock.recv(1) == b""
        c.sock.close()

    run_relp(sink, client, stats=stats)
    assert sink.messages() == ["<13>before"]
    assert stats.snapshot()[Source(input="relp", address="127.0.0.1")].refused == 1


def test_an_oversized_record_is_cut_flagged_and_answered() -> None:
    sink = MemorySink()
    big = b"<13>" + b"z" * 5000

    def client(port: int) -> None:
        c = session(port)
        c.send(1, "open", OPEN)
        c.send(2, "syslog", big)
        assert c.answers_until(2)[1] == (2, "rsp", b"200 OK")
        c.sock.close()

    run_relp(sink, client, limits=StreamLimits(max_message_bytes=1024))
    (record,) = sink.records
    assert record.message == big[:1024].decode()
    assert record.extra["truncated"] is True
    assert record.extra["original_size"] == len(big)


def test_a_record_sent_again_on_a_new_connection_keeps_its_id() -> None:
    sink = MemorySink()

    def client(port: int) -> None:
        for _ in range(2):  # the sender had no answer the first time and sends it again
            c = session(port)
            c.send(1, "open", OPEN)
            c.send(2, "syslog", b"<13>1 2026-01-10T10:00:00.1Z h app - - - once")
            c.answers_until(2)
            c.sock.close()

    run_relp(sink, client)
    first, again = sink.records
    assert first.record_id() == again.record_id()


def test_relp_over_tls_records_the_client_certificate(pki: dict[str, Path]) -> None:
    sink, stats = MemorySink(), ReceiverStats()
    ctx = server_context(pki["server_cert"], pki["server_key"], pki["ca"])

    def client(port: int) -> None:
        raw = socket.create_connection(("127.0.0.1", port))
        tls = client_context(pki, "client").wrap_socket(raw, server_hostname="127.0.0.1")
        c = Client(tls)
        c.send(1, "open", OPEN)
        c.send(2, "syslog", b"<13>over tls")
        c.send(3, "close")
        assert [a[:2] for a in c.answers_until(3)] == [(1, "rsp"), (2, "rsp"), (3, "rsp")]
        c.sock.close()

    run_relp(sink, client, stats=stats, ssl_context=ctx)
    assert sink.messages() == ["<13>over tls"]
    assert sink.records[0].extra == {"tls_client_subject": "O=Parliament,CN=dms-01"}
    assert stats.snapshot()[Source(input="relp-tls", address="127.0.0.1")].received == 1
