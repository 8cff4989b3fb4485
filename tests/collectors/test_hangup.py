"""A sender that hangs up right after its last byte loses nothing (TCP and TLS).

The spool is slow here (each append waits as an fsync does), so the receiver is
always behind the sender when it hangs up: what it had not yet read must still be
stored. Short connections carry 50 records, long ones 20,000 (~1.6 MB, more than the
receiver buffers, so backpressure is reached too); the sender writes each record
on its own, as rsyslog and syslog-ng do.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from collector_sinks import MemorySink, serve
from hangup_clients import HANGUPS, frame, numbered, send_and_hang_up
from pki_files import client_context

from collectors.stats import ReceiverStats
from collectors.syslog_tcp import StreamReceiver
from collectors.syslog_tls import server_context
from secops.records import Source

FSYNC_SECONDS = 0.005  # what an append costs in this test's spool


@pytest.mark.parametrize("hangup", HANGUPS)
@pytest.mark.parametrize("framing", ["lf", "octet"])
@pytest.mark.parametrize("count", [50, 20_000])
@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_every_record_sent_before_the_hang_up_is_stored(
    pki: dict[str, Path], transport: str, count: int, framing: str, hangup: str
) -> None:
    sink, stats = MemorySink(append_delay=FSYNC_SECONDS), ReceiverStats()
    tls = transport == "tls"
    server = server_context(pki["server_cert"], pki["server_key"]) if tls else None
    client = client_context(pki, None) if tls else None
    messages = numbered(count)

    def sender(port: int) -> None:
        send_and_hang_up(port, frame(messages, framing), hangup, client)
        sink.wait_for(count)

    serve(
        lambda: StreamReceiver(sink, host="127.0.0.1", port=0, stats=stats, ssl_context=server),
        sender,
    )
    stored = [m.encode() for m in sink.messages() if m is not None]
    print(f"{transport} {framing} {hangup}: {len(stored)}/{count} stored")
    assert stored == messages
    source = Source(input=f"syslog-{transport}", address="127.0.0.1")
    assert stats.snapshot()[source].received == count
