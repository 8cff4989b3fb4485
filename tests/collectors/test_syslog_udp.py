"""Syslog over UDP over loopback: one datagram one record; a full spool drops and counts."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from collector_sinks import WAIT, MemorySink, serve
from polling import wait_until

from collectors.stats import ReceiverStats
from collectors.syslog_udp import UdpReceiver
from secops.records import RawRecord, Source


def run_udp(sink: MemorySink, client: Callable[[int], Any], stats: ReceiverStats) -> None:
    serve(
        lambda: UdpReceiver(sink, host="127.0.0.1", port=0, stats=stats, max_message_bytes=1024),
        client,
    )


def send_datagrams(port: int, datagrams: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for d in datagrams:
            sock.sendto(d, ("127.0.0.1", port))


def test_each_datagram_is_one_record_even_with_newlines() -> None:
    sink, stats = MemorySink(), ReceiverStats()
    datagrams = [b"<13>first\n", b"<13>multi\nline", b"<13>" + b"q" * 2000]

    def client(port: int) -> None:
        send_datagrams(port, datagrams)
        sink.wait_for(3)

    run_udp(sink, client, stats)
    assert sink.messages() == ["<13>first", "<13>multi\nline", "<13>" + "q" * 1020]
    assert sink.records[2].extra == {"truncated": True, "original_size": 2004}
    source = Source(input="syslog-udp", address="127.0.0.1")
    assert all(r.source == source for r in sink.records)
    counts = stats.snapshot()[source]
    assert (counts.received, counts.dropped, counts.truncated) == (3, 0, 1)


def test_full_spool_drops_datagrams_and_counts_them_per_source() -> None:
    sink, stats = MemorySink(always_full=True), ReceiverStats()
    source = Source(input="syslog-udp", address="127.0.0.1")

    def dropped() -> int:
        counts = stats.snapshot().get(source)
        return counts.dropped if counts else 0

    def client(port: int) -> None:
        send_datagrams(port, [b"<13>lost %d" % i for i in range(20)])
        sink.wait_refusals(1)
        # Every datagram the socket delivered is accounted for, none silently.
        wait_until(lambda: dropped() == 20, timeout=WAIT, what="20 datagrams counted dropped")

    run_udp(sink, client, stats)
    assert sink.records == []
    assert dropped() == 20
    assert stats.snapshot()[source].received == 0


class GatedSink(MemorySink):
    """A sink whose appends wait until ``gate`` is set: the spool is slow."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__()
        self.gate = gate

    def append(self, records: Sequence[RawRecord]) -> None:
        self.gate.wait(WAIT)
        super().append(records)


def test_queue_is_bounded_in_bytes_and_overflow_counted_per_source() -> None:
    gate = threading.Event()
    sink, stats = GatedSink(gate), ReceiverStats()
    source = Source(input="syslog-udp", address="127.0.0.1")
    datagrams = [b"<13>" + b"d" * 996 for _ in range(40)]  # 1000 bytes each

    def counts() -> tuple[int, int]:
        c = stats.snapshot().get(source)
        return (c.received, c.dropped) if c else (0, 0)

    def client(port: int) -> None:
        send_datagrams(port, datagrams)
        # 4096 bytes queued at most, plus one batch held by the blocked append.
        try:
            wait_until(lambda: counts()[1] >= 40 - 8, timeout=WAIT, what="the overflow counted")
        finally:
            gate.set()
        wait_until(lambda: sum(counts()) == 40, timeout=WAIT, what="every datagram counted")

    serve(
        lambda: UdpReceiver(
            sink,
            host="127.0.0.1",
            port=0,
            stats=stats,
            max_message_bytes=1024,
            max_queue_bytes=4096,
        ),
        client,
    )
    received, dropped = counts()
    assert received + dropped == 40  # each datagram stored or counted, none silently lost
    assert received <= 8
    assert len(sink.records) == received


def test_cut_datagram_keeps_whole_characters() -> None:
    sink, stats = MemorySink(), ReceiverStats()
    text = "<13>x" + "€" * 1000  # three bytes each: a cut at 1024 bytes splits one

    def client(port: int) -> None:
        send_datagrams(port, [text.encode()])
        sink.wait_for(1)

    run_udp(sink, client, stats)
    (record,) = sink.records
    assert record.message == "<13>x" + "€" * 339
    assert record.extra == {"truncated": True, "original_size": len(text.encode())}
