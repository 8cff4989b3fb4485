"""Syslog over TLS over loopback, with client certificates required by a CA of the test."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from collector_sinks import MemorySink, serve
from pki_files import client_context

from collectors.stats import ReceiverStats
from collectors.syslog_tcp import StreamLimits, StreamReceiver
from collectors.syslog_tls import server_context
from secops.errors import CollectError
from secops.records import Source


def run_tls(sink: MemorySink, ctx: ssl.SSLContext, client: Callable[[int], Any]) -> None:
    serve(
        lambda: StreamReceiver(
            sink, host="127.0.0.1", port=0, stats=ReceiverStats(), ssl_context=ctx
        ),
        client,
    )


def send_tls(
    port: int, ctx: ssl.SSLContext, data: bytes, then: Callable[[ssl.SSLSocket], Any]
) -> Any:
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(data)
        tls.settimeout(30)
        return then(tls)


def refused(tls: ssl.SSLSocket) -> bool:
    """True when the server ended the connection (alert or close) instead of reading on."""
    try:
        return tls.recv(1) == b""
    except (ssl.SSLError, ConnectionError):
        return True


def test_client_with_a_certificate_of_the_ca_is_received_with_its_subject(
    pki: dict[str, Path],
) -> None:
    sink = MemorySink()
    ctx = server_context(pki["server_cert"], pki["server_key"], pki["ca"])

    def client(port: int) -> None:
        send_tls(
            port, client_context(pki, "client"), b"<13>one\n<13>two\n", lambda _: sink.wait_for(2)
        )

    run_tls(sink, ctx, client)
    assert sink.messages() == ["<13>one", "<13>two"]
    assert sink.records[0].source == Source(input="syslog-tls", address="127.0.0.1")
    assert sink.records[0].extra == {"tls_client_subject": "O=Parliament,CN=dms-01"}


@pytest.mark.parametrize("cert", [None, "rogue"])
def test_client_without_a_valid_certificate_is_refused(
    pki: dict[str, Path], cert: str | None
) -> None:
    sink = MemorySink()
    ctx = server_context(pki["server_cert"], pki["server_key"], pki["ca"])

    def client(port: int) -> None:
        # TLS 1.2 refuses during the handshake, TLS 1.3 right after it.
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            assert send_tls(port, client_context(pki, cert), b"<13>intruder\n", refused)

    run_tls(sink, ctx, client)
    assert sink.records == []


def test_without_client_ca_any_tls_client_is_received(pki: dict[str, Path]) -> None:
    sink = MemorySink()
    ctx = server_context(pki["server_cert"], pki["server_key"])

    def client(port: int) -> None:
        send_tls(port, client_context(pki, None), b"<13>anonymous\n", lambda _: sink.wait_for(1))

    run_tls(sink, ctx, client)
    assert sink.messages() == ["<13>anonymous"]
    assert "tls_client_subject" not in sink.records[0].extra


def test_unreadable_certificate_is_a_collect_error(tmp_path: Path) -> None:
    with pytest.raises(CollectError, match="cannot load TLS certificate"):
        server_context(tmp_path / "missing.crt", tmp_path / "missing.key")


def run_tls_limited(
    sink: MemorySink,
    ctx: ssl.SSLContext,
    client: Callable[[int], Any],
    limits: StreamLimits,
    stats: ReceiverStats,
) -> None:
    serve(
        lambda: StreamReceiver(
            sink, host="127.0.0.1", port=0, stats=stats, limits=limits, ssl_context=ctx
        ),
        client,
    )


def test_half_done_handshakes_count_against_the_per_address_limit(
    pki: dict[str, Path],
) -> None:
    sink, stats = MemorySink(), ReceiverStats()
    ctx = server_context(pki["server_cert"], pki["server_key"])

    def client(port: int) -> None:
        # Two connections that never start their handshake hold the address's share.
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            with socket.create_connection(("127.0.0.1", port)) as third:
                third.settimeout(30)
                assert third.recv(1) == b""  # closed at once, not after a handshake
        finally:
            for sock in silent:
                sock.close()

    limits = StreamLimits(max_connections_per_peer=2, handshake_timeout=60)
    run_tls_limited(sink, ctx, client, limits, stats)
    assert stats.snapshot()[Source(input="syslog-tls", address="127.0.0.1")].refused == 1


def test_a_handshake_past_its_deadline_is_closed_and_counted(pki: dict[str, Path]) -> None:
    sink, stats = MemorySink(), ReceiverStats()
    ctx = server_context(pki["server_cert"], pki["server_key"])

    def client(port: int) -> None:
        with socket.create_connection(("127.0.0.1", port)) as silent:
            silent.settimeout(30)
            assert silent.recv(1) == b""  # the receiver gave up on the handshake
        # The slot is free again: a real client is served.
        send_tls(port, client_context(pki, None), b"<13>after\n", lambda _: sink.wait_for(1))

    limits = StreamLimits(max_connections_per_peer=1, handshake_timeout=0.2)
    run_tls_limited(sink, ctx, client, limits, stats)
    assert stats.snapshot()[Source(input="syslog-tls", address="127.0.0.1")].refused == 1
    assert sink.messages() == ["<13>after"]
