"""Syslog over TLS over loopback, with client certificates required by a CA of the test."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from collector_sinks import MemorySink, serve
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from collectors.stats import ReceiverStats
from collectors.syslog_tcp import StreamLimits, StreamReceiver
from collectors.syslog_tls import server_context
from secops.errors import CollectError
from secops.records import Source


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Parliament"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _issue(
    subject: str,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer or (_name(subject), key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(directory: Path, name: str, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA, a server and a client certificate it signed, and a client of another CA."""
    d = tmp_path_factory.mktemp("pki")
    ca_cert, ca_key = _issue("Test CA", None, ca=True)
    server = _issue("syslog.test", (ca_cert.subject, ca_key), server=True)
    client = _issue("dms-01", (ca_cert.subject, ca_key))
    rogue_ca_cert, rogue_ca_key = _issue("Rogue CA", None, ca=True)
    rogue = _issue("dms-01", (rogue_ca_cert.subject, rogue_ca_key))
    files = {"ca": _write(d, "ca", ca_cert, ca_key)[0]}
    files["server_cert"], files["server_key"] = _write(d, "server", *server)
    files["client_cert"], files["client_key"] = _write(d, "client", *client)
    files["rogue_cert"], files["rogue_key"] = _write(d, "rogue", *rogue)
    return files


def run_tls(sink: MemorySink, ctx: ssl.SSLContext, client: Callable[[int], Any]) -> None:
    serve(
        lambda: StreamReceiver(
            sink, host="127.0.0.1", port=0, stats=ReceiverStats(), ssl_context=ctx
        ),
        client,
    )


def client_context(pki: dict[str, Path], cert: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki["ca"]))
    if cert:
        ctx.load_cert_chain(pki[f"{cert}_cert"], pki[f"{cert}_key"])
    return ctx


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
