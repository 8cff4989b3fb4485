"""Syslog over TCP over loopback: framing end to end, backpressure, limits."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from collector_sinks import MemorySink, serve

from collectors.stats import ReceiverStats
from collectors.syslog_tcp import StreamLimits, StreamReceiver
from secops.records import Source


def run_receiver(
    sink: MemorySink,
    client: Callable[[int], Any],
    *,
    limits: StreamLimits | None = None,
    stats: ReceiverStats | None = None,
) -> ReceiverStats:
    """Start a receiver on a free port, run ``client(port)`` in a thread, stop."""
    stats = stats or ReceiverStats()

    serve(
        lambda: StreamReceiver(sink, host="127.0.0.1", port=0, stats=stats, limits=limits), client
    )
    return stats


def send(port: int, data: bytes, *, expect: int, sink: MemorySink) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
    sink.wait_for(expect)


def test_lf_messages_arrive_in_order_with_source_and_unique_origins() -> None:
    sink = MemorySink()
    lines = [f"<13>Dec 10 06:55:46 LabSZ sshd[{i}]: hello {i}" for i in range(500)]
    data = "\n".join(lines).encode()  # the last line has no newline: EOF ends it
    stats = run_receiver(sink, lambda port: send(port, data, expect=500, sink=sink))
    assert sink.messages() == lines
    first = sink.records[0]
    assert first.source == Source(input="syslog-tcp", address="127.0.0.1")
    assert len({r.origin for r in sink.records}) == 500
    assert stats.snapshot()[first.source].received == 500


def test_octet_counted_messages_with_embedded_newlines() -> None:
    sink = MemorySink()
    msgs = [f"<34>1 2024-05-01T10:00:00Z h app - - - part one\npart two {i}" for i in range(50)]
    data = b"".join(b"%d %s" % (len(m.encode()), m.encode()) for m in msgs)
    run_receiver(sink, lambda port: send(port, data, expect=50, sink=sink))
    assert sink.messages() == msgs


def test_oversized_message_is_truncated_and_tagged() -> None:
    sink = MemorySink()
    big = "<13>" + "z" * 5000
    data = f"{big}\n<13>small\n".encode()
    limits = StreamLimits(max_message_bytes=1024)
    stats = run_receiver(sink, lambda port: send(port, data, expect=2, sink=sink), limits=limits)
    first, second = sink.records
    assert first.message == big[:1024]
    assert first.extra == {"truncated": True, "original_size": len(big)}
    assert second.message == "<13>small"
    assert second.extra == {}
    assert stats.snapshot()[first.source].truncated == 1


def test_full_spool_holds_the_sender_back_and_loses_nothing() -> None:
    sink = MemorySink(full_times=5)
    lines = [f"<13>line {i:05d}" for i in range(3000)]
    data = ("\n".join(lines) + "\n").encode()
    run_receiver(sink, lambda port: send(port, data, expect=3000, sink=sink))
    assert sink.refusals == 5
    assert sink.messages() == lines  # nothing lost, nothing repeated, order kept


def test_connections_over_the_limit_are_refused_and_counted() -> None:
    sink = MemorySink()
    stats = ReceiverStats()

    def client(port: int) -> None:
        first = socket.create_connection(("127.0.0.1", port))
        try:
            first.sendall(b"<13>held open\n")
            sink.wait_for(1)  # the first connection is now being served
            with socket.create_connection(("127.0.0.1", port)) as second:
                second.settimeout(30)
                assert second.recv(1) == b""  # closed by the receiver
        finally:
            first.close()

    run_receiver(sink, client, limits=StreamLimits(max_connections=1), stats=stats)
    assert stats.snapshot()[Source(input="syslog-tcp", address="127.0.0.1")].refused == 1
    assert sink.messages() == ["<13>held open"]


def test_idle_peer_is_closed_and_its_partial_message_kept() -> None:
    sink = MemorySink()

    def client(port: int) -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"<13>no newline yet")
            sock.settimeout(30)
            assert sock.recv(1) == b""  # the receiver gave up on the silent peer

    run_receiver(sink, client, limits=StreamLimits(idle_timeout=0.2))
    assert sink.messages() == ["<13>no newline yet"]


def test_connections_per_address_are_capped_and_counted_per_source() -> None:
    sink = MemorySink()
    stats = ReceiverStats()

    def client(port: int) -> None:
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            for i, sock in enumerate(held):
                sock.sendall(b"<13>held %d\n" % i)
            sink.wait_for(2)  # both are being served
            with socket.create_connection(("127.0.0.1", port)) as third:
                third.settimeout(30)
                assert third.recv(1) == b""  # refused: the address holds its share
            # Another address is not held back by this one.
            other = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
            with other:
                other.sendall(b"<13>other peer\n")
                sink.wait_for(3)
        finally:
            for sock in held:
                sock.close()

    limits = StreamLimits(max_connections_per_peer=2)
    run_receiver(sink, client, limits=limits, stats=stats)
    assert stats.snapshot()[Source(input="syslog-tcp", address="127.0.0.1")].refused == 1
    assert Source(input="syslog-tcp", address="127.0.0.2") in stats.snapshot()
    assert sorted(m or "" for m in sink.messages()) == [
        "<13>held 0",
        "<13>held 1",
        "<13>other peer",
    ]


def test_huge_declared_length_keeps_a_head_of_whole_characters() -> None:
    sink = MemorySink()
    body = ("<13>x" + "€" * 2000).encode()  # 6005 bytes sent, 10^9 declared
    data = b"1000000000 " + body

    def client(port: int) -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(data)
        sink.wait_for(1)

    run_receiver(sink, client, limits=StreamLimits(max_message_bytes=1024))
    (record,) = sink.records
    assert record.message == "<13>x" + "€" * 339  # the cut at 1024 bytes split the 340th
    assert record.extra == {"truncated": True, "original_size": len(body)}
