"""Syslog over UDP over loopback: one datagram one record; a full spool drops and counts."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from collector_sinks import WAIT, MemorySink, serve

from collectors.stats import ReceiverStats
from collectors.syslog_udp import UdpReceiver
from secops.records import Source


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
        for _ in range(int(WAIT / 0.05)):
            if dropped() == 20:
                break
            time.sleep(0.05)

    run_udp(sink, client, stats)
    assert sink.records == []
    assert dropped() == 20
    assert stats.snapshot()[source].received == 0
