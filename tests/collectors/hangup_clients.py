"""Raw-socket senders that hang up in each way a real sender does, after its last byte."""

from __future__ import annotations

import socket
import ssl

# "close": at once, nothing read (TLS 1.3 tickets of the server stay unread);
# "shutdown-write": TLS close_notify, TCP half-close, then read until the receiver closes.
HANGUPS = ("close", "shutdown-write")


def numbered(n: int, *, size: int = 80) -> list[bytes]:
    """``n`` distinct syslog messages of about ``size`` bytes each."""
    pad = "x" * max(0, size - 48)
    return [f"<13>Jan 10 10:00:00 host app: record {i:07d} {pad}".encode() for i in range(n)]


def frame(messages: list[bytes], framing: str) -> list[bytes]:
    """Each message framed: octet-counted (RFC 6587 3.4.1) or ended by LF."""
    if framing == "octet":
        return [b"%d %s" % (len(m), m) for m in messages]
    return [m + b"\n" for m in messages]


def send_and_hang_up(
    port: int, writes: list[bytes], hangup: str, tls: ssl.SSLContext | None = None
) -> None:
    """Send each of ``writes`` in a write of its own, then end as ``hangup`` says."""
    raw = socket.create_connection(("127.0.0.1", port))
    sock: socket.socket = raw
    if tls is not None:
        sock = tls.wrap_socket(raw, server_hostname="127.0.0.1")
    for data in writes:
        sock.sendall(data)
    if hangup == "shutdown-write":
        if isinstance(sock, ssl.SSLSocket):
            sock = sock.unwrap()  # close_notify, then the TCP half-close
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(30)
        while sock.recv(4096):  # until the receiver closes its side
            pass
    sock.close()
